#!/usr/bin/env bats
# Faults around pmtud-helper, in namespaces r (a router) and h (a server with pmtud's rules and the
# helper) one veth apart (r0 <-> h0): the helper killed and restarted; its interface set down, deleted
# and re-created; the ruleset flushed under it; the NFLOG group held by another program; privileges
# missing. PTBs are sent with frame-blast, the broadcasts captured in r.
#
# Interface deletion is survived by design: the rules match interfaces by name (iifname), so once
# the interface is back they apply again without a reload, and the helper, which resolves names on
# its 1 s timer, on send errors and on an unknown ifindex, follows. Exiting instead would need a
# supervisor to restart it, and would lose the group binding to a race with whatever else binds it.
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
  # Ten valid IPv4 PTBs from ten routers: line N is the L3 hex of PTB N.
  "$PY" "$PTB_PY" hexes <<<"--srcs $(seq -s, -f '198.51.100.%g' 101 110) --count 10" >"$PTBS"
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
  nsx h "$SETUP" install --iface h0 --config "$CONF" --iface-rate 1000 --iface-burst 1000 >/dev/null 2>&1
}

teardown() {
  if [[ -n ${HELPER_PID-} ]] && kill -0 "$HELPER_PID" 2>/dev/null; then
    kill -CONT "$HELPER_PID"
    helper_stop
  fi
  nsx h nft delete table ip junk 2>/dev/null || true
  if [[ -n ${CAPTURE_PID-} ]] && kill -0 "$CAPTURE_PID" 2>/dev/null; then capture_stop; fi
  if [[ -n ${HOLDER_PID-} ]] && kill -0 "$HOLDER_PID" 2>/dev/null; then kill "$HOLDER_PID"; fi
  if [[ -f $LOG ]]; then cat "$LOG"; fi # shown when the test failed
}

ptb() { sed -n "${1}p" "$PTBS"; }
send() { blast r r0 "${2:-$H_MAC}" 1 "$(ptb "$1")"; } # send N [DST_MAC]
forwarded_lines() { grep -c ' forwarded reason=ok ' "$1" || true; }
_forwarded() { (($(forwarded_lines "$1") >= $2)); }
logged4() { named_counters h | counter_of logged4; }
_logged4_is() { (($(logged4) == $1)); }
# shellcheck disable=SC2016 # awk's $1
group_bound() { nsx h awk -v g="$1" '$1 == g { found = 1 } END { exit !found }' /proc/net/netfilter/nfnetlink_log; }
_group_free() { ! group_bound "$1"; }
# The L3 hex of each broadcast h sent from MAC, in order.
wire() { bcast_frames "$CAP" "${1:-$H_MAC}" | awk '{ print $5 }'; }

@test "SIGKILL: the rules stay as they are, the group is released, PTBs meanwhile are counted by the kernel and lost; a new helper binds at once and forwards" {
  local ruleset before rc=0
  # -s -t: without counters and set elements, which traffic changes; the rules must not change.
  ruleset=$(nsx h nft -s -t list ruleset)
  capture_start r r0 "$CAP" ether src "$H_MAC" and ether broadcast
  helper_start h "$LOG" --config "$CONF" -v
  send 1
  wait_for 5 _forwarded "$LOG" 1
  kill -KILL "$HELPER_PID"
  wait "$HELPER_PID" || rc=$?
  [ "$rc" -eq 137 ]
  # The kernel drops the binding with the socket: nothing stale for the next helper to trip on.
  wait_for 5 _group_free 33
  run nsx h "$SETUP" check --config "$CONF"
  [ "$status" -eq 4 ]
  [ "$output" = "no listener on group 33" ]
  [ "$(nsx h nft -s -t list ruleset)" = "$ruleset" ]
  # Meanwhile the rules still log (counted in logged4), to no one.
  before=$(logged4)
  send 2
  wait_for 5 _logged4_is $((before + 1))

  local log2=$BATS_TEST_TMPDIR/helper2.log
  helper_start h "$log2" --config "$CONF" -v
  run nsx h "$SETUP" check --config "$CONF"
  [ "$status" -eq 0 ]
  send 3
  wait_for 5 _forwarded "$log2" 1
  capture_stop
  helper_stop
  [ "$HELPER_RC" -eq 0 ]
  diff <(wire) <(ptb 1; ptb 3)
  summary "$log2" | grep -q 'received=1 forwarded=1 (h0 v4=1 v6=0) dropped=0 nflog_lost=0 send_errors=0 rules=present'
  [ "$(nsx h nft -s -t list ruleset)" = "$ruleset" ]
}

