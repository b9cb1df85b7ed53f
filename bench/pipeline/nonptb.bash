# The phases of the non-PTB benchmark, sourced by bench/pipeline/run-nonptb (which defines the
# settings and has built the colo). What table inet pmtud costs every packet that is not a PTB:
# TCP and UDP floods to A and C, one with a ruleset VARIANT and the other with no table at all.
#
#   np_load SRV VARIANT    none: no table; pmtud: pmtud-setup install (today's table, default
#                          settings); any other name: bench/pipeline/dispatch/VARIANT.nft
#   np_unload SRV          remove whichever of those tables SRV has
#   np_check VARIANT       load VARIANT on A, send PTBs, TCP, UDP and pings, and check that exactly
#                          the PTBs reached its PTB chains (none for a fixture marked
#                          "# bench: expects no PTB"); exit 1 otherwise
#   np_ab KIND VARIANT REP SIDE
#                          one flood whose batches alternate between A and C, VARIANT loaded on
#                          SIDE (a or c), no table on the other: the sender's CPU inside its send
#                          calls per packet, for each receiver at the same moment
#   np_machine KIND VARIANT REP
#                          one flood to A alone with VARIANT on A: the whole machine's CPU
#                          (/proc/stat) and the sender's own, per packet

NP_FIXTURES=bench/pipeline/dispatch
# Flood sources: clients the edge blackholes (run-nonptb), so the RSTs and the few ICMP errors
# the servers answer with die one hop away, at the same cost whichever server sent them.
NP_CLIENT4=198.51.100.200 NP_CLIENT6=2001:db8:c:1::200
# The stack's own verdict on each packet, read on A and C around every flood.
NP_NSTAT=(TcpInSegs TcpOutRsts TcpInErrs TcpInCsumErrors UdpNoPorts Udp6NoPorts UdpInCsumErrors
  Udp6InCsumErrors IpInReceives Ip6InReceives IpInHdrErrors Ip6InHdrErrors)

np_load() { # SRV VARIANT
  case $2 in
    none) ;;
    pmtud) pl_install "$1" ;;
    *) nsx "$1" nft -f "$NP_FIXTURES/$2.nft" ;;
  esac
}

np_unload() { # SRV
  pl_uninstall "$1"
  nsx "$1" nft delete table inet pmtud_dispatch 2>/dev/null || true
  nsx "$1" nft delete table netdev pmtud_dispatch 2>/dev/null || true
}

# The packets of a flood KIND, in the array NP_ARGS. TCP: a client's pure ACK (timestamps, 52/72
# bytes) to the service port, for a flow the server has no socket for: the listener takes it and
# the stack answers with a RST. UDP: 32 bytes to port 443, where nothing listens: no socket, an
# ICMP port unreachable (rate-limited to ~1000/s by the kernel), dropped.
_np_args() { # KIND
  local fam=${1: -1}
  NP_ARGS=(--family "$fam" --sources one --src4 "$NP_CLIENT4" --src6 "$NP_CLIENT6")
  case $1 in
    tcp?) NP_ARGS+=(--proto tcp --tcp-flags ack --dport "$COLO_PORT") ;;
    udp?) NP_ARGS+=(--proto udp --dport 443) ;;
  esac
}

_np_counter() { # SRV NAME -> packets of counter NAME in table inet pmtud or [inet|netdev] pmtud_dispatch
  local t
  for t in "inet pmtud" "inet pmtud_dispatch" "netdev pmtud_dispatch"; do
    # shellcheck disable=SC2086 # family and table: two words
    nsx "$1" nft list counter $t "$2" 2>/dev/null | awk '$1 == "packets" { print $2 }' && return 0
  done
  echo 0
}

np_check() { # VARIANT
  local v=$1 c4=ptb4 c6=ptb6 want=10 got4 got6 dir=$RUNS/check
  [[ $v == none ]] && return 0
  [[ $v == pmtud ]] && c4=rx4 c6=rx6
  # A fixture that dispatches nothing on purpose (the empty chain) says so.
  grep -q '^# bench: expects no PTB' "$NP_FIXTURES/$v.nft" 2>/dev/null && want=0
  mkdir -p "$dir"
  np_load a "$v"
  pl_send "$dir/$v-ptb.json" --family 46 --count 20
  pl_send "$dir/$v-tcp.json" --family 46 --count 200 --proto tcp --dport "$COLO_PORT" \
    --src4 "$NP_CLIENT4" --src6 "$NP_CLIENT6"
  pl_send "$dir/$v-udp.json" --family 46 --count 200 --proto udp --dport 443 \
    --src4 "$NP_CLIENT4" --src6 "$NP_CLIENT6"
  # ICMP and ICMPv6 that are not PTBs (echo requests, and ND on the way) must not get there.
  nsx edge ping -c 2 -i 0.2 -q 192.0.2.66 >/dev/null
  nsx edge ping -6 -c 2 -i 0.2 -q 2001:db8:2::a >/dev/null
  got4=$(_np_counter a "$c4") got6=$(_np_counter a "$c6")
  np_unload a
  echo "$v $c4=$got4 $c6=$got6 expected=$want" >>"$dir/result.txt"
  if [[ $got4 != "$want" || $got6 != "$want" ]]; then
    echo "run-nonptb: variant $v dispatches wrongly: $c4=$got4 $c6=$got6 (expected $want each) after" \
      "10 PTBs of each family, 400 TCP/UDP packets and 4 pings" >&2
    exit 1
  fi
}

_np_nstat() { # SRV -> "NAME VALUE ..." on one line
  colo_nstat "$1" "${NP_NSTAT[@]}" | tr '\n' ' '
  echo
}

np_ab() { # KIND VARIANT REP SIDE
  local kind=$1 v=$2 rep=$3 side=$4 dir=$RUNS/ab-$1-$2-$3
  mkdir -p "$dir"
  _np_args "$kind"
  {
    echo "kind $kind"
    echo "variant $v"
    echo "rep $rep"
    echo "table_on $side"
    echo "nstat_a_before $(_np_nstat a)"
    echo "nstat_c_before $(_np_nstat c)"
  } >"$dir/measures.txt"
  pl_send "$dir/sender.json" --dst-mac2 "$MAC_C" --count "$COUNT" --seconds 60 \
    --cpu "$SENDER_CPU" "${NP_ARGS[@]}"
  {
    echo "nstat_a_after $(_np_nstat a)"
    echo "nstat_c_after $(_np_nstat c)"
  } >>"$dir/measures.txt"
}

np_machine() { # KIND VARIANT REP
  local kind=$1 v=$2 rep=$3 dir=$RUNS/machine-$1-$2-$3 b0 t0 b1 t1
  mkdir -p "$dir"
  _np_args "$kind"
  # The machine's load just before (other tenants): half a second of /proc/stat.
  read -r b0 t0 < <(pl_cpu_busy)
  sleep 0.5
  read -r b1 t1 < <(pl_cpu_busy)
  {
    echo "kind $kind"
    echo "variant $v"
    echo "rep $rep"
    echo "background_busy_ticks $((b1 - b0)) $((t1 - t0))"
  } >"$dir/measures.txt"
  pl_send "$dir/sender.json" --count "$MACHINE_COUNT" --seconds 60 --cpu "$SENDER_CPU" "${NP_ARGS[@]}"
}
