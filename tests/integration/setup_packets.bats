#!/usr/bin/env bats
# Real packets through the rules pmtud-setup loads. Topology (made once for the file):
#
#   ns r (a router)  r0 ==veth== h0  ns h (the VIP owner)  h1 ==veth== o0  ns o (another segment)
#
# h owns the VIP 203.0.113.10 / 2001:db8:ff::10 on lo and has 192.0.2.2/24, 2001:db8:1::2/64 on h0.
# pmtud relays on h0 only. r and o send Ethernet frames crafted by tests/lib/ptb.py to h0's / h1's MAC.
# Each test re-installs (which resets counters and sets) and counts with a listener on the group.
# Measured numbers are printed as TAP comments ("# measured: ...") when bats runs this file directly.

load ../lib/netns
load ../lib/setup

setup_file() {
  setup_env
  ns_init
  ns_add h
  ns_add r
  ns_add o
  veth r r0 h h0
  veth o o0 h h1
  nsx h ip addr add 203.0.113.10/32 dev lo
  nsx h ip addr add 2001:db8:ff::10/128 dev lo nodad
  nsx h ip addr add 192.0.2.2/24 dev h0
  nsx h ip addr add 2001:db8:1::2/64 dev h0 nodad
  H0_MAC=$(mac_of h h0)
  H1_MAC=$(mac_of h h1)
  CONF=$BATS_FILE_TMPDIR/pmtud.conf
  export H0_MAC H1_MAC CONF
}

teardown_file() {
  ns_cleanup
}

teardown() {
  if [[ -n ${OUT_PID-} ]]; then kill "$OUT_PID" 2>/dev/null || true; fi
  nsx h nft delete table inet fw 2>/dev/null || true
}

pmtud_install() {
  pmtud h install --iface h0 --config "$CONF" "$@" 2>/dev/null >/dev/null
}

# Sends the ptb.py option lines on stdin from ns r (to h0's MAC); the hex of each packet goes to FILE.
send_from_r() { # FILE [extra options]
  local file=$1
  shift
  ptb r batch --iface r0 --dst-mac "$H0_MAC" "$@" >"$file" 2>/dev/null
}

measured() { echo "# measured: $*" >&3; }

snmp() { # NS FILE FIELD: a counter from /proc/net/snmp (Icmp: lines) or /proc/net/snmp6
  if [[ $2 == snmp6 ]]; then
    nsx "$1" awk -v f="$3" '$1 == f { print $2 }' /proc/net/snmp6
  else
    nsx "$1" awk -v f="$3" '$1 == "Icmp:" { if (!n++) { for (i = 2; i <= NF; i++) col[$i] = i } else print $col[f] }' \
      /proc/net/snmp
  fi
}

set_elems() {
  nsx h nft -j list set inet pmtud "$1" | grep -o '"val":' | wc -l
}

# Per family, rx = bad + src_over + known_over + ceiling_over + logged, and logged = known_logged +
# new_logged: every eligible PTB has exactly one outcome.
outcomes_add_up() {
  local f
  for f in 4 6; do
    [ "$(counter h "rx$f")" -eq $(($(counter h "bad$f") + $(counter h "src_over$f") + $(counter h "known_over$f") +
      $(counter h "ceiling_over$f") + $(counter h "logged$f"))) ]
    [ "$(counter h "logged$f")" -eq $(($(counter h "known_logged$f") + $(counter h "new_logged$f"))) ]
  done
}

