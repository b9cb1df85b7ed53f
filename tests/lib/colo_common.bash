# What the two namespace colos share (tests/lib/colo.bash: servers on one bridge; tests/lib/colo_l3.bash:
# servers on routed point-to-point links): the client behind the 1280-byte link, the upstream router,
# the protocol-based stand-in for an ECMP hash, the TCP servers, and the functions the tests and demos
# call. Sourced by those two files, after netns.bash.
#
#   client ──(MTU 1280)── upstream ──── ROUTER (edge or leaf) ──── servers A, B, C (VIP on lo)
#   client     eth0 198.51.100.20/24  2001:db8:c::20/64
#   upstream   eth0 198.51.100.1/24   2001:db8:c::1/64    eth1 192.0.2.1/30  2001:db8:1::1/64
#   ROUTER     eth0 192.0.2.2/30      2001:db8:1::2/64
#   tcp-bulk on each server serves COLO_BYTES on the VIP, port COLO_PORT. The client's routes advertise
#   a 1500-byte MSS (advmss, as if its own LAN were Ethernet), so servers send full-size segments; the
#   upstream router cannot forward them onto the 1280 link and sends a PTB (source 192.0.2.1 /
#   2001:db8:1::1) to the VIP. Servers have tcp_mtu_probing=0: nothing rescues a flow but a PTB.
#
#   colo_destroy                stop everything started here, delete every namespace (ns_cleanup)
#   colo_trap                   for scripts: colo_destroy on exit, Ctrl-C and termination
#   colo_fetch 4|6 TIMEOUT_MS   download from the VIP on the client; prints tcp-bulk's result line;
#                               exit status 0 complete, 1 stalled, 2 short, 3 cannot connect
#   colo_field LINE KEY         the value of KEY=... in a key=value line
#   colo_route_mtu SRV 4|6      the PMTU SRV has cached toward the client from the VIP ("" if none)
#   colo_tcp_to_client SRV 4|6  SRV's TCP sockets toward the client (ss -Htn), one per line
#   colo_flush_pmtu             forget every cached PMTU on the servers
#   colo_pmtud_start [ARGS...]  on every server: colo_pmtud_start_on SRV COLO_PMTUD_ARGS... ARGS...
#   colo_pmtud_start_on SRV [ARGS...]  on SRV: pmtud-setup install --iface eth0 ARGS (config file in
#                               the registry dir), then pmtud-helper -v (metrics file in the registry
#                               dir, rewritten every second); waits until it is bound
#   colo_pmtud_stop             SIGTERM the helpers (their summary lines end their logs), uninstall
#   colo_nstat SRV COUNTER...   SNMP counters of SRV, "NAME VALUE" per line (absolute values)
#   colo_counter SRV NAME       packets of SRV's named nft counter NAME (table inet pmtud)
#   colo_helper_log SRV         SRV's helper log; colo_helper_summary SRV: its last summary line
#   colo_metrics SRV            SRV's helper metrics file
#   colo_metric SRV SERIES      the value of one series of SRV's metrics file, e.g.
#                               'pmtud_peers{family="ipv4"}' ("" if absent)

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
# shellcheck disable=SC2034 # used by the files that source this one
MAC_UP=02:00:00:00:01:01
# shellcheck disable=SC2034
MAC_A=02:00:00:00:00:0a MAC_B=02:00:00:00:00:0b MAC_C=02:00:00:00:00:0c
# Install options every colo_pmtud_start passes before its own (the L3 colo's peers list).
COLO_PMTUD_ARGS=()

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

# The namespaces, and the front of the colo: client ──(1280)── upstream ── ROUTER eth0. The upstream
# router reaches the VIP and the servers' networks through ROUTER, which defaults back to it.
_colo_front() { # ROUTER SERVERS_NET4 SERVERS_NET6
  local router=$1 net4=$2 net6=$3 n
  [[ -n ${NS_REG-} && -d ${NS_REG-} ]] || ns_init
  [[ -x $COLO_BULK ]] || {
    echo "colo: missing $COLO_BULK: run 'make all' first" >&2
    return 1
  }
  ns_add client && _colo_sysctls client host
  ns_add upstream && _colo_sysctls upstream router
  ns_add "$router" && _colo_sysctls "$router" router
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

  # upstream ── ROUTER.
  veth upstream eth1 "$router" eth0
  nsx upstream ip link set eth1 address "$MAC_UP"
  _colo_addr upstream eth1 "$COLO_PTB_SRC4/30" "$COLO_PTB_SRC6/64"
  _colo_addr "$router" eth0 192.0.2.2/30 2001:db8:1::2/64
  nsx upstream ip route add "$COLO_VIP4/32" via 192.0.2.2
  nsx upstream ip route add "$net4" via 192.0.2.2
  nsx upstream ip -6 route add "$COLO_VIP6/128" via 2001:db8:1::2
  nsx upstream ip -6 route add "$net6" via 2001:db8:1::2
  nsx "$router" ip route add default via "$COLO_PTB_SRC4"
  nsx "$router" ip -6 route add default via "$COLO_PTB_SRC6"
}

