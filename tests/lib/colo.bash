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
#   colo_destroy                stop everything started here, delete every namespace (ns_cleanup)
#   colo_fetch 4|6 TIMEOUT_MS   download from the VIP on the client; prints tcp-bulk's result line;
#                               exit status 0 complete, 1 stalled, 2 short, 3 cannot connect
#   colo_field LINE KEY         the value of KEY=... in a key=value line
#   colo_route_mtu SRV 4|6      the PMTU SRV has cached toward the client from the VIP ("" if none)
#   colo_tcp_to_client SRV 4|6  SRV's TCP sockets toward the client (ss -Htn), one per line
#   colo_flush_pmtu             forget every cached PMTU on the servers
#   colo_pmtud_start [ARGS...]  on A, B and C: pmtud-setup install --iface eth0 ARGS (config file in
#                               the registry dir), then pmtud-helper -v; waits until each is bound
#   colo_pmtud_stop             SIGTERM the helpers (their summary lines end their logs), uninstall
#   colo_capture_start, colo_capture_stop, colo_ptb_report: what crossed the wire (colo_wire.bash)
#   colo_nstat SRV COUNTER...   SNMP counters of SRV, "NAME VALUE" per line (absolute values)
#   colo_counter SRV NAME       packets of SRV's named nft counter NAME (table inet pmtud)
#   colo_helper_log SRV         SRV's helper log; colo_helper_summary SRV: its last summary line
#
# Every namespace, process and file is recorded in the netns.bash registry ($NS_REG) and removed by
# colo_destroy; run it from teardown or an EXIT trap (colo_trap installs one for scripts).

COLO_ROOT=${PMTUD_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
COLO_BUILD=${BUILD:-build}
COLO_SETUP=$COLO_ROOT/scripts/pmtud-setup
COLO_HELPER=$COLO_ROOT/$COLO_BUILD/pmtud-helper
COLO_BULK=$COLO_ROOT/$COLO_BUILD/tools/tcp-bulk

COLO_VIP4=203.0.113.10 COLO_VIP6=2001:db8:ff::10
COLO_CLIENT4=198.51.100.20 COLO_CLIENT6=2001:db8:c::20
COLO_PTB_SRC4=192.0.2.1 COLO_PTB_SRC6=2001:db8:1::1
COLO_PORT=8080
COLO_BYTES=$((4 * 1024 * 1024))
COLO_LINK_MTU=1280
COLO_SERVERS=(a b c)
MAC_UP=02:00:00:00:01:01 MAC_EDGE=02:00:00:00:02:01
MAC_A=02:00:00:00:00:0a MAC_B=02:00:00:00:00:0b MAC_C=02:00:00:00:00:0c

colo_mac() { # SRV|edge|up -> MAC
  case $1 in
    a) echo "$MAC_A" ;; b) echo "$MAC_B" ;; c) echo "$MAC_C" ;; edge) echo "$MAC_EDGE" ;; up) echo "$MAC_UP" ;;
  esac
}

# Per-namespace sysctls, set before the interfaces exist so they inherit the defaults.
_colo_sysctls() { # NS router|server|host
  local ns=$1 role=$2
  nsx "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
    net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
    net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0
  case $role in
    router) nsx "$ns" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 ;;
    server)
      # No probing: only a PTB can lower the PMTU. No metrics cache: each download starts afresh.
      # Answer ARP only for the LAN address, never with the VIP (it lives on every server).
      nsx "$ns" sysctl -qw net.ipv4.tcp_mtu_probing=0 net.ipv4.tcp_no_metrics_save=1 \
        net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2
      ;;
  esac
}

_colo_addr() { # NS IF ADDR/LEN...
  local ns=$1 ifname=$2 a
  shift 2
  for a in "$@"; do
    if [[ $a == *:* ]]; then
      nsx "$ns" ip -6 addr add "$a" dev "$ifname" nodad
    else
      nsx "$ns" ip addr add "$a" dev "$ifname"
    fi
  done
}