@test "one source at 20 PTB/s for 3 s: exactly burst + rate x 3 logged, the rest still reach the stack" {
  pmtud_install # 1/second burst 2
  listen h 33 OUT
  in4=$(snmp h snmp InDestUnreachs)
  in6=$(snmp h snmp6 Icmp6InPktTooBigs)
  # 70 packets at 20/s span 3.45 s: three refills (t = 1, 2, 3 s), none close to the last packet.
  echo "--count 70 --rate 20" | send_from_r "$BATS_TEST_TMPDIR/sent4" &
  s4=$!
  echo "--family 6 --count 70 --rate 20" | send_from_r "$BATS_TEST_TMPDIR/sent6" &
  wait $! "$s4"
  sleep 0.2
  listen_stop "$OUT_PID"
  measured "v4 logged $(counter h logged4), src_over4 $(counter h src_over4); v6 logged $(counter h logged6)," \
    "src_over6 $(counter h src_over6); listener $(listened_count "$OUT"); promised 2 + 1 x 3 = 5 per family"
  [ "$(counter h rx4)" -eq 70 ]
  [ "$(counter h logged4)" -eq 5 ]
  [ "$(counter h src_over4)" -eq 65 ]
  [ "$(counter h rx6)" -eq 70 ]
  [ "$(counter h logged6)" -eq 5 ]
  [ "$(counter h src_over6)" -eq 65 ]
  [ "$(counter h ceiling_over4)" -eq 0 ]
  [ "$(counter h ceiling_over6)" -eq 0 ]
  # Its first PTB made it known (no storm), so the other four took the known lane.
  [ "$(counter h learned4)" -eq 1 ] && [ "$(counter h known_logged4)" -eq 4 ]
  [ "$(counter h learned6)" -eq 1 ] && [ "$(counter h known_logged6)" -eq 4 ]
  # The listener got the same 10, byte for byte (full copies: 576 and 1280 bytes).
  [ "$(listened_count "$OUT")" -eq 10 ]
  [ "$(listened_hex "$OUT" | grep -cxF -f <(sort -u "$BATS_TEST_TMPDIR/sent4"))" -eq 5 ]
  [ "$(listened_hex "$OUT" | grep -cxF -f <(sort -u "$BATS_TEST_TMPDIR/sent6"))" -eq 5 ]
  [ "$(listened_hex "$OUT" | awk '{ print length($0) / 2 }' | sort -u | tr '\n' ' ')" = "1280 576 " ]
  # pmtud never drops: all 70 + 70 reached the local ICMP stack, limited or not.
  [ $(($(snmp h snmp InDestUnreachs) - in4)) -eq 70 ]
  [ $(($(snmp h snmp6 Icmp6InPktTooBigs) - in6)) -eq 70 ]
  outcomes_add_up
}

@test "two sources have independent budgets: v4 per address, v6 per /64 (or per address with /128)" {
  pmtud_install
  listen h 33 OUT
  send_from_r "$BATS_TEST_TMPDIR/sent" <<'EOF'
--srcs 198.51.100.1,198.51.100.2 --count 20
--family 6 --srcs 2001:db8:e::1,2001:db8:e::2,2001:db8:e:1::1 --count 30
EOF
  sleep 0.2
  [ "$(set_elems src4)" -eq 2 ]
  [ "$(set_elems src6)" -eq 2 ]
  listen_stop "$OUT_PID"
  # Source addresses of what the listener got: v4 at bytes 12..15, v6 at bytes 8..23.
  per_src=$(listened_hex "$OUT" | awk '/^45/ { print substr($0, 25, 8) } /^6/ { print substr($0, 17, 32) }' |
    sort | uniq -c | awk '{ printf "%s=%s ", $2, $1 }')
  measured "interleaved 10+10 v4 from 2 sources -> logged4 $(counter h logged4); 10+10+10 v6 from 2 /64s" \
    "-> logged6 $(counter h logged6); per source: $per_src; promised burst 2 per source or /64"
  [ "$(counter h logged4)" -eq 4 ]
  [ "$(counter h logged6)" -eq 4 ]
  [ "$(listened_count "$OUT")" -eq 8 ]
  [[ $per_src == *"c6336401=2 c6336402=2 "* ]]
  # 2001:db8:e::1 and ::2 share one /64 budget (2 between them); 2001:db8:e:1::1 has its own.
  [[ $per_src == *"20010db8000e0001000000000000000"1=2* ]]
  n64=$(listened_hex "$OUT" | awk '/^6/ { print substr($0, 17, 16) }' | sort | uniq -c | awk '{ print $1 }' | tr '\n' ' ')
  [ "$n64" = "2 2 " ]

  pmtud_install --v6-prefix 128
  echo "--family 6 --srcs 2001:db8:e::1,2001:db8:e::2,2001:db8:e:1::1 --count 30" | send_from_r /dev/null
  measured "same v6 packets with --v6-prefix 128 -> logged6 $(counter h logged6); promised 3 x 2 = 6"
  [ "$(counter h logged6)" -eq 6 ]
  [ "$(set_elems src6)" -eq 3 ]
}