# The "ECMP hash" on ROUTER: TCP to the VIP -> one next hop (table 100), ICMP to the VIP -> another
# (table 101). Protocol numbers, not names: /etc/protocols may be missing on a minimal system.
_colo_ecmp() { # ROUTER TCP_HOP4 ICMP_HOP4 TCP_HOP6 ICMP_HOP6
  local r=$1
  nsx "$r" ip route add "$COLO_VIP4/32" via "$2" table 100
  nsx "$r" ip route add "$COLO_VIP4/32" via "$3" table 101
  nsx "$r" ip rule add pref 100 to "$COLO_VIP4/32" ipproto 6 lookup 100
  nsx "$r" ip rule add pref 101 to "$COLO_VIP4/32" ipproto 1 lookup 101
  nsx "$r" ip -6 route add "$COLO_VIP6/128" via "$4" table 100
  nsx "$r" ip -6 route add "$COLO_VIP6/128" via "$5" table 101
  nsx "$r" ip -6 rule add pref 100 to "$COLO_VIP6/128" ipproto 6 lookup 100
  nsx "$r" ip -6 rule add pref 101 to "$COLO_VIP6/128" ipproto 58 lookup 101
}

# The last steps of colo_create: rp_filter off on every interface of every namespace (some may predate
# the defaults),
# the TCP servers, and the neighbours resolved once so the first download does not race ARP/ND.
_colo_finish() { # ROUTER ROUTER_ADDR4_OF_SRV ROUTER_ADDR6_OF_SRV (functions: SRV -> address)
  local router=$1 gw4=$2 gw6=$3 n full
  while read -r full; do
    # shellcheck disable=SC2016 # $f is for the inner shell
    ip netns exec "$full" sh -c 'for f in /proc/sys/net/ipv4/conf/*/rp_filter; do echo 0 >"$f"; done'
  done <"$NS_REG/ns"
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
  nsx client ping -c1 -W2 -q 198.51.100.1 >/dev/null
  nsx client ping -6 -c1 -W2 -q 2001:db8:c::1 >/dev/null
  nsx upstream ping -c1 -W2 -q 192.0.2.2 >/dev/null
  nsx upstream ping -6 -c1 -W2 -q 2001:db8:1::2 >/dev/null
  for n in "${COLO_SERVERS[@]}"; do
    nsx "$n" ping -c1 -W2 -q "$("$gw4" "$n")" >/dev/null
    nsx "$n" ping -6 -c1 -W2 -q "$("$gw6" "$n")" >/dev/null
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
# pmtud on the servers.

# Helper PIDs by position in COLO_SERVERS ("" where none runs).
COLO_HELPER_PIDS=()

_colo_helper_up() { # LOG PID
  grep -q 'pmtud-helper: started:' "$1" && return 0
  kill -0 "$2" 2>/dev/null || return 2
  return 1
}

_colo_index() { # SRV -> its position in COLO_SERVERS
  local i
  for i in "${!COLO_SERVERS[@]}"; do
    [[ ${COLO_SERVERS[i]} == "$1" ]] && echo "$i" && return 0
  done
  return 1
}

colo_pmtud_start() { # [ARGS...]
  local n
  for n in "${COLO_SERVERS[@]}"; do colo_pmtud_start_on "$n" "${COLO_PMTUD_ARGS[@]}" "$@" || return 1; done
}

colo_pmtud_start_on() { # SRV [ARGS...]
  local n=$1 i conf log
  shift
  i=$(_colo_index "$n")
  conf="$NS_REG/pmtud-$n.conf" log="$NS_REG/helper-$n.log"
  # Explicit returns: callers run this in `||` lists, where set -e does not stop a function.
  nsx "$n" "$COLO_SETUP" install --iface eth0 --config "$conf" "$@" >/dev/null || {
    echo "colo: pmtud-setup install failed on $n" >&2
    return 1
  }
  : >"$log"
  rm -f "$(colo_metrics "$n")"
  bg "$n" COLO_BG_PID "$COLO_HELPER" --config "$conf" -v --metrics-file "$(colo_metrics "$n")" \
    --metrics-interval 1 2>"$log" 3>&-
  COLO_HELPER_PIDS[i]=$COLO_BG_PID
  wait_for 5 _colo_helper_up "$log" "$COLO_BG_PID" || {
    echo "colo: pmtud-helper did not start on $n:" >&2
    cat "$log" >&2
    return 1
  }
}

colo_pmtud_stop() {
  local i pid rc=0
  for i in "${!COLO_HELPER_PIDS[@]}"; do
    pid=${COLO_HELPER_PIDS[i]}
    [[ -n $pid ]] || continue
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || rc=$?
    nsx "${COLO_SERVERS[i]}" "$COLO_SETUP" uninstall --config "$NS_REG/pmtud-${COLO_SERVERS[i]}.conf" >/dev/null ||
      rc=1
  done
  COLO_HELPER_PIDS=()
  return "$rc"
}

# ---------------------------------------------------------------------------------------------------
# Counters, logs and metrics.

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

colo_metrics() { echo "$NS_REG/metrics-$1.prom"; }

colo_metric() { # SRV SERIES
  local f
  f=$(colo_metrics "$1")
  [[ -f $f ]] || return 0
  awk -v s="$2" '$1 == s { print $2; exit }' "$f"
}
