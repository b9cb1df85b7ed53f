#!/usr/bin/env bats
# End to end on an L3 fabric: the colo of tests/lib/colo_l3.bash, where every server has its own routed
# link to the leaf and no broadcast can reach another server. The leaf sends the VIP's TCP to B and
# its ICMP to A, so the upstream router's PTBs for B's flow reach A; every server's firewall drops
# `ct state invalid`. Without pmtud the download from the VIP must stall (a real PMTU black hole, or
# these tests fail); with pmtud on A, B and C relaying by unicast copies to the peers on a fleet-wide
# list, it must complete: A sends each PTB once to B and once to C, the same ICMP message, B's rules
# restore the VIP as the copy's destination so its firewall lets it through, and nobody relays a
# copy. While the servers' lists disagree (a rollout), the number of copies stays exact.

# Stalled means "not done after this long"; a working download takes milliseconds here.
STALL_MS=1500
DONE_MS=15000

setup_file() {
  load ../lib/netns.bash
  load ../lib/colo_l3.bash
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
  load ../lib/colo_l3.bash
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

# SNMP counter of SRV: IPv4 "fragmentation needed" / ICMPv6 "packet too big" messages its ICMP layer
# took in (past the firewall).
icmp_in() { # SRV 4|6
  local c=IcmpInDestUnreachs
  [[ $2 == 6 ]] && c=Icmp6InPktTooBigs
  colo_nstat "$1" "$c" | awk '{ print $2 }'
}

# Asserts that KEY is VALUE in LINE, and says which key it was if not.
expect() { # LINE KEY VALUE
  local v
  v=$(colo_field "$1" "$2") || v="(none)"
  [[ $v == "$3" ]] || {
    echo "expected $2=$3, got $2=$v" >&2
    return 1
  }
}

# A metric of SRV's helper, 0 when the series is absent.
metric() { # SRV SERIES
  local v
  v=$(colo_metric "$1" "$2")
  echo "${v:-0}"
}

fam_label() { if [[ $1 == 6 ]]; then echo ipv6; else echo ipv4; fi; }

# Without pmtud: the handshake works (small packets), B's first full-size segments hit the 1280 link,
# the upstream router's PTBs go to A, which owns no such connection (its firewall drops them as
# invalid); B never lowers its PMTU, and no server sends a PTB anywhere.
check_black_hole() {
  local fam=$1 report fw_a fw_b fw_c s
  fw_a=$(colo_fw_drops a) fw_b=$(colo_fw_drops b) fw_c=$(colo_fw_drops c)
  colo_capture_start
  run colo_fetch "$fam" "$STALL_MS"
  colo_capture_stop
  echo "fetch: $output"
  report=$(colo_copy_report "$fam")
  echo "report: $report"
  [ "$status" -eq 1 ]
  [ "$(colo_field "$output" status)" = stalled ]
  [ "$(colo_field "$output" connected)" = yes ]
  (($(colo_field "$output" bytes) < COLO_BYTES))
  local n
  n=$(colo_field "$report" upstream_sent)
  ((n >= 1))
  expect "$report" to_a "$n"
  for s in b c; do expect "$report" "to_$s" 0; done
  for s in a b c; do
    expect "$report" "sent_$s" 0
    expect "$report" "self_$s" 0
  done
  [ -z "$(colo_route_mtu b "$fam")" ]
  # Conntrack and the firewall are live: every PTB A got was invalid there and dropped.
  [ $(($(colo_fw_drops a) - fw_a)) -eq "$n" ]
  [ $(($(colo_fw_drops b) - fw_b)) -eq 0 ]
  [ $(($(colo_fw_drops c) - fw_c)) -eq 0 ]
  # The client's reset closed B's side, so nothing stale retransmits into the next test.
  wait_for 5 no_tcp_on_b "$fam"
}

# With pmtud on every server, the same fleet-wide list, no broadcast: every PTB that reached A left A
# exactly once toward B and once toward C (the same ICMP message, from A's own address), none toward
# itself; B and C sent nothing. B's rules counted the copies as from a peer and restored the VIP as
# their destination, so conntrack saw them as related and B's firewall dropped none.
check_relay() {
  local fam=$1 report n s fw_a fw_b fw_c in_b label
  label=$(fam_label "$fam")
  # Limits well above what one download provokes: here every PTB that reaches A must be relayed. The
  # limits themselves are tested in tests/integration.
  colo_pmtud_start --src-rate 1000/second --src-burst 1000 --ceiling 1000/second --ceiling-burst 1000 \
    --known-ceiling 1000/second --known-ceiling-burst 1000 --peer-rate 1000 --peer-burst 1000
  fw_a=$(colo_fw_drops a) fw_b=$(colo_fw_drops b) fw_c=$(colo_fw_drops c) in_b=$(icmp_in b "$fam")
  colo_capture_start
  run colo_fetch "$fam" "$DONE_MS"
  colo_capture_stop
  echo "fetch: $output"
  report=$(colo_copy_report "$fam")
  echo "report: $report"
  [ "$status" -eq 0 ]
  [ "$(colo_field "$output" status)" = complete ]
  [ "$(colo_field "$output" bytes)" -eq "$COLO_BYTES" ]
  [ "$(colo_route_mtu b "$fam")" = "$COLO_LINK_MTU" ]

  n=$(colo_field "$report" upstream_sent)
  ((n >= 1))
  expect "$report" to_a "$n"
  for s in b c; do expect "$report" "to_$s" 0; done
  for s in b c; do
    expect "$report" "copies_a_$s" "$n"
    expect "$report" "exact_a_$s" "$n"
    expect "$report" "delivered_a_$s" "$n"
  done
  for k in foreign_a badsrc_a other_a self_a sent_b sent_c self_b self_c; do expect "$report" "$k" 0; done

  local c=$fam
  echo "A: logged$c=$(colo_counter a "logged$c") from_peer$c=$(colo_counter a "from_peer$c")"
  echo "B: rx$c=$(colo_counter b "rx$c") from_peer$c=$(colo_counter b "from_peer$c") not_local$c=$(colo_counter b "not_local$c")"
  echo "C: rx$c=$(colo_counter c "rx$c") from_peer$c=$(colo_counter c "from_peer$c") not_local$c=$(colo_counter c "not_local$c")"
  echo "firewall drops: A +$(($(colo_fw_drops a) - fw_a)) B +$(($(colo_fw_drops b) - fw_b)) C +$(($(colo_fw_drops c) - fw_c))"
  [ "$(colo_counter a "logged$c")" -eq "$n" ]
  [ "$(colo_counter a "from_peer$c")" -eq 0 ]
  for s in b c; do
    [ "$(colo_counter "$s" "from_peer$c")" -eq "$n" ]
    [ "$(colo_counter "$s" "logged$c")" -eq 0 ]
    [ "$(colo_counter "$s" "not_local$c")" -eq 0 ]
  done
  # A dropped the originals as invalid (it owns no such flow), after its pmtud rules took them; B's
  # firewall dropped nothing and its ICMP layer took every copy; C owns no such flow either, so each
  # copy, once its destination is the VIP again, is invalid there, as the original PTB would be.
  [ $(($(colo_fw_drops a) - fw_a)) -eq "$n" ]
  [ $(($(colo_fw_drops b) - fw_b)) -eq 0 ]
  [ $(($(icmp_in b "$fam") - in_b)) -eq "$n" ]
  [ $(($(colo_fw_drops c) - fw_c)) -eq "$n" ]

  colo_pmtud_stop
  for s in a b c; do echo "$s: $(colo_helper_summary "$s")"; done
  for s in a b c; do echo "$s metrics: $(grep -E '^pmtud_(peer|packets_received|packets_forwarded)' "$(colo_metrics "$s")" | tr '\n' ' ')"; done
  [ "$(metric a "pmtud_peers{family=\"$label\"}")" -eq 2 ]
  [ "$(metric a "pmtud_peer_copies_total{family=\"$label\"}")" -eq $((2 * n)) ]
  [ "$(metric a "pmtud_peer_send_errors_total{family=\"$label\"}")" -eq 0 ]
  [ "$(metric a "pmtud_packets_forwarded_total{iface=\"eth0\",family=\"$label\"}")" -eq 0 ]
  for s in b c; do
    [ "$(metric "$s" "pmtud_peers{family=\"$label\"}")" -eq 2 ]
    [ "$(metric "$s" pmtud_packets_received_total)" -eq 0 ]
    [ "$(metric "$s" "pmtud_peer_copies_total{family=\"$label\"}")" -eq 0 ]
  done
}

@test "without pmtud, IPv4: the PTBs go to A, whose firewall drops them; B never lowers its PMTU, the download stalls" {
  check_black_hole 4
}

@test "without pmtud, IPv6: the PTBs go to A, whose firewall drops them; B never lowers its PMTU, the download stalls" {
  check_black_hole 6
}

@test "with pmtud on A, B and C, IPv4: the download completes, B learns mtu 1280, A copies each PTB once to B and C" {
  check_relay 4
}

@test "with pmtud on A, B and C, IPv6: the download completes, B learns mtu 1280, A copies each PTB once to B and C" {
  check_relay 6
}

# A rollout: A has the whole list, B's lacks A, C's lacks B. One PTB per family reaches each server
# from the upstream router (sent by the leaf, as its hash would). A copies to B and C; B to C; C to A.
# Each copy stops at its receiver: at C and A by its source (a peer there), at B by its destination
# (B's own address, on B's list although A is not). 4 copies per family, and not one more.
@test "disagreeing lists during a rollout: one PTB to each server, exactly 4 copies per family, no cycle" {
  colo_pmtud_start_on a --peers "$(colo_peers_list a b c)" --no-broadcast
  colo_pmtud_start_on b --peers "$(colo_peers_list b c)" --no-broadcast
  colo_pmtud_start_on c --peers "$(colo_peers_list a c)" --no-broadcast
  local ptbs s fam i=0
  # One distinct PTB per server and family (the quoted destination port tells them apart).
  mapfile -t ptbs < <(
    for fam in 4 6; do
      for s in a b c; do
        i=$((i + 1))
        echo "--family $fam --src $([[ $fam == 4 ]] && echo "$COLO_PTB_SRC4" || echo "$COLO_PTB_SRC6")" \
          "--dst $(colo_vip "$fam") --inner-dst $(colo_client "$fam") --sport $COLO_PORT --dport $((40000 + i))"
      done
    done | /usr/bin/python3 "$COLO_ROOT/tests/lib/ptb.py" hexes
  )
  [ "${#ptbs[@]}" -eq 6 ]
  colo_capture_start
  for i in 0 1 2; do
    s=${COLO_SERVERS[i]}
    nsx leaf "$COLO_ROOT/$COLO_BUILD/tools/frame-blast" "p-$s" "$(colo_mac "$s")" 2 "${ptbs[i]}" "${ptbs[i + 3]}"
  done
  colo_capture_stop

  local report x y c label
  for fam in 4 6; do
    report=$(colo_copy_report "$fam")
    echo "IPv$fam report: $report"
    for s in a b c; do expect "$report" "to_$s" 1; done
    # sender receiver expected-copies
    while read -r x y c; do
      expect "$report" "copies_${x}_$y" "$c"
      expect "$report" "exact_${x}_$y" "$c"
      expect "$report" "delivered_${x}_$y" "$c"
    done <<<"a b 1
a c 1
b c 1
b a 0
c a 1
c b 0"
    expect "$report" sent_a 2
    expect "$report" sent_b 1
    expect "$report" sent_c 1
    for s in a b c; do
      for k in foreign badsrc other self; do expect "$report" "${k}_$s" 0; done
    done
    for s in a b c; do
      echo "$s: rx$fam=$(colo_counter "$s" "rx$fam") logged$fam=$(colo_counter "$s" "logged$fam") from_peer$fam=$(colo_counter "$s" "from_peer$fam")"
    done
    [ "$(colo_counter a "logged$fam")" -eq 1 ]
    [ "$(colo_counter b "logged$fam")" -eq 1 ]
    [ "$(colo_counter c "logged$fam")" -eq 1 ]
    [ "$(colo_counter a "from_peer$fam")" -eq 1 ] # from C
    [ "$(colo_counter b "from_peer$fam")" -eq 1 ] # from A, known by its destination
    [ "$(colo_counter c "from_peer$fam")" -eq 2 ] # from A and from B
  done

  colo_pmtud_stop
  for fam in 4 6; do
    label=$(fam_label "$fam")
    [ "$(metric a "pmtud_peers{family=\"$label\"}")" -eq 2 ]
    [ "$(metric b "pmtud_peers{family=\"$label\"}")" -eq 1 ]
    [ "$(metric c "pmtud_peers{family=\"$label\"}")" -eq 1 ]
    [ "$(metric a "pmtud_peer_copies_total{family=\"$label\"}")" -eq 2 ]
    [ "$(metric b "pmtud_peer_copies_total{family=\"$label\"}")" -eq 1 ]
    [ "$(metric c "pmtud_peer_copies_total{family=\"$label\"}")" -eq 1 ]
  done
}