@test "spoofed sources: what each family logs stays within its own two lanes' ceilings" {
  pmtud_install --ceiling 10/second --ceiling-burst 5 --known-ceiling 10/second --known-ceiling-burst 5
  listen h 33 OUT
  start=$(date +%s%N)
  echo "--random-src --count 400" | send_from_r /dev/null &
  s4=$!
  echo "--family 6 --random-src --count 400" | send_from_r /dev/null &
  wait $! "$s4"
  elapsed_ms=$((($(date +%s%N) - start) / 1000000))
  sleep 0.2
  listen_stop "$OUT_PID"
  bound=$((5 + (10 * elapsed_ms + 999) / 1000))
  measured "800 spoofed PTBs (400 v4 + 400 v6) in ${elapsed_ms} ms: logged v4 $(counter h new_logged4) +" \
    "$(counter h known_logged4) known, v6 $(counter h new_logged6) + $(counter h known_logged6) known;" \
    "ceiling_over $(counter h ceiling_over4) / $(counter h ceiling_over6), learned $(counter h learned4) /" \
    "$(counter h learned6); promised <= 5 + 10/s x elapsed = $bound per lane and family"
  [ "$(counter h rx4)" -eq 400 ]
  [ "$(counter h rx6)" -eq 400 ]
  for f in 4 6; do
    [ "$(counter h "new_logged$f")" -ge 5 ]
    [ "$(counter h "new_logged$f")" -le "$bound" ]
    [ "$(counter h "known_logged$f")" -le "$bound" ]
    [ "$(counter h "ceiling_over$f")" -gt 0 ]
    # Learning stops at the storm: at most the learning burst (5) slipped in before it.
    [ "$(counter h "learned$f")" -le 5 ]
  done
  # Both families are in a storm now (the flags outlive the flood by storm_timeout, 10 s).
  nsx h nft list set inet pmtud storm | grep -qE 'elements = \{ (icmp|ipv6-icmp) expires [^,]*, (icmp|ipv6-icmp) expires'
  [ "$(listened_count "$OUT")" -eq $(($(counter h logged4) + $(counter h logged6))) ]
  outcomes_add_up
}

@test "not logged: echo requests, other ICMP errors, broadcast/multicast frames, other destinations, bad MTU, bad length, fragments, other interface" {
  pmtud_install
  listen h 33 OUT
  send_from_r "$BATS_TEST_TMPDIR/ignored" <<'EOF'
--type 8 --code 0
--family 6 --type 128 --code 0
--type 3 --code 1
--type 3 --code 3
--type 11 --code 0
--family 6 --type 1 --code 4
--family 6 --type 2 --code 1
--dst-mac ff:ff:ff:ff:ff:ff
--family 6 --dst-mac ff:ff:ff:ff:ff:ff
--dst-mac 01:00:5e:00:00:01
--family 6 --dst-mac 33:33:00:00:00:01
--dst 192.0.2.99
--family 6 --dst 2001:db8:1::99
EOF
  send_from_r "$BATS_TEST_TMPDIR/bad" <<'EOF'
--mtu 0
--mtu 67
--mtu 16385
--quote 20
--quote 549
--outer-frag --quote 100
--family 6 --mtu 1279
--family 6 --mtu 16385
--family 6 --quote 1233
--family 6 --outer-frag --quote 100
EOF
  # A valid PTB on the interface pmtud does not watch.
  printf -- '--src 198.51.100.7\n--family 6 --src 2001:db8:e::7\n' |
    ptb o batch --iface o0 --dst-mac "$H1_MAC" >/dev/null 2>&1
  [ "$(counter h rx4)" -eq 6 ]
  [ "$(counter h rx6)" -eq 4 ]
  [ "$(counter h bad4)" -eq 6 ]
  [ "$(counter h bad6)" -eq 4 ]
  # Positive control: the same path still logs a valid PTB of each family.
  printf -- '--src 198.51.100.9\n--family 6 --src 2001:db8:e::9\n' | send_from_r "$BATS_TEST_TMPDIR/good"
  sleep 0.2
  listen_stop "$OUT_PID"
  measured "13 ignored + 10 malformed + 2 on another interface -> rx4 $(counter h rx4) rx6 $(counter h rx6)," \
    "bad4 $(counter h bad4) bad6 $(counter h bad6); logged only the 2 controls: $(listened_count "$OUT")"
  [ "$(counter h logged4)" -eq 1 ]
  [ "$(counter h logged6)" -eq 1 ]
  [ "$(listened_count "$OUT")" -eq 2 ]
  diff <(listened_hex "$OUT") "$BATS_TEST_TMPDIR/good"
  outcomes_add_up
}

