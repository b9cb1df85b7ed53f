#!/usr/bin/env bats
# Loop safety at scale: three servers a, b, c on one bridge, each with pmtud's rules and its own
# pmtud-helper; a router rt sends 1000 PTBs to a (unicast to a's MAC, as ECMP would). What reaches the
# segment is what a's limits allow, computed from the configuration and the send timing; each of a's
# broadcasts crosses the segment once; b and c, which receive them, relay none.
#
# Limits (the same on every server):
#   per source (kernel)   1/minute burst 3     20 sources (10 IPv4, 10 IPv6 /64s), 50 PTBs each
#   ceiling (kernel)      1/minute burst 40    shared by IPv4 and IPv6, after the per-source limit
#   per interface (helper) 1/second burst 12, a bucket per family
# The PTBs go out in 50 rounds of one per source (10 IPv4 then 10 IPv6), all distinct. While the send
# lasts under a minute, the kernel buckets cannot earn a token: rounds 1-3 pass the per-source limit
# (60 PTBs), the ceiling takes the first 40 of them (rounds 1-2), src_over = 940, ceiling_over = 20.
# They are 20 IPv4 and 20 IPv6. The helper's GCRA bucket of each family passes 12 + floor(S) of its 20,
# S being the seconds between the first and the 40th reaching a: the first 12 of each family, in the
# order sent (S is milliseconds here, so exactly 24 in all).

PTB_FILTER='(icmp and icmp[0] == 3 and icmp[1] == 4) or (ip6 and ip6[6] == 58 and ip6[40] == 2 and ip6[41] == 0)'

setup() {
  load ../lib/netns
  load ../lib/relay
  load ../lib/hostile
  ns_init
  segment_topology
  declare -gA HPID
  CAPS=()
}

teardown() {
  local n
  for n in "${!HPID[@]}"; do kill -TERM "${HPID[$n]}" 2>/dev/null || true; done
  for n in "${!HPID[@]}"; do wait "${HPID[$n]}" 2>/dev/null || true; done
  for n in "${CAPS[@]}"; do kill -INT "$n" 2>/dev/null || true; done
  for n in a b c; do [[ -f $NS_REG/helper-$n.log ]] && sed "s/^/$n: /" "$NS_REG/helper-$n.log"; done
  ns_cleanup
}

start_pmtud() { # SRV
  local n=$1 log=$NS_REG/helper-$1.log pid
  nsx "$n" "$SETUP" install --iface eth0 --config "$NS_REG/$n.conf" --src-rate 1/minute --src-burst 3 \
    --ceiling 1/minute --ceiling-burst 40 --iface-rate 1 --iface-burst 12 >/dev/null 2>&1
  bg "$n" pid "$HELPER" --config "$NS_REG/$n.conf" -v 2>"$log" 3>&-
  HPID[$n]=$pid
  wait_for 5 grep -q 'pmtud-helper: started:' "$log"
}

stop_pmtud() { # SRV -> its last summary line
  kill -TERM "${HPID[$1]}"
  wait "${HPID[$1]}"
  unset "HPID[$1]"
  summary "$NS_REG/helper-$1.log"
}

capture() { # PORT FILTER...: tcpdump on bridge port PORT into $NS_REG/PORT.pcap
  local port=$1 pid
  shift
  bg sw pid tcpdump -i "$port" -nn -U --immediate-mode --time-stamp-precision=nano -B 16384 -s 2048 \
    -w "$NS_REG/$port.pcap" "$@" 2>"$NS_REG/$port.err" 3>&-
  CAPS+=("$pid")
  wait_for 5 grep -q 'listening on' "$NS_REG/$port.err"
}

stop_captures() {
  local pid
  sleep 0.3 # the last broadcasts cross the bridge
  for pid in "${CAPS[@]}"; do kill -INT "$pid"; done
  for pid in "${CAPS[@]}"; do wait "$pid" || true; done
  CAPS=()
}

frames() { "$PY" "$PCAP_PY" "$NS_REG/$1.pcap" "${@:2}"; } # PORT [pcap.py filters]

# Seconds (decimal) between two nanosecond stamps.
seconds_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", (b - a) / 1e9 }'; }

