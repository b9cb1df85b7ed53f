# Shared pieces of the unicast relay tests (sourced after netns.bash and relay.bash).
# shellcheck disable=SC2034  # variables used by the files that source this
#
#   unicast_topology   routed links only, no shared L2 segment:
#                        rtr r0 ─ a0 a     the router: sends PTBs to a, routes between a, b, c
#                        rtr r1 ─ b0 b     a peer (IPv4 and IPv6)
#                        rtr r2 ─ c0 c     a peer (IPv4 only)
#                      a runs pmtud's rules and pmtud-helper and owns the VIP on lo. a has routes
#                      to b's, c's and an empty /28 (NOBODY4 answers there) through rtr, and none
#                      to 203.0.113.0/24 (NOROUTE4).
#   unicast_rules CONF   pmtud-setup install on a0 with wide kernel limits, config in CONF
#   helper_conf CONF OUT LINES...   OUT = CONF plus LINES (the keys pmtud-setup does not know)
#   send_ptb_a ARGS...   ptb.py send from rtr to a's MAC
#   icmp_at FILE SRC     "type code hex-of-ICMP-message" of each ICMP/ICMPv6 packet from SRC in
#                        the capture FILE, one per line (outer IPv4 options / IPv6 extension
#                        headers skipped); with the ICMPv6 checksum checked for its own header:
#                        "csum-ok" or "csum-BAD" last

A4=192.0.2.1 RTR4=192.0.2.2 B4=192.0.2.18 C4=192.0.2.34 NOBODY4=192.0.2.50 NOROUTE4=203.0.113.77
A6=2001:db8:1::1 RTR6=2001:db8:1::2 B6=2001:db8:2::2 NOBODY6=2001:db8:4::9
RTR_MAC=02:00:00:00:01:01 A_MAC=02:00:00:00:01:02
VIP4=203.0.113.10 VIP6=2001:db8:ff::10
ICMP_PY="$PMTUD_ROOT/tests/lib/icmp_copies.py"

unicast_topology() {
  local n
  for n in rtr a b c; do ns_add "$n"; done
  veth rtr r0 a a0
  veth rtr r1 b b0
  veth rtr r2 c c0
  nsx rtr ip link set r0 address "$RTR_MAC"
  nsx a ip link set a0 address "$A_MAC"
  nsx rtr sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
  nsx rtr ip addr add 192.0.2.2/28 dev r0
  nsx rtr ip addr add 192.0.2.17/28 dev r1
  nsx rtr ip addr add 192.0.2.33/28 dev r2
  nsx rtr ip addr add 2001:db8:1::2/64 dev r0 nodad
  nsx rtr ip addr add 2001:db8:2::1/64 dev r1 nodad
  nsx rtr ip addr add 2001:db8:3::1/64 dev r2 nodad
  nsx a ip addr add "$A4/28" dev a0
  nsx a ip addr add "$A6/64" dev a0 nodad
  nsx a ip addr add "$VIP4/32" dev lo
  nsx a ip addr add "$VIP6/128" dev lo nodad
  nsx a ip route add 192.0.2.16/28 via "$RTR4"
  nsx a ip route add 192.0.2.32/28 via "$RTR4"
  nsx a ip route add 192.0.2.48/28 via "$RTR4"
  nsx a ip -6 route add 2001:db8::/32 via "$RTR6"
  nsx b ip addr add "$B4/28" dev b0
  nsx b ip addr add "$B6/64" dev b0 nodad
  nsx b ip route add default via 192.0.2.17
  nsx b ip -6 route add default via 2001:db8:2::1
  nsx c ip addr add "$C4/28" dev c0
  nsx c ip route add default via 192.0.2.33
}

unicast_rules() {
  nsx a "$SETUP" install --iface a0 --config "$1" --src-rate 100000/second --src-burst 100000 \
    --ceiling 100000/second --ceiling-burst 100000 >/dev/null
}

helper_conf() {
  local conf=$1 out=$2 line
  shift 2
  cp "$conf" "$out"
  for line in "$@"; do echo "$line" >>"$out"; done
}

send_ptb_a() { nsx rtr "$PY" "$PTB_PY" send --iface r0 --dst-mac "$A_MAC" "$@" 2>/dev/null; }

icmp_at() { "$PY" "$ICMP_PY" "$1" --src "$2"; }

# The line icmp_at prints for the ICMP part of the PTB ptb.py builds with ARGS.
icmp_of_ptb() { "$PY" "$ICMP_PY" --l3 "$(ptb_hex "$@")"; }

# Waits until FILE's capture holds N ICMP messages from SRC (the capture is still running).
_icmp_count_at_least() { (($(icmp_at "$1" "$2" | wc -l) >= $3)); }
wait_icmp() { wait_for 5 _icmp_count_at_least "$@"; }

# The value of one metric series in FILE (the exact series text, labels included).
metric_in() { awk -v s="$2" '$1 == s { print $2 }' "$1"; }
