#!/usr/bin/env bats
# Spoofed floods must not silence legitimate routers: a ceiling per family, and a lane of its own
# for sources seen in peace (the known-source lane), through the real rules and helper.
#
#   rtr r0 (floods with bench ptb-send, and plays the legitimate routers) ── br0 ── h h0 (rules +
#   pmtud-helper, owns the VIP) ── obs o0 (captures the broadcasts)
#
# Each test installs afresh (counters, sets and limits start empty) with small numbers that make
# the outcome exact: a legitimate router sends 2 PTBs a second, under its per-source limit
# (4/second burst 4); learning is 1/second burst 2, so a flood can slip at most 2 sources in
# before its storm is flagged (the documented leak: learn_burst per storm start, plus learn_rate x
# the time the ceiling's burst lasts, under a millisecond here); storms expire 2 s after the last
# over-ceiling PTB. The flood is bench ptb-send at full speed for 3 s from
# random sources (507 IPv4 addresses, a new IPv6 /64 for nearly every packet); 6 s where routers
# send during it for 3.5 s.

setup_file() {
  load ../lib/netns.bash
  load ../lib/relay.bash
  ns_init
  relay_topology
  SEND="$PMTUD_ROOT/${BUILD:-build}/bench/ptb-send"
  [[ -x $SEND ]] || {
    echo "missing $SEND: run 'make test' (it builds the flood sender)" >&2
    return 1
  }
  CONF_DIR=$(mktemp -d "$NS_REG/conf.XXXX")
  export NS_TAG NS_REG CONF_DIR SEND
}

teardown_file() {
  load ../lib/netns.bash
  ns_cleanup
}

setup() {
  load ../lib/netns.bash
  load ../lib/relay.bash
  LOG="$BATS_TEST_TMPDIR/helper.log"
  CAP="$BATS_TEST_TMPDIR/obs.pcap"
  CONF="$CONF_DIR/pmtud.conf"
  METRICS="$BATS_TEST_TMPDIR/pmtud.prom"
  start_fresh
}

# A fresh table (pmtud-setup install resets counters, sets and limits), helper and capture.
start_fresh() { # [more pmtud-setup install options]
  stop_all
  nsx h "$SETUP" install --iface h0 --config "$CONF" --src-rate 4/second --src-burst 4 \
    --learn-rate 1/second --learn-burst 2 --storm-timeout 2s "$@" >/dev/null 2>&1
  helper_start h "$LOG" --config "$CONF" --metrics-file "$METRICS" --metrics-interval 1
  capture_start obs o0 "$CAP" ether src "$H_MAC"
}

stop_all() {
  if [[ -n "${HELPER_PID-}" ]] && kill -0 "$HELPER_PID" 2>/dev/null; then helper_stop; fi
  capture_done
}

capture_done() {
  if [[ -n "${CAPTURE_PID-}" ]] && kill -0 "$CAPTURE_PID" 2>/dev/null; then capture_stop; fi
}

teardown() {
  stop_all
  if [[ -f "$LOG" ]]; then tail -n 20 "$LOG"; fi # shown when the test failed
}

measured() { echo "# measured: $*" >&3; }
c() { nsx h nft list counter inet pmtud "$1" | awk '$1 == "packets" { print $2 }'; }
elements() { nsx h nft -j list set inet pmtud "$1" | grep -o '"val":' | wc -l; }
storm_set() { nsx h nft list set inet pmtud storm | grep -qE "elements = \{.*(^|[ {,])$1 expires"; }
no_storm() { ! nsx h nft list set inet pmtud storm | grep -q 'elements = '; }

