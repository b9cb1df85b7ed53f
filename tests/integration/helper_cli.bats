#!/usr/bin/env bats
# pmtud-helper's command line, start-up failures and signals: every documented exit code.
# Everything past option parsing runs in a namespace of its own (NFLOG groups are per netns).

setup_file() {
  load ../lib/netns.bash
  ns_init
  ns_add a
  ip -n "$(ns_name a)" link add d0 type veth peer name d1
  ip -n "$(ns_name a)" link set d0 up
  export NS_TAG NS_REG
}

teardown_file() {
  load ../lib/netns.bash
  ns_cleanup
}

setup() {
  load ../lib/netns.bash
  load ../lib/relay.bash
  bats_require_minimum_version 1.5.0
  LOG="$BATS_TEST_TMPDIR/helper.log"
  CONF="$BATS_TEST_TMPDIR/pmtud.conf"
  printf 'group = 41\nifaces = d0\nports = 443\n' >"$CONF"
}

teardown() {
  if [[ -n "${HELPER_PID-}" ]] && kill -0 "$HELPER_PID" 2>/dev/null; then helper_stop; fi
  if [[ -f "$LOG" ]]; then cat "$LOG"; fi # shown when the test failed
}

helper() { nsx a "$HELPER" "$@"; }

@test "--help and --version print to stdout and exit 0; --help documents the exit codes" {
  run --separate-stderr helper --help
  [ "$status" -eq 0 ]
  [ -z "$stderr" ]
  for code in 64 69 77 78; do grep -qE "^  $code " <<<"$output"; done
  grep -q 'SIGHUP' <<<"$output"
  grep -q 'reason=<r> mtu=<m> sport=<p> iface=<if>' <<<"$output"
  run --separate-stderr helper --version
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^pmtud-helper\ [0-9] ]]
}

@test "bad options and values: one line on stderr, exit 64" {
  local args
  for args in "--bogus" "--nflog 65536" "--nflog x" "--iface-rate 0" "--iface-burst -1" \
    "--ports 80,99999" "--cpu abc" "--iface bad/name" "--iface" "stray"; do
    # shellcheck disable=SC2086
    run --separate-stderr helper --config "$CONF" $args
    echo "$args -> $status: $stderr"
    [ "$status" -eq 64 ]
    [ "$(wc -l <<<"$stderr")" -eq 1 ]
    [[ "$stderr" == "pmtud-helper: "* ]]
  done
}

@test "--src-rate is refused with exit 64 and points to pmtud-setup" {
  run --separate-stderr helper --config "$CONF" --src-rate 5
  [ "$status" -eq 64 ]
  [[ "$stderr" == *"pmtud-setup install --src-rate"* ]]
}

@test "config problems exit 78 and name the file and line" {
  run --separate-stderr helper --config "$BATS_TEST_TMPDIR/missing.conf"
  [ "$status" -eq 78 ]
  [[ "$stderr" == *"missing.conf: No such file or directory"* ]]

  printf 'group = 41\nifaces = d0\nports = 80-\n' >"$CONF"
  run --separate-stderr helper --config "$CONF"
  [ "$status" -eq 78 ]
  [[ "$stderr" == *"pmtud.conf:3: "* ]]

  printf 'group = 41\nnonsense = 1\n' >"$CONF"
  run --separate-stderr helper --config "$CONF"
  [ "$status" -eq 78 ]
  [[ "$stderr" == *"pmtud.conf:2: "* ]]

  printf 'group = 41\n' >"$CONF" # no interface anywhere
  run --separate-stderr helper --config "$CONF"
  [ "$status" -eq 78 ]
}

@test "a missing default config file is fine when --iface is given" {
  [[ ! -e /etc/pmtud/pmtud.conf ]] || skip "/etc/pmtud/pmtud.conf exists on this machine"
  helper_start a "$LOG" --iface d0 --nflog 42
  grep -q 'started: group 42, ports all, iface_rate auto=200/s burst auto=100' "$LOG"
  helper_stop
  [ "$HELPER_RC" -eq 0 ]
}

@test "a missing interface exits 69" {
  run --separate-stderr helper --config "$CONF" --iface nosuch0
  [ "$status" -eq 69 ]
  [ "$stderr" = "pmtud-helper: interface nosuch0 does not exist" ]
}

@test "a second helper on the same group exits 69 naming the holder and /proc/net/netfilter/nfnetlink_log" {
  helper_start a "$LOG" --config "$CONF"
  run --separate-stderr helper --config "$CONF"
  [ "$status" -eq 69 ]
  [ "$(wc -l <<<"$stderr")" -eq 1 ]
  [[ "$stderr" == *"NFLOG group 41 is already bound"* ]]
  [[ "$stderr" == *"pid $HELPER_PID (pmtud-helper)"* ]]
  [[ "$stderr" == *"/proc/net/netfilter/nfnetlink_log"* ]]
  # The first one is unharmed.
  kill -0 "$HELPER_PID"
  nsx a grep -qE '^ +41 ' /proc/net/netfilter/nfnetlink_log
  helper_stop
  [ "$HELPER_RC" -eq 0 ]
}

@test "missing CAP_NET_RAW or CAP_NET_ADMIN exits 77 with its own message" {
  run --separate-stderr nsx a setpriv --bounding-set -net_raw "$HELPER" --config "$CONF"
  [ "$status" -eq 77 ]
  [[ "$stderr" == *"CAP_NET_RAW"* ]]
  run --separate-stderr nsx a setpriv --bounding-set -net_admin "$HELPER" --config "$CONF"
  [ "$status" -eq 77 ]
  [[ "$stderr" == *"needs CAP_NET_ADMIN"* ]]
}

@test "SIGUSR1 prints the summary and keeps running; SIGTERM stops with exit 0 and the summary" {
  helper_start a "$LOG" --config "$CONF"
  grep -q 'started: group 41, ports 443,' "$LOG"
  kill -USR1 "$HELPER_PID"
  wait_for 5 grep -q 'pmtud-helper: summary: received=0 forwarded=0 (d0 v4=0 v6=0)' "$LOG"
  kill -0 "$HELPER_PID"
  helper_stop
  [ "$HELPER_RC" -eq 0 ]
  [ "$(grep -c 'pmtud-helper: summary:' "$LOG")" -eq 2 ]
  # The group is released on exit.
  run nsx a grep -qE '^ +41 ' /proc/net/netfilter/nfnetlink_log
  [ "$status" -eq 1 ]
}

@test "--cpu pins the helper; SIGINT also stops cleanly" {
  run --separate-stderr helper --config "$CONF" --cpu 1000
  [ "$status" -eq 64 ]
  [[ "$stderr" == *"--cpu 1000: Invalid argument"* ]]
  helper_start a "$LOG" --config "$CONF" --cpu 0
  grep -qE '^Cpus_allowed_list:\s+0$' "/proc/$HELPER_PID/status"
  kill -INT "$HELPER_PID"
  HELPER_RC=0
  wait "$HELPER_PID" || HELPER_RC=$?
  [ "$HELPER_RC" -eq 0 ]
  grep -q 'pmtud-helper: summary:' "$LOG"
}