_operstate_up() { [[ $(nsx r cat /sys/class/net/r0/operstate) == up ]]; }

@test "its interface set down and up, then deleted and re-created with a new MAC: the helper stays up, says so once, follows on its timer and forwards again" {
  local new_mac=02:00:00:00:00:22
  capture_start r r0 "$CAP" ether src "$H_MAC" and ether broadcast
  helper_start h "$LOG" --config "$CONF" -v
  nsx h ip link set h0 down
  sleep 1.2 # a timer tick or two while down: nothing to say, nothing to break
  nsx h ip link set h0 up
  wait_for 5 _operstate_up
  send 1
  wait_for 5 _forwarded "$LOG" 1
  capture_stop
  diff <(wire) <(ptb 1)

  # Deleting h0 takes r0 (its peer) with it.
  nsx h ip link del h0
  wait_for 3 grep -q 'pmtud-helper: interface h0 is gone; waiting for it to come back' "$LOG"
  sleep 1.2
  kill -0 "$HELPER_PID"
  [ "$(grep -c 'interface h0 is gone' "$LOG")" -eq 1 ]
  veth r r0 h h0
  nsx r ip link set r0 address "$R_MAC"
  nsx h ip link set h0 address "$new_mac"
  # The 1 s timer finds it again before any packet needs it.
  wait_for 3 grep -qE "pmtud-helper: interface h0: ifindex [0-9]+, mac $new_mac, mtu 1500" "$LOG"
  [ "$(forwarded_lines "$LOG")" -eq 1 ]
  capture_start r r0 "$CAP" ether src "$new_mac" and ether broadcast
  wait_for 5 _operstate_up
  send 2 "$new_mac" # the rules match h0 by name: no reload
  wait_for 5 _forwarded "$LOG" 2
  capture_stop
  helper_stop
  nsx h ip link set h0 address "$H_MAC"
  [ "$HELPER_RC" -eq 0 ]
  diff <(wire "$new_mac") <(ptb 2)
  summary "$LOG" | grep -q 'received=2 forwarded=2 (h0 v4=2 v6=0) dropped=0 nflog_lost=0 send_errors=0'
}