colo_create() {
  [[ -n ${NS_REG-} && -d ${NS_REG-} ]] || ns_init
  local n
  [[ -x $COLO_BULK ]] || {
    echo "colo: missing $COLO_BULK: run 'make all' first" >&2
    return 1
  }
  ns_add client && _colo_sysctls client host
  ns_add upstream && _colo_sysctls upstream router
  ns_add edge && _colo_sysctls edge router
  ns_add switch && _colo_sysctls switch host
  for n in "${COLO_SERVERS[@]}"; do ns_add "$n" && _colo_sysctls "$n" server; done

  # client ── upstream: the 1280-byte link.
  veth client eth0 upstream eth0
  nsx client ip link set eth0 mtu "$COLO_LINK_MTU"
  nsx upstream ip link set eth0 mtu "$COLO_LINK_MTU"
  _colo_addr client eth0 "$COLO_CLIENT4/24" "$COLO_CLIENT6/64"
  _colo_addr upstream eth0 198.51.100.1/24 2001:db8:c::1/64
  # The client's own LAN would be 1500: it advertises MSS 1460 (v4) / 1440 (v6).
  nsx client ip route add default via 198.51.100.1 advmss 1460
  nsx client ip -6 route add default via 2001:db8:c::1 advmss 1440

  # upstream ── edge.
  veth upstream eth1 edge eth0
  nsx upstream ip link set eth1 address "$MAC_UP"
  _colo_addr upstream eth1 "$COLO_PTB_SRC4/30" "$COLO_PTB_SRC6/64"
  _colo_addr edge eth0 192.0.2.2/30 2001:db8:1::2/64
  nsx upstream ip route add "$COLO_VIP4/32" via 192.0.2.2
  nsx upstream ip route add 192.0.2.64/26 via 192.0.2.2
  nsx upstream ip -6 route add "$COLO_VIP6/128" via 2001:db8:1::2
  nsx upstream ip -6 route add 2001:db8:2::/64 via 2001:db8:1::2
  nsx edge ip route add default via "$COLO_PTB_SRC4"
  nsx edge ip -6 route add default via "$COLO_PTB_SRC6"

  # The server segment: a bridge in its own namespace, one port per station.
  nsx switch ip link add br0 type bridge mcast_snooping 0
  nsx switch ip link set br0 up
  veth edge eth1 switch p-edge
  nsx edge ip link set eth1 address "$MAC_EDGE"
  _colo_addr edge eth1 192.0.2.65/26 2001:db8:2::1/64
  nsx switch ip link set p-edge master br0
  local i=6 mac
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

  # The "ECMP hash": TCP to the VIP -> B (table 100), ICMP to the VIP -> A (table 101).
  # Protocol numbers, not names: /etc/protocols may be missing on a minimal system.
  nsx edge ip route add "$COLO_VIP4/32" via 192.0.2.67 table 100
  nsx edge ip route add "$COLO_VIP4/32" via 192.0.2.66 table 101
  nsx edge ip rule add pref 100 to "$COLO_VIP4/32" ipproto 6 lookup 100
  nsx edge ip rule add pref 101 to "$COLO_VIP4/32" ipproto 1 lookup 101
  nsx edge ip -6 route add "$COLO_VIP6/128" via 2001:db8:2::b table 100
  nsx edge ip -6 route add "$COLO_VIP6/128" via 2001:db8:2::a table 101
  nsx edge ip -6 rule add pref 100 to "$COLO_VIP6/128" ipproto 6 lookup 100
  nsx edge ip -6 rule add pref 101 to "$COLO_VIP6/128" ipproto 58 lookup 101

  # Late per-interface rp_filter (some interfaces may predate the defaults above).
  for n in client upstream edge switch "${COLO_SERVERS[@]}"; do
    # shellcheck disable=SC2016 # $f is for the inner shell
    nsx "$n" sh -c 'for f in /proc/sys/net/ipv4/conf/*/rp_filter; do echo 0 >"$f"; done'
  done

  for n in "${COLO_SERVERS[@]}"; do
    local log="$NS_REG/bulk-$n.log"
    bg "$n" COLO_BG_PID "$COLO_BULK" serve --port "$COLO_PORT" --bytes "$COLO_BYTES" "$COLO_VIP4" "$COLO_VIP6" \
      >"$log" 2>&1 3>&-
    wait_for 5 grep -q '^listening' "$log" || {
      echo "colo: tcp-bulk did not start on $n:" >&2
      cat "$log" >&2
      return 1
    }
  done
  # Resolve the neighbours once, so the first download does not race ARP/ND.
  nsx client ping -c1 -W2 -q 198.51.100.1 >/dev/null
  nsx client ping -6 -c1 -W2 -q 2001:db8:c::1 >/dev/null
  nsx upstream ping -c1 -W2 -q 192.0.2.2 >/dev/null
  nsx upstream ping -6 -c1 -W2 -q 2001:db8:1::2 >/dev/null
  for n in "${COLO_SERVERS[@]}"; do
    nsx "$n" ping -c1 -W2 -q 192.0.2.65 >/dev/null
    nsx "$n" ping -6 -c1 -W2 -q 2001:db8:2::1 >/dev/null
  done
}

