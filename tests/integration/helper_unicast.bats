#!/usr/bin/env bats
# The unicast relay on the wire (L3 fabrics: no two servers share a segment). Server a runs the
# rules of pmtud-setup and pmtud-helper with a peers list; a router rtr sends PTBs to a and routes
# between a and the peers b and c, each on its own link. Captures on b and c check each copy:
# one per PTB per peer, the ICMP message byte for byte, a's own listed address as the source, a
# valid ICMPv6 checksum for the new pseudo-header. pmtud-setup does not know the peers keys yet:
# the helper gets its own config file, the one pmtud-setup wrote plus the peers lines.

setup_file() {
  load ../lib/netns.bash
  load ../lib/relay.bash
  load ../lib/unicast.bash
  ns_init
  unicast_topology
  KCONF="$NS_REG/kernel.conf"
  unicast_rules "$KCONF"
  export NS_TAG NS_REG KCONF
}

teardown_file() {
  load ../lib/netns.bash
  ns_cleanup
}

setup() {
  bats_require_minimum_version 1.5.0
  load ../lib/netns.bash
  load ../lib/relay.bash
  load ../lib/unicast.bash
  T=$BATS_TEST_TMPDIR
  LOG="$T/helper.log"
  CONF="$T/helper.conf"
  CAP_PIDS=()
}

teardown() {
  if [[ -n "${HELPER_PID-}" ]] && kill -0 "$HELPER_PID" 2>/dev/null; then helper_stop; fi
  caps_stop
  if [[ -f "$LOG" ]]; then cat "$LOG"; fi # shown when the test failed
}

