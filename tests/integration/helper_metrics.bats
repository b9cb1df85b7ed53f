#!/usr/bin/env bats
# pmtud-helper's operational surface: the Prometheus metrics file (checked by a strict parser,
# values against a known scenario and the kernel's own counters), the table vanishing and coming
# back, the capabilities left after start-up (from /proc/PID/status), and the sd_notify
# messages a service manager would get. Everything runs in namespaces made here.

setup_file() {
  load ../lib/netns.bash
  load ../lib/relay.bash
  ns_init
  relay_topology
  CONF_DIR=$(mktemp -d "$NS_REG/conf.XXXX")
  # Generous limits, and a long element timeout so tracked sources are still there when read.
  nsx h "$SETUP" install --iface h0 --config "$CONF_DIR/pmtud.conf" --src-rate 1000/second \
    --src-burst 100000 --ceiling 100000/second --ceiling-burst 100000 --known-ceiling 100000/second \
    --known-ceiling-burst 100000 >/dev/null
  export NS_TAG NS_REG CONF_DIR
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
  CONF="$CONF_DIR/pmtud.conf"
  # World-writable (sticky) so that the helper can write here after --user nobody.
  METRICS_DIR=$(mktemp -d /tmp/pmtud-metrics.XXXXXX)
  chmod 1777 "$METRICS_DIR"
  PROM="$METRICS_DIR/pmtud.prom"
}

teardown() {
  if [[ -n "${HELPER_PID-}" ]] && kill -0 "$HELPER_PID" 2>/dev/null; then helper_stop; fi
  if [[ -n "${NOTIFY_PID-}" ]] && kill -0 "$NOTIFY_PID" 2>/dev/null; then kill "$NOTIFY_PID"; fi
  if [[ -f "$LOG" ]]; then cat "$LOG"; fi # shown when the test failed
  rm -rf "$METRICS_DIR"
}

promcheck() { "$PY" "$PMTUD_ROOT/tests/lib/promcheck.py" "$@"; }
# The value of one series (exact text before the value) in the checked file.
metric() { promcheck "$PROM" | awk -v s="$1" 'substr($0, 1, length(s) + 1) == s " " { print $NF }'; }
has_metric_line() { [[ -f $PROM ]] && grep -qxF "$1" "$PROM"; }
kcounter() { nsx h nft list counter inet pmtud "$1" | sed -nE 's/.*packets ([0-9]+).*/\1/p'; }
cap_line() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