colo_destroy() { ns_cleanup; }

# For scripts: clean up on exit, Ctrl-C and termination.
colo_trap() {
  trap 'colo_destroy' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

colo_vip() { if [[ $1 == 6 ]]; then echo "$COLO_VIP6"; else echo "$COLO_VIP4"; fi; }
colo_client() { if [[ $1 == 6 ]]; then echo "$COLO_CLIENT6"; else echo "$COLO_CLIENT4"; fi; }

colo_fetch() { # 4|6 TIMEOUT_MS
  nsx client "$COLO_BULK" fetch --bytes "$COLO_BYTES" --timeout-ms "$2" "$(colo_vip "$1")" "$COLO_PORT"
}

colo_field() { # LINE KEY
  local kv
  for kv in $1; do
    [[ $kv == "$2="* ]] && echo "${kv#*=}" && return 0
  done
  return 1
}

colo_route_mtu() { # SRV 4|6
  local fam=-4
  [[ $2 == 6 ]] && fam=-6
  nsx "$1" ip "$fam" route get "$(colo_client "$2")" from "$(colo_vip "$2")" |
    sed -nE 's/.* mtu ([0-9]+).*/\1/p' | head -n 1
}

colo_tcp_to_client() { # SRV 4|6 -> SRV's TCP sockets (any state) toward the client, one per line
  local dst
  dst=$(colo_client "$2")
  [[ $2 == 6 ]] && dst="[$dst]"
  nsx "$1" ss -Htn state all dst "$dst"
}

colo_flush_pmtu() {
  local n
  for n in "${COLO_SERVERS[@]}"; do
    nsx "$n" ip -4 route flush cache
    nsx "$n" ip -6 route flush cache
  done
}

# bg stores a PID in the variable it is given; its own `local pid` would shadow one named pid.
COLO_BG_PID=""

# ---------------------------------------------------------------------------------------------------
# pmtud on every server.

COLO_HELPER_PIDS=()

_colo_helper_up() { # LOG PID
  grep -q 'pmtud-helper: started:' "$1" && return 0
  kill -0 "$2" 2>/dev/null || return 2
  return 1
}

colo_pmtud_start() {
  local n conf log
  COLO_HELPER_PIDS=()
  for n in "${COLO_SERVERS[@]}"; do
    conf="$NS_REG/pmtud-$n.conf" log="$NS_REG/helper-$n.log"
    nsx "$n" "$COLO_SETUP" install --iface eth0 --config "$conf" "$@" >/dev/null
    : >"$log"
    bg "$n" COLO_BG_PID "$COLO_HELPER" --config "$conf" -v 2>"$log" 3>&-
    COLO_HELPER_PIDS+=("$COLO_BG_PID")
    wait_for 5 _colo_helper_up "$log" "$COLO_BG_PID" || {
      echo "colo: pmtud-helper did not start on $n:" >&2
      cat "$log" >&2
      return 1
    }
  done
}

colo_pmtud_stop() {
  local n pid i=0 rc=0
  for n in "${COLO_SERVERS[@]}"; do
    pid=${COLO_HELPER_PIDS[i]-}
    i=$((i + 1))
    [[ -n $pid ]] || continue
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || rc=$?
    nsx "$n" "$COLO_SETUP" uninstall --config "$NS_REG/pmtud-$n.conf" >/dev/null || rc=1
  done
  COLO_HELPER_PIDS=()
  return "$rc"
}

# ---------------------------------------------------------------------------------------------------
# Counters and logs.

colo_nstat() { # SRV COUNTER...
  local n=$1
  shift
  nsx "$n" nstat -asz "$@" | awk 'NR > 1 && $1 !~ /^#/ { print $1, $2 }'
}

colo_counter() { # SRV NAME -> packets of named counter NAME in SRV's table inet pmtud
  nsx "$1" nft list counter inet pmtud "$2" | awk '$1 == "packets" { print $2 }'
}

colo_helper_log() { echo "$NS_REG/helper-$1.log"; }

# The last summary line of SRV's helper (written when it stops).
colo_helper_summary() { grep 'pmtud-helper: summary' "$(colo_helper_log "$1")" | tail -n 1; }

# shellcheck disable=SC1091 # next to this file
source "$(dirname "${BASH_SOURCE[0]}")/colo_wire.bash"
