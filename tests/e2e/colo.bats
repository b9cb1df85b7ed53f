#!/usr/bin/env bats
# End to end: the anycast colo of tests/lib/colo.bash, the real Linux TCP stack, the real rules and
# helper. The edge router sends the VIP's TCP to B and its ICMP to A, so the upstream router's PTBs
# for B's flow reach A. Without pmtud the download from the VIP must stall (a real PMTU black hole,
# or these tests fail); with pmtud on A, B and C it must complete, B must learn mtu 1280, and the only
# broadcasts on the segment must be A's, one per PTB that reached A.

# Stalled means "not done after this long"; a working download takes milliseconds here.
STALL_MS=3000
DONE_MS=15000

setup_file() {
  load ../lib/netns.bash
  load ../lib/colo.bash
  ns_init
  colo_create
  export NS_TAG NS_REG
}

teardown_file() {
  load ../lib/netns.bash
  ns_cleanup
}

setup() {
  load ../lib/netns.bash
  load ../lib/colo.bash
  colo_flush_pmtu
}

teardown() {
  ((${#COLO_CAPTURE_PIDS[@]} == 0)) || colo_capture_stop
  ((${#COLO_HELPER_PIDS[@]} == 0)) || colo_pmtud_stop
}

no_tcp_on_b() {
  local sockets
  sockets=$(colo_tcp_to_client b "$1") || return 2
  [[ -z $sockets ]]
}

# Without pmtud: the handshake works (small packets), B's first full-size segments hit the 1280 link,
# the upstream router's PTBs go to A, which owns no such connection; B never lowers its PMTU.
check_black_hole() {
  local fam=$1 report
  colo_capture_start
  run colo_fetch "$fam" "$STALL_MS"
  colo_capture_stop
  echo "fetch: $output"
  report=$(colo_ptb_report)
  echo "report: $report"
  [ "$status" -eq 1 ]
  [ "$(colo_field "$output" status)" = stalled ]
  [ "$(colo_field "$output" connected)" = yes ]
  (($(colo_field "$output" bytes) < COLO_BYTES))
  # PTBs were sent, all reached A and only A; nobody re-broadcast anything.
  (($(colo_field "$report" upstream_sent) >= 1))
  [ "$(colo_field "$report" edge_to_a)" -eq "$(colo_field "$report" upstream_sent)" ]
  [ "$(colo_field "$report" edge_to_b)" -eq 0 ]
  for k in edge_bcast bcast_a bcast_b bcast_c sent_b sent_c; do [ "$(colo_field "$report" "$k")" -eq 0 ]; done
  # B has no reduced MTU toward the client.
  [ -z "$(colo_route_mtu b "$fam")" ]
  # The client's reset closed B's side, so nothing stale retransmits into the next test.
  wait_for 5 no_tcp_on_b "$fam"
}

# With pmtud on every server: every PTB that reached A left A as a broadcast exactly once, byte for
# byte; B and C relayed nothing (they saw the broadcasts as pkttype broadcast); the edge router did not
# forward a broadcast (A received exactly what the upstream router sent).
check_relay() {
  local fam=$1 report n
  # Limits well above what one download provokes: here every PTB that reaches A must be relayed. The
  # limits themselves are tested in tests/integration.
  colo_pmtud_start --src-rate 1000/second --src-burst 1000 --ceiling 1000/second \
    --ceiling-burst 1000 --known-ceiling 1000/second --known-ceiling-burst 1000 --iface-rate 1000 \
    --iface-burst 1000
  colo_capture_start
  run colo_fetch "$fam" "$DONE_MS"
  colo_capture_stop
  echo "fetch: $output"
  report=$(colo_ptb_report)
  echo "report: $report"
  [ "$status" -eq 0 ]
  [ "$(colo_field "$output" status)" = complete ]
  [ "$(colo_field "$output" bytes)" -eq "$COLO_BYTES" ]
  [ "$(colo_route_mtu b "$fam")" = "$COLO_LINK_MTU" ]

  n=$(colo_field "$report" upstream_sent)
  ((n >= 1))
  [ "$(colo_field "$report" edge_to_a)" -eq "$n" ]
  [ "$(colo_field "$report" edge_to_b)" -eq 0 ]
  [ "$(colo_field "$report" edge_to_c)" -eq 0 ]
  [ "$(colo_field "$report" bcast_a)" -eq "$n" ]
  [ "$(colo_field "$report" relayed_once)" -eq "$n" ]
  [ "$(colo_field "$report" not_relayed)" -eq 0 ]
  [ "$(colo_field "$report" dup_or_foreign)" -eq 0 ]
  for k in edge_bcast bcast_b bcast_c sent_b sent_c; do [ "$(colo_field "$report" "$k")" -eq 0 ]; done

  local logged=logged4 rx=rx4
  [[ $fam == 6 ]] && logged=logged6 rx=rx6
  [ "$(colo_counter a "$logged")" -eq "$n" ]
  [ "$(colo_counter b "$rx")" -eq 0 ]
  [ "$(colo_counter c "$rx")" -eq 0 ]
  colo_pmtud_stop
  for s in a b c; do echo "$s: $(colo_helper_summary "$s")"; done
  colo_helper_summary a | grep -q "forwarded=$n "
  colo_helper_summary b | grep -q 'received=0 '
  colo_helper_summary c | grep -q 'received=0 '
}

@test "without pmtud, IPv4: the PTBs go to A, B never lowers its PMTU, the download stalls" {
  check_black_hole 4
}

@test "without pmtud, IPv6: the PTBs go to A, B never lowers its PMTU, the download stalls" {
  check_black_hole 6
}

@test "with pmtud on A, B and C, IPv4: the download completes, B learns mtu 1280, A alone re-broadcasts each PTB once" {
  check_relay 4
}

@test "with pmtud on A, B and C, IPv6: the download completes, B learns mtu 1280, A alone re-broadcasts each PTB once" {
  check_relay 6
}
