# A small anycast colo in network namespaces, where a router's ICMP "packet too big" toward the VIP
# lands on the wrong server: the PMTU black hole pmtud exists for. Sourced after netns.bash by
# tests/e2e/colo.bats and tests/e2e/demo (and usable by benchmarks).
#
#   client ──(MTU 1280)── upstream ──── edge ──── switch (Linux bridge br0) ──┬── A
#                                                                             ├── B   all three own
#                                                                             └── C   the VIP on lo
#   client     eth0 198.51.100.20/24  2001:db8:c::20/64
#   upstream   eth0 198.51.100.1/24   2001:db8:c::1/64    eth1 192.0.2.1/30  2001:db8:1::1/64
#   edge       eth0 192.0.2.2/30      2001:db8:1::2/64    eth1 192.0.2.65/26 2001:db8:2::1/64
#   A, B, C    eth0 192.0.2.66/67/68  2001:db8:2::a/b/c   lo 203.0.113.10/32 2001:db8:ff::10/128
#   tcp-bulk on each server serves COLO_BYTES on the VIP, port COLO_PORT.
#   The edge router policy-routes by IP protocol, a deterministic stand-in for an ECMP hash: TCP to the
#   VIP goes to B, ICMP/ICMPv6 to the VIP goes to A. The client's routes advertise a 1500-byte MSS
#   (advmss, as if its own LAN were Ethernet), so B sends full-size segments; the upstream router
#   cannot forward them onto the 1280 link and sends a PTB (source 192.0.2.1 / 2001:db8:1::1) to the
#   VIP, which the edge hands to A. Servers have tcp_mtu_probing=0: nothing rescues the flow but a PTB.
#
#   colo_create                 build it all (calls ns_init if needed) and start the TCP servers
#   colo_capture_start, colo_capture_stop, colo_ptb_report: what crossed the wire (colo_wire.bash)
#   and the functions of colo_common.bash: colo_destroy, colo_fetch, colo_route_mtu, colo_pmtud_start,
#   colo_pmtud_stop, colo_counter, colo_nstat, ...
#
# Every namespace, process and file is recorded in the netns.bash registry ($NS_REG) and removed by
# colo_destroy; run it from teardown or an EXIT trap (colo_trap installs one for scripts).

# shellcheck disable=SC1091 # next to this file
source "$(dirname "${BASH_SOURCE[0]}")/colo_common.bash"

MAC_EDGE=02:00:00:00:02:01

colo_mac() { # SRV|edge|up -> MAC
  case $1 in
    a) echo "$MAC_A" ;; b) echo "$MAC_B" ;; c) echo "$MAC_C" ;; edge) echo "$MAC_EDGE" ;; up) echo "$MAC_UP" ;;
  esac
}

_colo_lan_gw4() { echo 192.0.2.65; }
_colo_lan_gw6() { echo 2001:db8:2::1; }

colo_create() {
  _colo_front edge 192.0.2.64/26 2001:db8:2::/64
  ns_add switch && _colo_sysctls switch host

  # The server segment: a bridge in its own namespace, one port per station.
  nsx switch ip link add br0 type bridge mcast_snooping 0
  nsx switch ip link set br0 up
  veth edge eth1 switch p-edge
  nsx edge ip link set eth1 address "$MAC_EDGE"
  _colo_addr edge eth1 192.0.2.65/26 2001:db8:2::1/64
  nsx switch ip link set p-edge master br0
  local i=6 n mac
  for n in "${COLO_SERVERS[@]}"; do
    veth "$n" eth0 switch "p-$n"
    nsx switch ip link set "p-$n" master br0
    mac=$(colo_mac "$n")
    nsx "$n" ip link set eth0 address "$mac"
    _colo_addr "$n" eth0 "192.0.2.6$i/26" "2001:db8:2::$n/64"
    _colo_addr "$n" lo "$COLO_VIP4/32" "$COLO_VIP6/128"
    nsx "$n" ip route add default via 192.0.2.65
    nsx "$n" ip -6 route add default via 2001:db8:2::1
    i=$((i + 1))
  done

  # TCP to the VIP -> B, ICMP to the VIP -> A.
  _colo_ecmp edge 192.0.2.67 192.0.2.66 2001:db8:2::b 2001:db8:2::a
  _colo_finish edge _colo_lan_gw4 _colo_lan_gw6
}

# shellcheck disable=SC1091 # next to this file
source "$(dirname "${BASH_SOURCE[0]}")/colo_wire.bash"