# router FAMILY SRC COUNT: COUNT PTBs from SRC at 2 a second (in the foreground).
router() {
  nsx rtr "$SEND" --iface r0 --dst-mac "$H_MAC" --family "$1" --src"$1" "$2" --count "$3" --rate 2 >/dev/null
}
# flood FAMILY [SECONDS]: spoofed PTBs as fast as the sender goes, 3 s unless said (in the
# background: FLOOD_PID).
flood() {
  FLOOD_S=${2:-3}
  bg rtr FLOOD_PID "$SEND" --iface r0 --dst-mac "$H_MAC" --family "$1" --sources random \
    --count 100000000 --seconds "$FLOOD_S" >"$BATS_TEST_TMPDIR/flood.json"
}
flood_wait() {
  wait "$FLOOD_PID"
  measured "flood: $(grep -oE '"sent":[0-9]+' "$BATS_TEST_TMPDIR/flood.json") in $FLOOD_S s"
}
# relayed FAMILY SRC: broadcasts h sent whose L3 source is SRC (what reached the segment).
relayed() {
  local want
  capture_done
  if [[ $1 == 4 ]]; then
    want=$(printf '%02x' ${2//./ })
    bcast_frames "$CAP" "$H_MAC" | awk -v w="$want" '$4 == "0800" && substr($5, 25, 8) == w' | wc -l
  else
    want=$("$PY" -c 'import ipaddress, sys; print(ipaddress.ip_address(sys.argv[1]).packed.hex())' "$2")
    bcast_frames "$CAP" "$H_MAC" | awk -v w="$want" '$4 == "86dd" && substr($5, 17, 32) == w' | wc -l
  fi
}
# Per family, every eligible PTB has one outcome, and the two lanes add up to what was logged.
outcomes_add_up() {
  local f
  for f in 4 6; do
    [ "$(c "rx$f")" -eq $(($(c "bad$f") + $(c "src_over$f") + $(c "known_over$f") + $(c "ceiling_over$f") + $(c "logged$f"))) ]
    [ "$(c "logged$f")" -eq $(($(c "known_logged$f") + $(c "new_logged$f"))) ]
  done
}
metric() { awk -v k="$1" '$1 == k { print $2 }' "$METRICS"; }

@test "a spoofed IPv6 flood never touches IPv4: a new IPv4 router's PTBs are all relayed, and the reverse" {
  for fam in 6 4; do
    other=$((10 - fam))
    [[ $other == 4 ]] && src=192.0.2.77 || src=2001:db8:77::1
    flood "$fam"
    router "$other" "$src" 6
    flood_wait
    measured "$fam flood: rx $(c "rx$fam"), ceiling_over $(c "ceiling_over$fam"), logged $(c "logged$fam");" \
      "IPv$other router: logged $(c "logged$other") of 6"
    [ "$(c "ceiling_over$fam")" -gt 0 ]
    storm_set "$([[ $fam == 4 ]] && echo icmp || echo ipv6-icmp)"
    # The other family: its router is the only source; nothing over any limit, no storm.
    [ "$(c "rx$other")" -eq 6 ]
    [ "$(c "logged$other")" -eq 6 ]
    [ "$(c "ceiling_over$other")" -eq 0 ]
    [ "$(c "learned$other")" -eq 1 ]
    [ "$(relayed "$other" "$src")" -eq 6 ]
    outcomes_add_up
    start_fresh # for the reverse direction
  done
}

@test "a router known before a spoofed flood of its own family keeps >= 90 % relayed (all, here), IPv4 and IPv6" {
  # Storms last 30 s here: the checks below look at the flag after the flood.
  start_fresh --storm-timeout 30s
  for fam in 4 6; do
    if [[ $fam == 4 ]]; then src=192.0.2.77 ctl=192.0.2.78; else src=2001:db8:77::1 ctl=2001:db8:78::1; fi
    proto=$([[ $fam == 4 ]] && echo icmp || echo ipv6-icmp)
    router "$fam" "$src" 1 # peace: learned
    [ "$(c "learned$fam")" -eq 1 ]
    [ "$(elements "known$fam")" -eq 1 ]
    flood "$fam" 6 # outlasts the routers' 3.5 s
    wait_for 5 storm_set "$proto" # the flood is over the ceiling: nothing is learned from here on
    learned0=$(c "learned$fam")
    # The control: a router nobody knows, sending at the same moments.
    bg rtr CTL_PID "$SEND" --iface r0 --dst-mac "$H_MAC" --family "$fam" --src"$fam" "$ctl" --count 8 --rate 2
    router "$fam" "$src" 8
    wait "$CTL_PID"
    learned_during=$(($(c "learned$fam") - 1))
    flood_wait
    got=$(relayed "$fam" "$src")
    ctl_got=$(relayed "$fam" "$ctl")
    measured "IPv$fam: known router relayed $got of 9 (1 in peace + 8 during the flood), unknown control" \
      "$ctl_got of 8; known_logged $(c "known_logged$fam"), known_over $(c "known_over$fam"), new_logged" \
      "$(c "new_logged$fam"), ceiling_over $(c "ceiling_over$fam"), learned during the flood $learned_during"
    [ "$got" -ge 9 ]
    [ "$(c "known_over$fam")" -eq 0 ]
    # Neither router was learned during the storm.
    [ "$(c "learned$fam")" -eq "$learned0" ]
    ! nsx h nft list set inet pmtud "known$fam" | grep -q "$ctl"
    # The control proves the lane: an IPv6 flood (a new /64 for nearly every PTB) keeps the shared
    # ceiling drained, so a router outside the known lane gets next to nothing. (The IPv4 flood
    # draws from 507 addresses whose per-source buckets refill in step, 4 times a second: between
    # those waves the ceiling fills up again, and a new router that arrives then gets through.)
    if [[ $fam == 6 ]]; then [ "$ctl_got" -le 2 ]; fi
    # The flood's own sources: the ceiling took what the shared lane did not log; at most the
    # learning burst (2) slipped into the known set before the storm was flagged.
    [ "$(c "ceiling_over$fam")" -gt 0 ]
    [ "$learned_during" -le 2 ]
    storm_set "$proto"
    # The helper reports the storm, since when, and the known sources.
    wait_for 3 grep -q "pmtud_kernel_storm{family=\"ipv$fam\"} 1" "$METRICS"
    [ "$(metric "pmtud_kernel_storm_since_timestamp_seconds{family=\"ipv$fam\"}")" -gt 0 ]
    wait_for 3 grep -qE "pmtud_kernel_known_sources\{family=\"ipv$fam\"\} [1-9]" "$METRICS"
    run nsx h "$SETUP" status --config "$CONF" --metrics-file "$METRICS"
    [[ $output == *"IPv$fam  SET, expires in"*", since "* ]]
    outcomes_add_up
    start_fresh --storm-timeout 30s
  done
}

@test "a router first seen during a flood shares the ceiling and is not learned; once the storm expires it is" {
  flood 4
  wait_for 5 storm_set icmp
  learned_before=$(c learned4)
  router 4 192.0.2.88 4
  flood_wait
  got=$(relayed 4 192.0.2.88)
  measured "new IPv4 router during the flood: relayed $got of 4 (its share of the 100/s ceiling, between the waves);" \
    "new_logged4 $(c new_logged4), ceiling_over4 $(c ceiling_over4), learned4 $learned_before -> $(c learned4)"
  # No learning while the storm lasts: neither the router nor any flood source entered the set.
  [ "$(c learned4)" -eq "$learned_before" ]
  ! nsx h nft list set inet pmtud known4 | grep -q '192.0.2.88'
  # The shared lane stayed within its ceiling: 50 + 100/s over the flood (3 s) and the router (2 s).
  [ "$(c new_logged4)" -le $((50 + 100 * 4)) ]
  # After the flood: the storm flag expires (storm_timeout 2 s), then the router's next PTB is learned.
  wait_for 6 no_storm
  capture_start obs o0 "$CAP" ether src "$H_MAC"
  router 4 192.0.2.88 1
  [ "$(c learned4)" -eq $((learned_before + 1)) ]
  nsx h nft list set inet pmtud known4 | grep -q '192.0.2.88'
  [ "$(relayed 4 192.0.2.88)" -eq 1 ]
  outcomes_add_up
}

@test "the known set full: new routers fall back to the shared lane and are relayed; nothing breaks" {
  start_fresh --known-size 2 --learn-rate 10/second --learn-burst 10
  for r in 192.0.2.71 192.0.2.72 192.0.2.73 192.0.2.74; do router 4 "$r" 1; done
  # Two learned (the set's size); the other two stayed in the shared lane.
  [ "$(elements known4)" -eq 2 ]
  [ "$(c learned4)" -eq 2 ]
  [ "$(c new_logged4)" -eq 4 ]
  for r in 192.0.2.71 192.0.2.72 192.0.2.73 192.0.2.74; do router 4 "$r" 1; done
  [ "$(c known_logged4)" -eq 2 ]
  [ "$(c new_logged4)" -eq 6 ]
  [ "$(c logged4)" -eq 8 ]
  capture_done
  for r in 192.0.2.71 192.0.2.72 192.0.2.73 192.0.2.74; do [ "$(relayed 4 "$r")" -eq 2 ]; done
  outcomes_add_up
}
