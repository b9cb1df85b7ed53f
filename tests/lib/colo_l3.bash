# The anycast colo of an L3 leaf-spine fabric, in network namespaces: no shared segment, every server
# on its own routed point-to-point link to the leaf. A router's PTB toward the VIP lands on the wrong
# server, and no broadcast can reach the owner: pmtud relays it by unicast copies to the peer servers.
# Sourced after netns.bash by tests/e2e/colo_l3.bats and tests/e2e/demo-l3.
#
#   client ──(MTU 1280)── upstream ──── leaf ──┬── p-a ─── A    (a /30 and a /64 per link,
#                                              ├── p-b ─── B     no bridge, no shared L2)
#                                              └── p-c ─── C    all three own the VIP on lo
#   client     eth0 198.51.100.20/24  2001:db8:c::20/64
#   upstream   eth0 198.51.100.1/24   2001:db8:c::1/64    eth1 192.0.2.1/30  2001:db8:1::1/64
#   leaf       eth0 192.0.2.2/30      2001:db8:1::2/64
#              p-a  192.0.2.65/30     2001:db8:2:a::1/64  (and p-b .69 2001:db8:2:b::1, p-c .73 2001:db8:2:c::1)
#   A          eth0 192.0.2.66/30     2001:db8:2:a::a/64
#   B          eth0 192.0.2.70/30     2001:db8:2:b::b/64
#   C          eth0 192.0.2.74/30     2001:db8:2:c::c/64  each: lo 203.0.113.10/32 2001:db8:ff::10/128
#   The leaf policy-routes by IP protocol, as colo.bash's edge router does (a deterministic stand-in for
#   an ECMP hash): TCP to the VIP goes to B, ICMP/ICMPv6 to the VIP goes to A. The servers reach each
#   other's unicast addresses through the leaf (default routes). Each server has a firewall, table
#   inet fw, that drops `ct state invalid` in input (conntrack on), counted in its counter invalid_drop.
#
#   colo_create                 build it all (calls ns_init if needed) and start the TCP servers
#   colo_addr SRV 4|6           SRV's own unicast address
#   colo_peers_list [SRV...]    the comma-separated v4 and v6 addresses of SRVs (default: all three)
#   COLO_PEERS                  the fleet-wide list (A, B and C); colo_pmtud_start installs pmtud on
#                               every server with --peers COLO_PEERS --no-broadcast, then its ARGS
#   colo_fw_drops SRV           packets SRV's firewall dropped as ct state invalid
#   colo_capture_start, colo_capture_stop, colo_copy_report: what crossed the wire (colo_l3_wire.bash)
#   and the functions of colo_common.bash: colo_destroy, colo_fetch, colo_route_mtu,
#   colo_pmtud_start_on, colo_pmtud_stop, colo_counter, colo_nstat, colo_metric, ...
#
# Every namespace, process and file is recorded in the netns.bash registry ($NS_REG) and removed by
# colo_destroy; run it from teardown or an EXIT trap (colo_trap installs one for scripts).

# shellcheck disable=SC1091 # next to this file
source "$(dirname "${BASH_SOURCE[0]}")/colo_common.bash"

MAC_LEAF=02:00:00:00:02:01
MAC_LEAF_A=02:00:00:00:03:0a MAC_LEAF_B=02:00:00:00:03:0b MAC_LEAF_C=02:00:00:00:03:0c

colo_mac() { # SRV|leaf-SRV|leaf|up -> MAC
  case $1 in
    a) echo "$MAC_A" ;; b) echo "$MAC_B" ;; c) echo "$MAC_C" ;; up) echo "$MAC_UP" ;; leaf) echo "$MAC_LEAF" ;;
    leaf-a) echo "$MAC_LEAF_A" ;; leaf-b) echo "$MAC_LEAF_B" ;; leaf-c) echo "$MAC_LEAF_C" ;;
  esac
}

# Link N (a=0, b=1, c=2) is 192.0.2.(64 + 4N)/30: the leaf .65 + 4N, the server .66 + 4N;
# 2001:db8:2:SRV::/64: the leaf ::1, the server ::SRV.
colo_addr() { # SRV 4|6
  local i
  i=$(_colo_index "$1")
  if [[ $2 == 6 ]]; then echo "2001:db8:2:$1::$1"; else echo "192.0.2.$((66 + 4 * i))"; fi
}
_colo_leaf_addr4() { echo "192.0.2.$((65 + 4 * $(_colo_index "$1")))"; }
_colo_leaf_addr6() { echo "2001:db8:2:$1::1"; }

colo_peers_list() { # [SRV...] -> "v4,v4,...,v6,v6,..."
  local s list=()
  (($#)) || set -- "${COLO_SERVERS[@]}"
  for s in "$@"; do list+=("$(colo_addr "$s" 4)"); done
  for s in "$@"; do list+=("$(colo_addr "$s" 6)"); done
  local IFS=,
  echo "${list[*]}"
}

COLO_PEERS=$(colo_peers_list)
# shellcheck disable=SC2034 # read by colo_pmtud_start (colo_common.bash)
COLO_PMTUD_ARGS=(--peers "$COLO_PEERS" --no-broadcast)

# The firewall every server runs: conntrack on, invalid dropped and counted.
_colo_firewall() { # SRV
  nsx "$1" nft -f - <<'NFT'
table inet fw {
  counter invalid_drop { }
  chain input {
    type filter hook input priority filter; policy accept;
    ct state invalid counter name invalid_drop drop
  }
}
NFT
}

colo_fw_drops() { # SRV
  nsx "$1" nft list counter inet fw invalid_drop | awk '$1 == "packets" { print $2 }'
}

colo_create() {
  _colo_front leaf 192.0.2.64/26 2001:db8:2::/48
  nsx leaf ip link set eth0 address "$MAC_LEAF"
  local n
  for n in "${COLO_SERVERS[@]}"; do
    veth leaf "p-$n" "$n" eth0
    nsx leaf ip link set "p-$n" address "$(colo_mac "leaf-$n")"
    nsx "$n" ip link set eth0 address "$(colo_mac "$n")"
    _colo_addr leaf "p-$n" "$(_colo_leaf_addr4 "$n")/30" "$(_colo_leaf_addr6 "$n")/64"
    _colo_addr "$n" eth0 "$(colo_addr "$n" 4)/30" "$(colo_addr "$n" 6)/64"
    _colo_addr "$n" lo "$COLO_VIP4/32" "$COLO_VIP6/128"
    nsx "$n" ip route add default via "$(_colo_leaf_addr4 "$n")"
    nsx "$n" ip -6 route add default via "$(_colo_leaf_addr6 "$n")"
    _colo_firewall "$n"
  done
  # TCP to the VIP -> B, ICMP to the VIP -> A.
  _colo_ecmp leaf "$(colo_addr b 4)" "$(colo_addr a 4)" "$(colo_addr b 6)" "$(colo_addr a 6)"
  _colo_finish leaf _colo_leaf_addr4 _colo_leaf_addr6
  # Each server reaches the others through the leaf (their neighbour entries resolved once too).
  for n in "${COLO_SERVERS[@]}"; do
    local m
    for m in "${COLO_SERVERS[@]}"; do
      [[ $m == "$n" ]] && continue
      nsx "$n" ping -c1 -W2 -q "$(colo_addr "$m" 4)" >/dev/null
      nsx "$n" ping -6 -c1 -W2 -q "$(colo_addr "$m" 6)" >/dev/null
    done
  done
}

# shellcheck disable=SC1091 # next to this file
source "$(dirname "${BASH_SOURCE[0]}")/colo_l3_wire.bash"