# cap NS IF NAME: capture IF in NS into $T/NAME.pcap until caps_stop.
cap() {
  capture_start "$1" "$2" "$T/$3.pcap"
  CAP_PIDS+=("$CAPTURE_PID")
}
caps_stop() {
  local pid
  ((${#CAP_PIDS[@]})) || return 0
  sleep 0.2 # the last copies cross the router
  for pid in "${CAP_PIDS[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
  for pid in "${CAP_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  CAP_PIDS=()
}

@test "one copy per PTB per peer: the ICMP message unchanged, from a's listed address, v6 checksum valid, own addresses skipped" {
  helper_conf "$KCONF" "$CONF" "peers = $B4, $A4, $C4, $A6, $B6"
  cap b b0 b
  cap c c0 c
  cap a lo a-lo
  helper_start a "$LOG" --config "$CONF" -vv
  grep -q "peers: 2 IPv4, 1 IPv6 in use (2 own skipped) from peers (5) (start)" "$LOG"
  # Outer IPv4 options and IPv6 extension headers are not part of the copy.
  send_ptb_a --family 4 --outer-options 8 --quote 100
  send_ptb_a --family 6 --mtu 1400 --outer-ext-hdrs dst --quote 100
  send_ptb_a --family 4 --mtu 1000 --sport 8443
  wait_icmp "$T/b.pcap" "$A4" 2
  wait_icmp "$T/b.pcap" "$A6" 1
  wait_icmp "$T/c.pcap" "$A4" 2
  caps_stop
  helper_stop
  [ "$HELPER_RC" -eq 0 ]

  want4a=$(icmp_of_ptb --family 4 --outer-options 8 --quote 100)
  want4b=$(icmp_of_ptb --family 4 --mtu 1000 --sport 8443)
  want6=$(icmp_of_ptb --family 6 --mtu 1400 --outer-ext-hdrs dst --quote 100)
  [[ $want4a == "3 4 "*" csum-ok" && $want6 == "2 0 "*" csum-ok" ]]
  for peer in b c; do
    mapfile -t got < <(icmp_at "$T/$peer.pcap" "$A4")
    [ "${#got[@]}" -eq 2 ]
    [ "${got[0]}" = "$want4a" ]
    [ "${got[1]}" = "$want4b" ]
  done
  # The copy's ICMPv6 checksum covers a's address and b's: it verified above, and it differs
  # from the original's, which covered the router's and the VIP.
  mapfile -t got6 < <(icmp_at "$T/b.pcap" "$A6")
  [ "${#got6[@]}" -eq 1 ]
  read -r _ _ hex6 ok6 <<<"${got6[0]}"
  read -r _ _ orig6 _ <<<"$want6"
  [ "$ok6" = csum-ok ]
  [ "${hex6:0:4}" = "${orig6:0:4}" ]
  [ "${hex6:8}" = "${orig6:8}" ]
  [ "${hex6:4:4}" != "${orig6:4:4}" ]
  [ "$(icmp_at "$T/c.pcap" "$A6" | wc -l)" -eq 0 ] # c has no IPv6 address on the list
  # No other PTB from anyone reached b or c, and a sent none to itself.
  [ "$(icmp_at "$T/b.pcap" "" | grep -cE '^(3 4|2 0) ')" -eq 3 ]
  [ "$(icmp_at "$T/c.pcap" "" | grep -cE '^(3 4|2 0) ')" -eq 2 ]
  [ "$(icmp_at "$T/a-lo.pcap" "" | grep -cE '^(3 4|2 0) ' || true)" -eq 0 ]
  grep -q "198.51.100.1 forwarded reason=ok mtu=1280 sport=443 iface=a0 broadcast=1 copies=2" "$LOG"
  grep -q "2001:db8:e::1 forwarded reason=ok mtu=1400 sport=443 iface=a0 broadcast=1 copies=1" "$LOG"
  summary "$LOG" | grep -q 'received=3 forwarded=3 (a0 v4=2 v6=1) dropped=0 nflog_lost=0 send_errors=0 peers=v4:2,v6:1 copies=5 peer_send_errors=0 rules=present'
}

@test "an unreachable peer costs only its own copies: no route (counted), an address nobody has (sent, lost on the way)" {
  helper_conf "$KCONF" "$CONF" "peers = $A4, $B4, $NOROUTE4, $NOBODY4, $C4, $A6, $B6, $NOBODY6"
  cap b b0 b
  cap c c0 c
  helper_start a "$LOG" --config "$CONF" -v --metrics-file "$T/m.prom" --metrics-interval 1
  send_ptb_a --family 4 --count 4
  send_ptb_a --family 6 --count 2
  wait_icmp "$T/b.pcap" "$A4" 4
  wait_icmp "$T/b.pcap" "$A6" 2
  wait_icmp "$T/c.pcap" "$A4" 4
  sleep 1.2 # one metrics write after the last copy
  caps_stop
  helper_stop
  [ "$(icmp_at "$T/b.pcap" "$A4" | wc -l)" -eq 4 ]
  [ "$(icmp_at "$T/c.pcap" "$A4" | wc -l)" -eq 4 ]
  [ "$(icmp_at "$T/b.pcap" "$A6" | wc -l)" -eq 2 ]
  # v4: b, c and nobody sent (12), no route refused (4); v6: b and nobody sent (4).
  summary "$LOG" | grep -q 'forwarded=6 (a0 v4=4 v6=2) dropped=0 nflog_lost=0 send_errors=0 peers=v4:4,v6:2 copies=16 peer_send_errors=4 rules='
  [ "$(metric_in "$T/m.prom" 'pmtud_peer_copies_total{family="ipv4"}')" = 12 ]
  [ "$(metric_in "$T/m.prom" 'pmtud_peer_copies_total{family="ipv6"}')" = 4 ]
  [ "$(metric_in "$T/m.prom" 'pmtud_peer_send_errors_total{family="ipv4"}')" = 4 ]
  [ "$(metric_in "$T/m.prom" 'pmtud_peer_send_errors_total{family="ipv6"}')" = 0 ]
  [ "$(metric_in "$T/m.prom" 'pmtud_peers{family="ipv4"}')" = 4 ]
  "$PY" "$PMTUD_ROOT/tests/lib/promcheck.py" "$T/m.prom" >/dev/null
  # One line for the failing peer, not one per copy.
  [ "$(grep -c "warning: peers: an IPv4 copy to $NOROUTE4 failed: Network is unreachable" "$LOG")" -eq 1 ]
}

@test "the peer bucket spends one token per PTB: burst 3 and 2 peers make 6 copies of 10 PTBs; the other family keeps its tokens" {
  helper_conf "$KCONF" "$CONF" "peers = $A4, $B4, $C4, $A6, $B6" "broadcast = no" "peer_rate = 1" \
    "peer_burst = 3"
  cap b b0 b
  cap c c0 c
  helper_start a "$LOG" --config "$CONF" -vv
  grep -q 'broadcast no, peer_rate 1/s burst 3,' "$LOG"
  send_ptb_a --family 4 --count 10
  wait_decisions "$LOG" 10
  send_ptb_a --family 6 --count 2
  wait_decisions "$LOG" 12
  wait_icmp "$T/b.pcap" "$A6" 2
  caps_stop
  helper_stop
  [ "$(icmp_at "$T/b.pcap" "$A4" | wc -l)" -eq 3 ]
  [ "$(icmp_at "$T/c.pcap" "$A4" | wc -l)" -eq 3 ]
  [ "$(icmp_at "$T/b.pcap" "$A6" | wc -l)" -eq 2 ]
  [ "$(grep -c 'dropped reason=peer_rate_limited' "$LOG")" -eq 7 ]
  summary "$LOG" | grep -q 'received=12 forwarded=0 (a0 v4=0 v6=0) dropped=7 (peer_rate_limited=7) nflog_lost=0 send_errors=0 peers=v4:2,v6:1 copies=8 peer_send_errors=0'
}

@test "broadcast = no: no AF_PACKET socket at all, the copies still go out" {
  helper_conf "$KCONF" "$CONF" "peers = $A4, $B4" "broadcast = off"
  cap b b0 b
  cap rtr r0 r0
  helper_start a "$LOG" --config "$CONF" -v
  # Every packet socket of namespace a, by inode; the helper's sockets, by inode.
  packet_inodes=$(nsx a awk 'NR > 1 { print $NF }' /proc/net/packet)
  helper_inodes=$(find "/proc/$HELPER_PID/fd" -lname 'socket:*' -printf '%l\n' | tr -dc '0-9\n')
  [ -n "$helper_inodes" ]
  [ -z "$(comm -12 <(sort <<<"$helper_inodes") <(sort <<<"$packet_inodes"))" ]
  send_ptb_a --family 4 --count 2
  wait_icmp "$T/b.pcap" "$A4" 2
  caps_stop
  helper_stop
  [ "$("$PY" "$PCAP_PY" "$T/r0.pcap" --dst "$BCAST" | wc -l)" -eq 0 ]
  summary "$LOG" | grep -q 'received=2 forwarded=0 (a0 v4=0 v6=0) dropped=0 .* peers=v4:1,v6:0 copies=2 '
  # The same file with broadcast on: a's packet sockets are there.
  helper_conf "$KCONF" "$CONF" "peers = $A4, $B4"
  helper_start a "$LOG" --config "$CONF"
  [ "$(nsx a awk 'NR > 1' /proc/net/packet | wc -l)" -ge 1 ]
  helper_stop
}

@test "a PTB from or to a peer's address is refused by the helper on its own (rules replaced by a plain log rule)" {
  nsx a nft delete table inet pmtud
  nsx a nft -f - <<'EOF'
table inet alone {
	chain prerouting {
		type filter hook prerouting priority raw; policy accept;
		iifname "a0" icmp type destination-unreachable log group 33 queue-threshold 1
		iifname "a0" icmpv6 type packet-too-big log group 33 queue-threshold 1
	}
}
EOF
  helper_conf "$KCONF" "$CONF" "peers = $A4, $B4, $C4, $A6, $B6"
  cap b b0 b
  helper_start a "$LOG" --config "$CONF" -vv
  send_ptb_a --family 4 --src "$B4"
  send_ptb_a --family 4 --dst "$A4" --inner-src "$VIP4"
  send_ptb_a --family 6 --src "$B6"
  send_ptb_a --family 4
  wait_decisions "$LOG" 4
  wait_icmp "$T/b.pcap" "$A4" 1
  caps_stop
  helper_stop
  nsx a nft delete table inet alone
  unicast_rules "$KCONF"
  grep -q "$B4 dropped reason=from_peer mtu=1280 sport=443 iface=a0" "$LOG"
  grep -q "198.51.100.1 dropped reason=from_peer" "$LOG"
  grep -q "$B6 dropped reason=from_peer" "$LOG"
  [ "$(icmp_at "$T/b.pcap" "$A4" | wc -l)" -eq 1 ]
  summary "$LOG" | grep -q 'received=4 forwarded=1 (a0 v4=1 v6=0) dropped=3 (from_peer=3) .* copies=2 '
}

@test "peers_file: re-read when replaced by rename; a broken file is a warning and the old list stays; SIGHUP re-reads the config" {
  mkdir "$T/etc"
  printf '# the fleet\n%s\n%s  # b\n' "$A4" "$B4" >"$T/etc/peers"
  helper_conf "$KCONF" "$CONF" "peers_file = $T/etc/peers"
  cap b b0 b
  cap c c0 c
  helper_start a "$LOG" --config "$CONF" -v --metrics-file "$T/m.prom" --metrics-interval 1
  grep -q "peers: 1 IPv4, 0 IPv6 in use (1 own skipped) from $T/etc/peers (start)" "$LOG"
  send_ptb_a
  wait_icmp "$T/b.pcap" "$A4" 1

  # A new file renamed over the old one (what editors and configuration management do).
  printf '%s\n%s\n%s\n' "$A4" "$B4" "$C4" >"$T/etc/peers.new"
  mv "$T/etc/peers.new" "$T/etc/peers"
  wait_for 3 grep -q "peers: 2 IPv4, 0 IPv6 in use (1 own skipped) from $T/etc/peers (the peers file changed)" "$LOG"
  send_ptb_a
  wait_icmp "$T/c.pcap" "$A4" 1
  # Rewritten with the same addresses in another order: nothing to log.
  printf '%s\n%s\n%s\n' "$C4" "$B4" "$A4" >"$T/etc/peers"
  sleep 0.5
  [ "$(grep -c 'peers: .* in use' "$LOG")" -eq 2 ]

  # Broken: one warning naming the line, the list in use stays, the metrics say so.
  printf '%s\n%s\n169.254.7.7\n' "$A4" "$B4" >"$T/etc/peers.new"
  mv "$T/etc/peers.new" "$T/etc/peers"
  wait_for 3 grep -q "warning: peers: $T/etc/peers:3: \"169.254.7.7\" is a link-local address (169.254.0.0/16); keeping the 2 IPv4 and 0 IPv6 peers in use" "$LOG"
  send_ptb_a
  wait_icmp "$T/c.pcap" "$A4" 2
  wait_for 3 grep -q '^pmtud_peers_file_error{error=".*:3: \\"169.254.7.7\\" is a link-local' "$T/m.prom"
  [ "$(metric_in "$T/m.prom" 'pmtud_peers_file_last_error_timestamp_seconds')" -gt 0 ]
  loaded=$(metric_in "$T/m.prom" 'pmtud_peers_file_last_load_timestamp_seconds')
  [ "$loaded" -gt 0 ]
  [ "$(metric_in "$T/m.prom" 'pmtud_peers{family="ipv4"}')" = 2 ]

  # Deleted: the same (a warning, the list stays).
  rm "$T/etc/peers"
  wait_for 3 grep -q "warning: peers: peers_file $T/etc/peers: No such file or directory; keeping the 2 IPv4" "$LOG"

  # SIGHUP: the config file names a new list (no file); the error is gone.
  helper_conf "$KCONF" "$CONF" "peers = $A4, $C4"
  kill -HUP "$HELPER_PID"
  wait_for 3 grep -q "peers: 1 IPv4, 0 IPv6 in use (1 own skipped) from peers (2) (SIGHUP)" "$LOG"
  wait_for 3 _no_error_metric
  send_ptb_a
  wait_icmp "$T/c.pcap" "$A4" 3
  caps_stop
  helper_stop
  [ "$(icmp_at "$T/b.pcap" "$A4" | wc -l)" -eq 3 ]
  [ "$(icmp_at "$T/c.pcap" "$A4" | wc -l)" -eq 3 ]
  "$PY" "$PMTUD_ROOT/tests/lib/promcheck.py" "$T/m.prom" >/dev/null
}
_no_error_metric() { ! grep -q '^pmtud_peers_file_error{' "$T/m.prom"; }

@test "peers_file in a Kubernetes ConfigMap volume: the ..data symlink swap is seen, the old directory's removal is survived" {
  # The kubelet's layout: peers -> ..data/peers, ..data -> ..<timestamp>/, swapped by rename.
  local cm=$T/cm
  mkdir -p "$cm/..2026_01_01_a"
  printf '%s\n%s\n' "$A4" "$B4" >"$cm/..2026_01_01_a/peers"
  ln -s ..2026_01_01_a "$cm/..data"
  ln -s ..data/peers "$cm/peers"
  helper_conf "$KCONF" "$CONF" "peers_file = $cm/peers" "broadcast = no"
  cap c c0 c
  helper_start a "$LOG" --config "$CONF" -v
  grep -q "peers: 1 IPv4, 0 IPv6 in use (1 own skipped) from $cm/peers (start)" "$LOG"
  configmap_swap "$cm" ..2026_01_01_b "$A4" "$B4" "$C4"
  wait_for 3 grep -q "peers: 2 IPv4, 0 IPv6 in use .* (the peers file changed)" "$LOG"
  configmap_swap "$cm" ..2026_01_01_c "$A4" "$C4"
  wait_for 3 grep -q "peers: 1 IPv4, 0 IPv6 in use .* (the peers file changed)" "$LOG"
  send_ptb_a
  wait_icmp "$T/c.pcap" "$A4" 1
  caps_stop
  helper_stop
  [ "$(grep -c 'warning: peers' "$LOG")" -eq 0 ]
}

# configmap_swap DIR NEW ADDR...: a new timestamped directory, ..data switched to it by rename,
# the previous one removed: what the kubelet does on an update.
configmap_swap() {
  local dir=$1 new=$2 old
  shift 2
  old=$(readlink "$dir/..data")
  mkdir "$dir/$new"
  printf '%s\n' "$@" >"$dir/$new/peers"
  ln -s "$new" "$dir/..data_tmp"
  mv -T "$dir/..data_tmp" "$dir/..data"
  rm -rf "${dir:?}/$old"
}

@test "own addresses are followed: an address added to a that is on the list stops being sent to" {
  helper_conf "$KCONF" "$CONF" "peers = $A4, $B4, 192.0.2.99" "broadcast = no"
  helper_start a "$LOG" --config "$CONF" -v
  grep -q "peers: 2 IPv4, 0 IPv6 in use (1 own skipped)" "$LOG"
  nsx a ip addr add 192.0.2.99/32 dev lo
  wait_for 3 grep -q "peers: 1 IPv4, 0 IPv6 in use (2 own skipped) .* (this host's addresses changed)" "$LOG"
  nsx a ip addr del 192.0.2.99/32 dev lo
  wait_for 3 grep -q "peers: 2 IPv4, 0 IPv6 in use (1 own skipped) .* (this host's addresses changed)" "$LOG"
  helper_stop
  [ "$HELPER_RC" -eq 0 ]
}

@test "no own address on the list: one warning, the copies still go out (from the routing table's source)" {
  helper_conf "$KCONF" "$CONF" "peers = $B4"
  cap b b0 b
  helper_start a "$LOG" --config "$CONF"
  [ "$(grep -c 'warning: peers: none of this host.s IPv4 addresses is on the list' "$LOG")" -eq 1 ]
  send_ptb_a
  wait_icmp "$T/b.pcap" "$A4" 1
  caps_stop
  helper_stop
}

@test "a bad peers list at start exits 78 with one line, before any socket is opened" {
  printf 'ifaces = a0\npeers_file = %s\n' "$T/missing" >"$CONF"
  run --separate-stderr nsx a "$HELPER" --config "$CONF"
  [ "$status" -eq 78 ]
  [ "$stderr" = "pmtud-helper: peers_file $T/missing: No such file or directory" ]
  printf '192.0.2.1\n\n203.0.113.300\n' >"$T/peers"
  printf 'ifaces = a0\npeers_file = peers\n' >"$CONF" # relative: next to the config file
  run --separate-stderr nsx a "$HELPER" --config "$CONF"
  [ "$status" -eq 78 ]
  [ "$stderr" = "pmtud-helper: $T/peers:3: \"203.0.113.300\" is not an IPv4 or IPv6 address" ]
  printf '# nobody yet\n' >"$T/peers"
  printf 'ifaces = a0\npeers_file = %s\nbroadcast = no\n' "$T/peers" >"$CONF"
  run --separate-stderr nsx a "$HELPER" --config "$CONF"
  [ "$status" -eq 78 ]
  [ "$stderr" = "pmtud-helper: broadcast = no needs at least one peer, and peers_file $T/peers lists none" ]
  printf 'ifaces = a0\nbroadcast = no\n' >"$CONF"
  run --separate-stderr nsx a "$HELPER" --config "$CONF"
  [ "$status" -eq 78 ]
  [ "$stderr" = "pmtud-helper: $CONF: broadcast = no needs peers or peers_file (else nothing is relayed)" ]
}

@test "--list-peers: the whole list (own addresses too), IPv4 first, sorted, deduplicated; 78 and one line for each refused class" {
  printf '# fleet\n2001:DB8:2::2\n%s\n\n%s   # a\n192.0.2.9\n' "$C4" "$A4" >"$T/peers"
  printf 'peers = %s, 2001:db8:1:0::1,%s\npeers_file = peers\n' "$B4" "$A4" >"$CONF"
  run --separate-stderr "$HELPER" --list-peers --config "$CONF"
  [ "$status" -eq 0 ]
  [ -z "$stderr" ]
  [ "$output" = "$(printf '%s\n' 192.0.2.1 192.0.2.9 192.0.2.18 192.0.2.34 2001:db8:1::1 2001:db8:2::2)" ]
  # No interface needed; an empty list prints nothing.
  printf 'group = 40\n' >"$CONF"
  run --separate-stderr "$HELPER" --list-peers --config "$CONF"
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  local value why
  while IFS='|' read -r value why; do
    printf 'peers = 192.0.2.1, %s\n' "$value" >"$CONF"
    run --separate-stderr "$HELPER" --list-peers --config "$CONF"
    [ "$status" -eq 78 ]
    [ -z "$output" ]
    [ "$stderr" = "pmtud-helper: $CONF:1: peers: \"$value\" $why" ]
    printf '192.0.2.1\n%s\n' "$value" >"$T/peers"
    printf 'peers_file = %s\n' "$T/peers" >"$CONF"
    run --separate-stderr "$HELPER" --list-peers --config "$CONF"
    [ "$status" -eq 78 ]
    [ "$stderr" = "pmtud-helper: $T/peers:2: \"$value\" $why" ]
  done <<'ROWS'
server-b|is not an IPv4 or IPv6 address
192.0.2.0/24|is not an IPv4 or IPv6 address
127.0.0.1|is a loopback address (127.0.0.0/8)
::1|is a loopback address (::1)
169.254.1.1|is a link-local address (169.254.0.0/16)
fe80::1|is a link-local address (fe80::/10)
224.0.0.5|is a multicast address (224.0.0.0/4)
ff02::1|is a multicast address (ff00::/8)
0.0.0.0|is the unspecified address (0.0.0.0)
::|is the unspecified address (::)
255.255.255.255|is the limited broadcast address (255.255.255.255)
::ffff:192.0.2.7|is an IPv4-mapped IPv6 address (::ffff:0:0/96; list the IPv4 address instead)
ROWS
  # More than 4096 in all: the key and the file add up.
  seq 1 4000 | awk '{ printf "2001:db8:9::%x\n", $1 }' >"$T/peers"
  printf 'peers = %s\npeers_file = %s\n' "$(seq 1 97 | awk '{ printf "%s198.51.100.%d", (NR > 1 ? "," : ""), $1 }')" \
    "$T/peers" >"$CONF"
  run --separate-stderr "$HELPER" --list-peers --config "$CONF"
  [ "$status" -eq 78 ]
  [ "$stderr" = "pmtud-helper: peers and peers_file $T/peers: 4097 peers (at most 4096) in all" ]
  # A missing config file.
  run --separate-stderr "$HELPER" --list-peers --config "$T/nope.conf"
  [ "$status" -eq 78 ]
  [ "$stderr" = "pmtud-helper: $T/nope.conf: No such file or directory" ]
}