@test "inner shapes the helper can parse are logged whole: IPv4 options, IPv6 extension headers, any protocol and port, minimal sizes" {
  pmtud_install --src-burst 100 --ports 443
  listen h 33 OUT
  send_from_r "$BATS_TEST_TMPDIR/sent" <<'EOF'
--inner-options
--proto udp --sport 53
--proto sctp
--proto icmp
--sport 22
--quote 28
--mtu 68
--mtu 1500
--mtu 16384
--family 6 --ext-hdrs hop,dst,rt
--family 6 --ext-hdrs frag
--family 6 --proto udp --sport 22
--family 6 --quote 48
--family 6 --mtu 16384
EOF
  sleep 0.2
  listen_stop "$OUT_PID"
  measured "14 PTBs with odd inner shapes -> logged $(($(counter h logged4) + $(counter h logged6)))," \
    "received byte-identical: $(listened_hex "$OUT" | grep -cxF -f "$BATS_TEST_TMPDIR/sent")"
  [ "$(counter h logged4)" -eq 9 ]
  [ "$(counter h logged6)" -eq 5 ]
  diff <(listened_hex "$OUT") "$BATS_TEST_TMPDIR/sent"
  [ "$(listened_hex "$OUT" | sed -n '6p;13p' | awk '{ print length($0) / 2 }' | tr '\n' ' ')" = "56 96 " ]
}

@test "--strict narrows the next-hop MTU to 576..1499 (v4) and 1280..1499 (v6)" {
  pmtud_install --strict --src-burst 100
  send_from_r /dev/null <<'EOF'
--mtu 575
--mtu 576
--mtu 1499
--mtu 1500
--family 6 --mtu 1280
--family 6 --mtu 1499
--family 6 --mtu 1500
EOF
  [ "$(counter h bad4)" -eq 2 ]
  [ "$(counter h logged4)" -eq 2 ]
  [ "$(counter h bad6)" -eq 1 ]
  [ "$(counter h logged6)" -eq 2 ]
}

@test "a PTB for a flow this host does not own is logged although the host's firewall drops ct state invalid" {
  pmtud_install
  nsx h nft -f - <<'EOF'
table inet fw {
	counter invalid { }
	chain input {
		type filter hook input priority filter; policy accept;
		ct state invalid counter name invalid drop
	}
	chain pre {
		type filter hook prerouting priority mangle; policy accept;
		ct state invalid meta l4proto { icmp, ipv6-icmp } counter name invalid drop
	}
}
EOF
  listen h 33 OUT
  printf -- '--sport 8443 --dport 51000\n--family 6 --sport 8443 --dport 51000\n' | send_from_r "$BATS_TEST_TMPDIR/sent"
  sleep 0.2
  listen_stop "$OUT_PID"
  fw_drops=$(nsx h nft list counter inet fw invalid | awk '$1 == "packets" { print $2 }')
  measured "2 PTBs for unknown flows: firewall dropped $fw_drops as invalid; logged $(listened_count "$OUT")"
  [ "$fw_drops" -eq 2 ]
  [ "$(counter h logged4)" -eq 1 ]
  [ "$(counter h logged6)" -eq 1 ]
  diff <(listened_hex "$OUT") "$BATS_TEST_TMPDIR/sent"
}

@test "router mode logs PTBs being forwarded and ignores those addressed to this host" {
  pmtud_install --mode router
  listen h 33 OUT
  send_from_r "$BATS_TEST_TMPDIR/sent" <<'EOF'
--dst 192.0.2.99
--family 6 --dst 2001:db8:1::99
EOF
  send_from_r /dev/null <<'EOF'
--src 198.51.100.5
--family 6 --src 2001:db8:e::5
EOF
  sleep 0.2
  listen_stop "$OUT_PID"
  [ "$(counter h rx4)" -eq 1 ]
  [ "$(counter h rx6)" -eq 1 ]
  [ "$(listened_count "$OUT")" -eq 2 ]
  diff <(listened_hex "$OUT") "$BATS_TEST_TMPDIR/sent"
}
