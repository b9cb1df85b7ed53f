#!/usr/bin/env bats
# pmtud-setup and the peers: the kernel's peers sets rendered from the list and the file through
# pmtud-helper --list-peers (the one parser of addresses), bad lists refused with one line, and
# apply replacing only the sets' elements when the rules are unchanged (counters and known sources
# stay), in a namespace of its own.

load ../lib/netns
load ../lib/setup

setup_file() {
  setup_env
  ns_init
  ns_add h
  export PMTUD_HELPER=$PMTUD_ROOT/$BUILD/pmtud-helper
}

teardown_file() {
  ns_cleanup
}

setup() {
  CONF=$BATS_TEST_TMPDIR/pmtud.conf
  PEERS=$BATS_TEST_TMPDIR/peers
}

teardown() {
  pmtud h uninstall --config "$CONF" >/dev/null 2>&1 || true
}

set_items() { # SET: its elements, one a line, sorted
  nsx h nft -j list set inet pmtud "$1" |
    /usr/bin/python3 -c 'import json, sys
for o in json.load(sys.stdin)["nftables"]:
    for e in o.get("set", {}).get("elem", []):
        print(e)' | sort
}

@test "--peers and --peers-file: the sets hold the whole fleet list, normalized and deduplicated" {
  printf '# the fleet\n192.0.2.66\n\n2001:DB8:2:a::a  # upper case\n192.0.2.70\n2001:db8:2:b::b\n' >"$PEERS"
  run pmtud h install --iface eth0 --config "$CONF" --peers "192.0.2.74, 2001:db8:2:c::c,192.0.2.66" \
    --peers-file "$PEERS" --no-broadcast
  [ "$status" -eq 0 ]
  [ "$(set_items peers4 | paste -sd,)" = "192.0.2.66,192.0.2.70,192.0.2.74" ]
  [ "$(set_items peers6 | paste -sd,)" = "2001:db8:2:a::a,2001:db8:2:b::b,2001:db8:2:c::c" ]
  grep -qx 'broadcast = no' "$CONF"
  grep -qx "peers_file = $PEERS" "$CONF"
  grep -qx 'peers = 192.0.2.74,2001:db8:2:c::c,192.0.2.66' "$CONF"
  run pmtud h status --config "$CONF"
  [[ $output == *"peers (nft list set inet pmtud peers4/peers6): 3 IPv4, 3 IPv6"* ]]
  [[ $output == *"as the config renders them"* ]]
}

@test "bad peers: install exits 64, apply and status 78, each with the helper's one line; nothing changes" {
  pmtud h install --iface eth0 --config "$CONF" --peers 192.0.2.66 >/dev/null 2>&1
  nsx h nft list ruleset >"$BATS_TEST_TMPDIR/before"
  cp "$CONF" "$BATS_TEST_TMPDIR/good.conf"
  for bad in 127.0.0.1 169.254.1.1 fe80::1 224.0.0.1 ff02::1 0.0.0.0 :: 255.255.255.255 ::ffff:192.0.2.1 \
    192.0.2.300 not-an-address; do
    run pmtud h install --iface eth0 --config "$CONF" --peers "192.0.2.66,$bad"
    if [ "$status" -ne 64 ] || [ "${#lines[@]}" -ne 1 ] || [[ ${lines[0]} != "pmtud-setup: "*"$bad"* ]]; then
      echo "install --peers $bad: status $status, output: $output"
      return 1
    fi
    printf '192.0.2.66\n%s\n' "$bad" >"$PEERS"
    sed "s|^peers_file =.*|peers_file = $PEERS|" "$BATS_TEST_TMPDIR/good.conf" >"$BATS_TEST_TMPDIR/bad.conf"
    run pmtud h apply --config "$BATS_TEST_TMPDIR/bad.conf"
    [ "$status" -eq 78 ]
    [[ $output == *"$PEERS:2:"* ]]
    run pmtud h status --config "$BATS_TEST_TMPDIR/bad.conf"
    [ "$status" -eq 78 ]
  done
  # More than 4096 in all.
  for i in $(seq 0 4096); do echo "2001:db8:9::$(printf '%x' "$i")"; done >"$PEERS"
  run pmtud h install --iface eth0 --config "$CONF" --peers-file "$PEERS"
  [ "$status" -eq 64 ]
  [[ $output == *4096* ]]
  # --no-broadcast without any peer.
  run pmtud h install --iface eth0 --config "$CONF" --no-broadcast
  [ "$status" -eq 64 ]
  nsx h nft list ruleset | diff -u "$BATS_TEST_TMPDIR/before" -
  cmp "$CONF" "$BATS_TEST_TMPDIR/good.conf"
}