@test "the ruleset flushed under a running helper without any capability: it warns once and counts it; back with pmtud-setup apply; a re-install is no removal" {
  helper_start h "$LOG" --config "$CONF" -v --no-kernel-stats
  grep -qE '^CapEff:\s+0+$' "/proc/$HELPER_PID/status" # notifications need no capability
  capture_start r r0 "$CAP" ether src "$H_MAC" and ether broadcast
  send 1
  wait_for 5 _forwarded "$LOG" 1

  nsx h nft flush ruleset
  wait_for 3 grep -q 'pmtud-helper: warning: table inet pmtud was removed' "$LOG"
  kill -USR1 "$HELPER_PID"
  wait_for 3 grep -q 'rules=missing rules_removed=1$' "$LOG"
  send 2 # no table: nothing logs it, nothing reaches the helper
  sleep 0.3
  [ "$(forwarded_lines "$LOG")" -eq 1 ]

  nsx h "$SETUP" apply --config "$CONF" >/dev/null
  wait_for 3 grep -q 'pmtud-helper: table inet pmtud is loaded again' "$LOG"
  send 3
  wait_for 5 _forwarded "$LOG" 2
  # install replaces the table in one transaction (delete + create): no removal to report.
  nsx h "$SETUP" install --iface h0 --config "$CONF" --iface-rate 1000 --iface-burst 1000 >/dev/null 2>&1
  send 4
  wait_for 5 _forwarded "$LOG" 3
  nsx h nft delete table inet pmtud
  wait_for 3 _removed_lines 2
  capture_stop
  helper_stop
  nsx h "$SETUP" apply --config "$CONF" >/dev/null
  [ "$HELPER_RC" -eq 0 ]
  [ "$(grep -c 'table inet pmtud was removed' "$LOG")" -eq 2 ]
  [ "$(grep -c 'table inet pmtud is loaded' "$LOG")" -eq 1 ]
  diff <(wire) <(ptb 1; ptb 3; ptb 4)
  summary "$LOG" | grep -q 'received=3 forwarded=3 (h0 v4=3 v6=0) dropped=0 nflog_lost=0 send_errors=0 rules=missing rules_removed=2$'
}
@test "nftables notifications lost (a burst while the helper could not read): it says so once, rules=unknown, and the next change of the table sets it right" {
  helper_start h "$LOG" --config "$CONF" -v --no-kernel-stats
  # 100000 elements added to a set in someone else's table: more notifications than the socket holds.
  printf 'table ip junk {\n\tset s {\n\t\ttype ipv4_addr\n\t}\n}\n' | nsx h nft -f -
  {
    printf 'add element ip junk s { '
    seq 0 99999 | awk '{ printf "%s10.%d.%d.%d", (NR > 1 ? ", " : ""), $1 / 65536, ($1 / 256) % 256, $1 % 256 }'
    printf ' }\n'
  } >"$BATS_TEST_TMPDIR/junk.nft"
  kill -STOP "$HELPER_PID"
  nsx h nft -f "$BATS_TEST_TMPDIR/junk.nft"
  kill -CONT "$HELPER_PID"
  wait_for 3 grep -q 'pmtud-helper: warning: nftables notifications were lost; whether table inet pmtud is loaded is unknown' "$LOG"
  kill -USR1 "$HELPER_PID"
  wait_for 3 grep -q 'rules=unknown rules_removed=0$' "$LOG"
  nsx h nft delete table ip junk
  nsx h nft delete table inet pmtud
  wait_for 3 grep -q 'pmtud-helper: warning: table inet pmtud was removed' "$LOG"
  nsx h "$SETUP" apply --config "$CONF" >/dev/null
  wait_for 3 grep -q 'pmtud-helper: table inet pmtud is loaded again' "$LOG"
  send 6
  wait_for 5 _forwarded "$LOG" 1
  helper_stop
  [ "$HELPER_RC" -eq 0 ]
  [ "$(grep -c 'notifications were lost' "$LOG")" -eq 1 ]
  summary "$LOG" | grep -q 'received=1 forwarded=1 .* rules=present rules_removed=1$'
}

_removed_lines() { (($(grep -c 'table inet pmtud was removed' "$LOG") >= $1)); }

@test "the NFLOG group held by another program: exit 69 with one line naming it, and that program keeps receiving" {
  local out=$BATS_TEST_TMPDIR/holder.out
  bg h HOLDER_PID "$PMTUD_ROOT/${BUILD:-build}/tools/nflog-count" --group 33 --hex >"$out" 3>&-
  wait_for 5 group_bound 33
  run --separate-stderr nsx h "$HELPER" --config "$CONF"
  echo "$stderr"
  [ "$status" -eq 69 ]
  [ "$(wc -l <<<"$stderr")" -eq 1 ]
  [[ $stderr == "pmtud-helper: NFLOG group 33 is already bound by another socket (portid "*", pid $HOLDER_PID (nflog-count)); see /proc/net/netfilter/nfnetlink_log" ]]
  send 5
  sleep 0.2
  kill -TERM "$HOLDER_PID"
  wait "$HOLDER_PID" || true
  [ "$(tail -n 1 "$out")" = 1 ]
  [ "$(head -n 1 "$out")" = "$(ptb 5)" ]
}

@test "without privileges (another user; root without CAP_NET_ADMIN and CAP_NET_RAW): exit 77, one line naming both capabilities, nothing bound" {
  local ruleset
  ruleset=$(nsx h nft -s -t list ruleset)
  # --config /dev/null: the test's config directory is not readable by another user.
  for who in "--reuid=65534 --regid=65534 --clear-groups" "--inh-caps=-all --bounding-set=-net_admin,-net_raw"; do
    # shellcheck disable=SC2086 # word splitting is the point
    run --separate-stderr nsx h setpriv $who "$HELPER" --config /dev/null --iface h0
    echo "setpriv $who -> $status: $stderr"
    [ "$status" -eq 77 ]
    [ "$(wc -l <<<"$stderr")" -eq 1 ]
    [[ $stderr == *"needs CAP_NET_RAW"*"needs CAP_NET_ADMIN: run as root or grant both"* ]]
  done
  run group_bound 33
  [ "$status" -eq 1 ]
  [ "$(nsx h nft -s -t list ruleset)" = "$ruleset" ]
}