@test "1000 PTBs to one of three pmtud servers on a bridge: the segment carries exactly what its limits allow, each once, and nothing from the others" {
  local k
  for k in $(seq 0 49); do
    echo "--srcs $(seq -s, -f '198.51.100.%g' 1 10) --count 10 --quote 64 --dport $((40000 + k))"
    echo "--family 6 --srcs $(seq -s, -f '2001:db8:e:%g::1' 1 10) --count 10 --quote 64 --dport $((40000 + k))"
  done | "$PY" "$PTB_PY" hexes >"$NS_REG/sent"
  [ "$(sort -u "$NS_REG/sent" | wc -l)" -eq 1000 ]
  for k in a b c; do start_pmtud "$k"; done
  capture p-a "$PTB_FILTER"
  for k in b c rt; do capture "p-$k" "$PTB_FILTER"; done

  blast rt r0 "$A_MAC" 1000 - <"$NS_REG/sent"
  wait_for 5 _a_decided 40 || true
  stop_captures

  # Timing, from a's port: the whole send, and the first to the 40th PTB (those that a logs).
  mapfile -t arrivals < <(frames p-a --dst "$A_MAC" | awk '{ print $1 }')
  [ "${#arrivals[@]}" -eq 1000 ] || { cat "$NS_REG/p-a.err"; echo "${#arrivals[@]} arrivals"; false; }
  local send_s span_s allowed
  send_s=$(seconds_between "${arrivals[0]}" "${arrivals[999]}")
  span_s=$(seconds_between "${arrivals[0]}" "${arrivals[39]}")
  allowed=$((12 + ${span_s%.*})) # per family
  ((allowed > 20)) && allowed=20
  echo "# measured: 1000 PTBs sent to a in ${send_s} s; the 40 it logs arrived within ${span_s} s; a may relay $allowed of each family" >&3
  # The kernel's buckets earn nothing in under a minute: 3 per source, 40 in all.
  [ "${send_s%.*}" -lt 60 ]

  local sa sb sc
  sa=$(stop_pmtud a)
  sb=$(stop_pmtud b)
  sc=$(stop_pmtud c)
  echo "a: $sa"
  named_counters a
  # a's kernel: every PTB eligible, the outcomes exact.
  diff <(named_counters a | awk '$2 != 0') - <<'EOF'
ceiling_over 20
logged4 20
logged6 20
rx4 500
rx6 500
src_over4 470
src_over6 470
EOF
  # a's helper: the 40, of which the bucket of each family passed $allowed.
  [[ $sa == *"received=40 forwarded=$((2 * allowed)) (eth0 v4=$allowed v6=$allowed) "* ]]
  [[ $sa == *" dropped=$((40 - 2 * allowed)) (iface_rate_limited=$((40 - 2 * allowed))) nflog_lost=0 send_errors=0 "* ]]

  # On the wire: a's broadcasts are the first $allowed PTBs of each family among the 40, in the order
  # sent, byte for byte, once each.
  head -n 40 "$NS_REG/sent" | awk -v n="$allowed" '++seen[substr($0, 1, 1)] <= n' >"$NS_REG/relayed"
  diff <(frames p-a --src "$A_MAC" --dst ff:ff:ff:ff:ff:ff | awk '{ print $5 }') "$NS_REG/relayed"
  [ "$(frames p-a --src "$A_MAC" | wc -l)" -eq $((2 * allowed)) ]
  # The bridge floods each to every other port exactly once; b and c see them and relay none, and no
  # PTB of any kind leaves b or c.
  for k in b c rt; do
    diff <(frames "p-$k" --src "$A_MAC" | awk '{ print $5 }') "$NS_REG/relayed"
  done
  [ "$(frames p-b --src "$B_MAC" | wc -l)" -eq 0 ]
  [ "$(frames p-c --src "$C_MAC" | wc -l)" -eq 0 ]
  [ "$(frames p-a --src "$B_MAC" | wc -l)" -eq 0 ]
  [ "$(frames p-a --src "$C_MAC" | wc -l)" -eq 0 ]
  # b and c: a's broadcasts are not eligible (pkttype broadcast): no counter moves, nothing logged.
  for k in b c; do
    [ -z "$(named_counters "$k" | awk '$2 != 0')" ]
  done
  [[ $sb == *"received=0 forwarded=0 "* ]]
  [[ $sc == *"received=0 forwarded=0 "* ]]
}

_a_decided() { # N: a's helper has logged N PTBs (it logs forwarded ones only; count the summary)
  kill -USR1 "${HPID[a]}"
  sleep 0.1
  local r
  r=$(summary_field "$(summary "$NS_REG/helper-a.log")" received)
  ((${r:-0} >= $1))
}