@test "apply after the peers file changed replaces only the peers sets: counters and known sources stay" {
  printf '192.0.2.66\n2001:db8:2:a::a\n' >"$PEERS"
  pmtud h install --iface eth0 --config "$CONF" --peers-file "$PEERS" >/dev/null 2>&1
  # State that a reload would lose: a known source and a counter.
  nsx h nft add element inet pmtud known4 '{ 198.51.100.7 }'
  nsx h nft add element inet pmtud known6 '{ 2001:db8:77:: }'
  nsx h nft reset counter inet pmtud rx4 >/dev/null
  echo "192.0.2.70 # a new server" >>"$PEERS"
  sed -i '/2001:db8:2:a::a/d' "$PEERS"
  run pmtud h apply --config "$CONF"
  [ "$status" -eq 0 ]
  [[ $output == *"rules unchanged; peers sets updated"*"(2 IPv4, 0 IPv6)"* ]]
  [ "$(set_items peers4 | paste -sd,)" = "192.0.2.66,192.0.2.70" ]
  [ -z "$(set_items peers6)" ]
  set_items known4 | grep -q 198.51.100.7
  set_items known6 | grep -q 2001:db8:77::
  # A change of the rules reloads the table (and so forgets them); so does --full.
  sed -i 's/^learn_burst = 5$/learn_burst = 4/' "$CONF"
  run pmtud h apply --config "$CONF"
  [ "$status" -eq 0 ]
  [[ $output == *"loaded table inet pmtud"* ]]
  [ -z "$(set_items known4)" ]
  [ "$(set_items peers4 | paste -sd,)" = "192.0.2.66,192.0.2.70" ]
  nsx h nft add element inet pmtud known4 '{ 198.51.100.7 }'
  run pmtud h apply --full --config "$CONF"
  [[ $output == *"loaded table inet pmtud"* ]]
  [ -z "$(set_items known4)" ]
  # A hand-edited config that no longer renders the loaded rules: status says so.
  sed -i 's/^learn_burst = 4$/learn_burst = 3/' "$CONF"
  run pmtud h status --config "$CONF"
  [[ $output == *"NOT as the config renders them"* ]]
  [[ $output == *"warning: the loaded rules"*"run pmtud-setup apply"* ]]
}

@test "copies from and to peers are counted from_peer, never logged; a quoted flow this server lacks is dropped" {
  ns_add r
  veth r r0 h h0
  nsx h ip addr add 192.0.2.70/24 dev h0
  nsx h ip -6 addr add 2001:db8:1::70/64 dev h0 nodad
  nsx h ip addr add 203.0.113.10/32 dev lo
  nsx h ip -6 addr add 2001:db8:ff::10/128 dev lo nodad
  nsx r ip addr add 192.0.2.66/24 dev r0
  nsx r ip -6 addr add 2001:db8:1::66/64 dev r0 nodad
  pmtud h install --iface h0 --config "$CONF" --peers 192.0.2.66,192.0.2.70,2001:db8:1::66,2001:db8:1::70 \
    >/dev/null 2>&1
  listen h 33 OUT
  local mac
  mac=$(mac_of h h0)
  # From a peer to the VIP, from a router to this server's own listed address, and a peer's copy
  # (to this server's address) quoting a flow of an address it does not have.
  ptb r batch --iface r0 --dst-mac "$mac" >/dev/null 2>&1 <<'EOF'
--src 192.0.2.66 --dst 203.0.113.10
--src 198.51.100.1 --dst 192.0.2.70 --inner-src 192.0.2.70
--src 192.0.2.66 --dst 192.0.2.70 --inner-src 203.0.113.99
--family 6 --src 2001:db8:1::66 --dst 2001:db8:1::70 --inner-src 2001:db8:ff::10
--family 6 --src 2001:db8:1::66 --dst 2001:db8:1::70 --inner-src 2001:db8:ff::99
EOF
  sleep 0.3
  listen_stop "$OUT_PID"
  [ "$(counter h from_peer4)" -eq 3 ]
  [ "$(counter h not_local4)" -eq 1 ]
  [ "$(counter h from_peer6)" -eq 2 ]
  [ "$(counter h not_local6)" -eq 1 ]
  [ "$(counter h rx4)" -eq 0 ]
  [ "$(counter h rx6)" -eq 0 ]
  [ "$(listened_count "$OUT")" -eq 0 ]
}