@test "metrics file: strict exposition format, values match the packets sent and the kernel's counters" {
  helper_start h "$LOG" --config "$CONF" -vv --ports 443 --metrics-file "$PROM" --metrics-interval 1
  send_ptb --family 4 --count 2
  send_ptb --family 6 --mtu 1400
  send_ptb --family 4 --bad-checksum
  send_ptb --family 4 --sport 22
  wait_decisions "$LOG" 5
  wait_for 5 has_metric_line "pmtud_packets_received_total 5"

  run promcheck "$PROM"
  [ "$status" -eq 0 ]
  version=$("$HELPER" --version | awk '{ print $2 }')
  [ "$(metric "pmtud_build_info{version=\"$version\"}")" = 1 ]
  [ "$(metric 'pmtud_packets_forwarded_total{iface="h0",family="ipv4"}')" = 2 ]
  [ "$(metric 'pmtud_packets_forwarded_total{iface="h0",family="ipv6"}')" = 1 ]
  [ "$(metric 'pmtud_packets_dropped_total{reason="bad_checksum"}')" = 1 ]
  [ "$(metric 'pmtud_packets_dropped_total{reason="port_not_allowed"}')" = 1 ]
  [ "$(metric 'pmtud_packets_dropped_total{reason="iface_rate_limited"}')" = 0 ]
  [ "$(metric 'pmtud_nflog_lost_total')" = 0 ]
  [ "$(metric 'pmtud_send_errors_total{iface="h0"}')" = 0 ]
  [ "$(metric 'pmtud_rules_present')" = 1 ]
  # The kernel side, against nft's own listing.
  for c in rx4 rx6 bad4 bad6 src_over4 src_over6 known_over4 known_over6 ceiling_over4 ceiling_over6 \
    learned4 learned6 known_logged4 known_logged6 new_logged4 new_logged6 logged4 logged6 from_peer4 \
    from_peer6 not_local4 not_local6; do
    [ "$(metric "pmtud_kernel_packets_total{outcome=\"$c\"}")" = "$(kcounter "$c")" ]
  done
  [ "$(metric 'pmtud_kernel_packets_total{outcome="logged4"}')" = 4 ]
  [ "$(metric 'pmtud_kernel_packets_total{outcome="logged6"}')" = 1 ]
  [ "$(metric 'pmtud_kernel_tracked_sources{family="ipv4"}')" = 1 ]
  [ "$(metric 'pmtud_kernel_tracked_sources{family="ipv6"}')" = 1 ]
  # One router per family, seen in peace: each learned, in the known sets; no storm.
  [ "$(metric 'pmtud_kernel_known_sources{family="ipv4"}')" = 1 ]
  [ "$(metric 'pmtud_kernel_known_sources{family="ipv6"}')" = 1 ]
  [ "$(metric 'pmtud_kernel_storm{family="ipv4"}')" = 0 ]
  [ "$(metric 'pmtud_kernel_storm_since_timestamp_seconds{family="ipv6"}')" = 0 ]
  # Only the final file is ever seen: no temp file is left behind.
  [ "$(find "$METRICS_DIR" -mindepth 1 | wc -l)" -eq 1 ]
  [ "$(stat -c %a "$PROM")" = 644 ]

  helper_stop
  [ "$HELPER_RC" -eq 0 ]
  summary "$LOG" | grep -q 'received=5 forwarded=3 (h0 v4=2 v6=1) dropped=2'
}

@test "pmtud-setup status shows the helper's counters from the metrics file beside the kernel's" {
  helper_start h "$LOG" --config "$CONF" -vv --ports 443 --metrics-file "$PROM" --metrics-interval 1
  send_ptb --family 4 --count 2
  send_ptb --family 4 --sport 22
  wait_decisions "$LOG" 3
  wait_for 5 has_metric_line "pmtud_packets_received_total 3"
  run nsx h "$SETUP" status --config "$CONF" --metrics-file "$PROM"
  [ "$status" -eq 0 ]
  [[ $output == *"helper counters ($PROM, written "* ]]
  local logged=$(($(kcounter logged4) + $(kcounter logged6)))
  grep -qE "^  received +3  \(kernel logged4 \+ logged6: $logged\)$" <<<"$output"
  grep -qE '^  forwarded +2  \(h0 v4=2 v6=0\)$' <<<"$output"
  grep -qE '^  dropped +1  \(port_not_allowed=1\)$' <<<"$output"
  run nsx h "$SETUP" status --json --config "$CONF" --metrics-file "$PROM"
  [ "$status" -eq 0 ]
  "$PY" -c 'import json, sys; h = json.loads(sys.argv[1])["helper"]; assert (h["received"], h["forwarded"], h["dropped"]) == (3, 2, 1), h' "$output"
  # Without the file, status says where it looked.
  run nsx h "$SETUP" status --config "$CONF" --metrics-file "$METRICS_DIR/none.prom"
  [[ $output == *"helper counters: no metrics file at $METRICS_DIR/none.prom"* ]]
}

@test "table vanished: pmtud_rules_present drops to 0 within seconds and comes back after apply" {
  helper_start h "$LOG" --config "$CONF" --metrics-file "$PROM" --metrics-interval 1
  wait_for 5 has_metric_line "pmtud_rules_present 1"
  nsx h nft flush ruleset
  wait_for 4 has_metric_line "pmtud_rules_present 0"
  run promcheck "$PROM"
  [ "$status" -eq 0 ]
  ! grep -q pmtud_kernel_ "$PROM"
  nsx h "$SETUP" apply --config "$CONF" >/dev/null
  wait_for 4 has_metric_line "pmtud_rules_present 1"
  grep -q 'pmtud_kernel_packets_total{outcome="logged4"} 0' "$PROM"
}

@test "--user nobody: after start-up only CAP_NET_ADMIN is left (effective, permitted, bounding), no_new_privs" {
  helper_start h "$LOG" --config "$CONF" --user nobody --metrics-file "$PROM" --metrics-interval 1
  [ "$(awk '$1 == "Uid:" { print $2 $3 $4 $5 }' "/proc/$HELPER_PID/status")" = 65534655346553465534 ]
  [ "$(awk '$1 == "Groups:" { print NF }' "/proc/$HELPER_PID/status")" -eq 1 ]
  [ "$(cap_line "$HELPER_PID" CapEff)" = 0000000000001000 ] # bit 12 = CAP_NET_ADMIN
  [ "$(cap_line "$HELPER_PID" CapPrm)" = 0000000000001000 ]
  [ "$(cap_line "$HELPER_PID" CapBnd)" = 0000000000001000 ]
  [ "$(cap_line "$HELPER_PID" CapInh)" = 0000000000000000 ]
  [ "$(cap_line "$HELPER_PID" CapAmb)" = 0000000000000000 ]
  [ "$(cap_line "$HELPER_PID" NoNewPrivs)" = 1 ]
  # The one capability is what the kernel reads need, and they work as nobody.
  wait_for 5 has_metric_line "pmtud_rules_present 1"
  [ "$(stat -c %U "$PROM")" = nobody ]
  # The relay itself still works without any other privilege.
  send_ptb --family 4
  wait_for 5 has_metric_line 'pmtud_packets_forwarded_total{iface="h0",family="ipv4"} 1'
}

@test "--no-kernel-stats: no capability at all is left; rules_present comes from notifications alone" {
  helper_start h "$LOG" --config "$CONF" --user nobody --no-kernel-stats --metrics-file "$PROM" \
    --metrics-interval 1
  for set in CapEff CapPrm CapBnd CapInh CapAmb; do
    [ "$(cap_line "$HELPER_PID" "$set")" = 0000000000000000 ]
  done
  wait_for 5 has_metric_line "pmtud_rules_present 1"
  ! grep -q 'pmtud_kernel_' "$PROM"
  nsx h nft flush ruleset
  wait_for 4 has_metric_line "pmtud_rules_present 0"
  nsx h "$SETUP" apply --config "$CONF" >/dev/null
}

@test "--user: an unknown user is a usage error (64), before any socket is opened" {
  run --separate-stderr nsx h "$HELPER" --config "$CONF" --user no-such-user-pmtud
  [ "$status" -eq 64 ]
  [[ "$stderr" == *"no user named 'no-such-user-pmtud'"* ]]
}

@test "metrics file: none writes nothing; an unwritable directory is one warning, not a failure" {
  helper_start h "$LOG" --config "$CONF" --metrics-file none --metrics-interval 1
  sleep 1.5
  [ ! -e "$PROM" ]
  helper_stop
  [ "$HELPER_RC" -eq 0 ]

  helper_start h "$LOG" --config "$CONF" --metrics-file "$METRICS_DIR/missing/pmtud.prom" \
    --metrics-interval 1
  sleep 2.5
  kill -0 "$HELPER_PID"
  [ "$(grep -c 'cannot write .*/missing/pmtud.prom' "$LOG")" -eq 1 ]
}

@test "sd_notify: READY=1 with a STATUS of counters, WATCHDOG=1 every second, STOPPING=1 on SIGTERM" {
  local sock="$METRICS_DIR/notify" out="$METRICS_DIR/notify.out"
  # A stand-in for the service manager's notification socket.
  "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(15)
with open(sys.argv[2], "w") as out:
    while True:
        msg = s.recv(4096).decode()
        out.write(msg.replace("\n", "|") + "\n")
        out.flush()
        if "STOPPING=1" in msg:
            break
' "$sock" "$out" 3>&- &
  NOTIFY_PID=$!
  wait_for 5 test -S "$sock"
  : >"$LOG"
  bg h HELPER_PID env NOTIFY_SOCKET="$sock" WATCHDOG_USEC=3000000 "$HELPER" --config "$CONF" \
    --metrics-file none --metrics-interval 1 2>"$LOG" 3>&-
  wait_for 5 grep -q '^WATCHDOG=1$' "$out"
  head -n 1 "$out" | grep -qx 'READY=1|STATUS=received=0 forwarded=0 dropped=0 nflog_lost=0 send_errors=0; rules loaded'
  send_ptb --family 4
  wait_for 5 grep -q '^STATUS=received=1 forwarded=1 ' "$out"
  helper_stop
  [ "$HELPER_RC" -eq 0 ]
  wait "$NOTIFY_PID"
  [ "$(tail -n 1 "$out")" = "STOPPING=1" ]
}

@test "known sources and storm flags: read from sets known4, known6 and storm, every second" {
  # The rules' own sets, given elements by hand (what earlier tests learned is flushed first).
  nsx h nft -f - <<'NFT'
flush set inet pmtud known4
flush set inet pmtud known6
flush set inet pmtud storm
add element inet pmtud known4 { 198.51.100.1, 198.51.100.2, 198.51.100.3 }
add element inet pmtud known6 { 2001:db8:e:: }
add element inet pmtud storm { ipv6-icmp timeout 1h }
NFT
  helper_start h "$LOG" --config "$CONF" --metrics-file "$PROM" --metrics-interval 1
  wait_for 5 has_metric_line 'pmtud_kernel_storm{family="ipv6"} 1'
  run promcheck "$PROM"
  [ "$status" -eq 0 ]
  [ "$(metric 'pmtud_kernel_known_sources{family="ipv4"}')" = 3 ]
  [ "$(metric 'pmtud_kernel_known_sources{family="ipv6"}')" = 1 ]
  [ "$(metric 'pmtud_kernel_storm{family="ipv4"}')" = 0 ]
  [ "$(metric 'pmtud_kernel_storm_since_timestamp_seconds{family="ipv4"}')" = 0 ]
  since=$(metric 'pmtud_kernel_storm_since_timestamp_seconds{family="ipv6"}')
  now=$(date +%s)
  ((since > now - 10 && since <= now))
  # The flag clears: 0 again, and so does its time.
  nsx h nft delete element inet pmtud storm { ipv6-icmp }
  wait_for 5 has_metric_line 'pmtud_kernel_storm{family="ipv6"} 0'
  [ "$(metric 'pmtud_kernel_storm_since_timestamp_seconds{family="ipv6"}')" = 0 ]
  helper_stop
  [ "$HELPER_RC" -eq 0 ]
}
