#!/usr/bin/env bats
# Broken configuration next to a working installation: a helper is running (group 33) and relaying
# when a second helper is started with broken files or bad options, and when pmtud-setup is run on a
# broken file. Each must fail with its documented code and one printable line naming the file (and
# the line), and change nothing: no group bound, the rules and the running helper untouched.
# (helper_cli.bats and setup_cli.bats cover the individual messages; this is the "nothing changed".)
# shellcheck disable=SC2154 # bats' run sets stderr

setup_file() {
  load ../lib/netns
  load ../lib/relay
  load ../lib/hostile
  ns_init
  pair_topology
  CONF=$NS_REG/pmtud.conf
  PTBS=$NS_REG/ptbs
  export CONF PTBS
  nsx h "$SETUP" install --iface h0 --config "$CONF" >/dev/null 2>&1
  "$PY" "$PTB_PY" hexes <<<"--srcs 198.51.100.101,198.51.100.102 --count 2" >"$PTBS"
}

teardown_file() {
  load ../lib/netns
  ns_cleanup
}

setup() {
  load ../lib/netns
  load ../lib/relay
  load ../lib/hostile
  bats_require_minimum_version 1.5.0
  LOG=$BATS_TEST_TMPDIR/helper.log
  CAP=$BATS_TEST_TMPDIR/r0.pcap
  BAD=$BATS_TEST_TMPDIR/bad.conf
}

teardown() {
  if [[ -n ${HELPER_PID-} ]] && kill -0 "$HELPER_PID" 2>/dev/null; then helper_stop; fi
  if [[ -n ${CAPTURE_PID-} ]] && kill -0 "$CAPTURE_PID" 2>/dev/null; then capture_stop; fi
  if [[ -f $LOG ]]; then cat "$LOG"; fi
}

# shellcheck disable=SC2016 # awk's $1
bound_groups() { nsx h awk '{ print $1 }' /proc/net/netfilter/nfnetlink_log | sort -n | paste -sd' '; }
state() { nsx h nft -s -t list ruleset && bound_groups && cat "$CONF"; }

# RUN-RESULT EXPECTED-STATUS NAME: the status, one line, printable, naming NAME.
one_clear_line() {
  echo "[$1] -> $status: $stderr"
  [ "$status" -eq "$2" ]
  [ "$(wc -l <<<"$stderr")" -eq 1 ]
  [[ $stderr == *"$3"* ]]
  [ "$(LC_ALL=C grep -c '[^[:print:]]' <<<"$stderr")" -eq 0 ]
}

@test "a second helper with broken config files or bad options: exit 78 or 64, one printable line, nothing bound; the running helper keeps relaying" {
  helper_start h "$LOG" --config "$CONF" -v
  capture_start r r0 "$CAP" ether src "$H_MAC" and ether broadcast
  local before name
  before=$(state)
  # Each broken file uses group 34, so that binding it would show.
  declare -A files=(
    [binary]='printf "group = 34\nifaces = h0\n\x00\x01\x02garb\x1b[31mage\xff\n"'
    [escape sequence]='printf "group = 34\nifaces = h0\n\x1b[2J\x1b[31mred\n"'
    [unknown key]='printf "group = 34\nifaces = h0\ncolour = blue\n"'
    [bad value]='printf "group = 34\nifaces = h0\niface_rate = 0\n"'
    [group too big]='printf "group = 65536\nifaces = h0\n"'
    [no equals sign]='printf "group = 34\nifaces h0\n"'
    [long line]='printf "group = 34\nifaces = h0\nports = "; head -c 100000 /dev/zero | tr "\0" 1; echo'
    [empty file]=':'
    [bad port range]='printf "group = 34\nifaces = h0\nports = 80-\n"'
  )
  for name in "${!files[@]}"; do
    eval "${files[$name]}" >"$BAD"
    run --separate-stderr nsx h "$HELPER" --config "$BAD"
    one_clear_line "$name" 78 "pmtud-helper: $BAD"
  done
  # The offending line is quoted with its bytes escaped, whole.
  eval "${files[binary]}" >"$BAD"
  run --separate-stderr nsx h "$HELPER" --config "$BAD"
  [ "$stderr" = "pmtud-helper: $BAD:3: expected \"key = value\", got \"\\x00\\x01\\x02garb\\x1b[31mage\\xff\"" ]
  run --separate-stderr nsx h "$HELPER" --config "$BATS_TEST_TMPDIR"
  one_clear_line directory 78 "pmtud-helper: $BATS_TEST_TMPDIR: Is a directory"
  run --separate-stderr nsx h "$HELPER" --config "$BATS_TEST_TMPDIR/missing.conf"
  one_clear_line missing 78 "missing.conf: No such file or directory"
  local args
  for args in "--nflog 34 --bogus" "--nflog 65536" "--nflog 34 --iface-rate 0" "--nflog 34 --ports 1-2-3" \
    "--nflog 34 --iface h0/x" "--nflog 34 --src-rate 5/second"; do
    # shellcheck disable=SC2086 # word splitting is the point
    run --separate-stderr nsx h "$HELPER" --config "$CONF" $args
    one_clear_line "$args" 64 "pmtud-helper: "
  done
  [ "$(state)" = "$before" ]
  [ "$(bound_groups)" = 33 ]

  # The running helper did not notice any of it.
  blast r r0 "$H_MAC" 1 "$(sed -n 1p "$PTBS")"
  wait_for 5 grep -q ' forwarded reason=ok ' "$LOG"
  capture_stop
  helper_stop
  [ "$HELPER_RC" -eq 0 ]
  [ "$(bcast_frames "$CAP" "$H_MAC" | awk '{ print $5 }')" = "$(sed -n 1p "$PTBS")" ]
  [ "$(grep -vc -e 'started:' -e 'summary:' -e 'metrics:' -e 'forwarded reason=ok' "$LOG")" -eq 0 ]
}

@test "pmtud-setup on a broken config file: apply, status, check and uninstall exit 78 with one printable line; the rules and the running helper untouched" {
  helper_start h "$LOG" --config "$CONF" -v
  local before cmd
  before=$(state)
  printf 'group = 34\nifaces = h0\n\x00\x01\x02garb\x1b[31mage\xff\n' >"$BAD"
  for cmd in apply status check uninstall; do
    run --separate-stderr nsx h "$SETUP" "$cmd" --config "$BAD"
    # status prints its report on stdout; the verdict on a broken file is the one line on stderr.
    one_clear_line "$cmd" 78 "pmtud-setup: $BAD:3: "
  done
  [ -e "$BAD" ] # uninstall removes only a config it can read as pmtud's
  printf 'group = 34\nifaces = h0\nsrc_rate = 1/fortnight\n' >"$BAD"
  run --separate-stderr nsx h "$SETUP" apply --config "$BAD"
  one_clear_line "bad unit" 78 "pmtud-setup: $BAD:3: "
  [ "$(state)" = "$before" ]
  kill -0 "$HELPER_PID"
  [ "$(grep -c 'table inet pmtud was removed' "$LOG")" -eq 0 ]
}
