#!/usr/bin/env bats
# Loop safety at scale: three servers a, b, c on one bridge, each with pmtud's rules and its own
# pmtud-helper; a router rt sends 1000 PTBs to a (unicast to a's MAC, as ECMP would). What reaches the
# segment is what a's limits allow, computed from the configuration and the send timing; each of a's
# broadcasts crosses the segment once; b and c, which receive them, relay none.
#
# Limits (the same on every server; per family where it says so):
#   per source (kernel)    1/minute burst 3     20 sources (10 IPv4, 10 IPv6 /64s), 50 PTBs each
#   ceiling (kernel)       1/minute burst 15    per family, for sources not known
#   learning (kernel)      1/minute burst 5     per family, while it has no storm
#   known lane (kernel)    100/second burst 50  per family (never reached here)
#   per interface (helper) 1/second burst 25    per family
# The PTBs go out in 50 rounds of one per source (10 IPv4 then 10 IPv6), all distinct. While the send
# lasts (well under 6 s) the kernel buckets earn nothing, and per family: rounds 1-3 pass the
# per-source limit (30 PTBs; src_over = 470). Round 1: 10 through the ceiling, the first 5 sources
# learned. Rounds 2 and 3: those 5 take the known lane (10 logged); the other 5 take the ceiling's
# last 5 tokens in round 2 and are over it in round 3 (ceiling_over = 5, a storm). So 25 logged per
# family (known_logged 10, new_logged 15), which the helper's 25-deep bucket per family passes: the
# segment carries rounds 1-2 whole and round 3's first 5 sources of each family, in order.

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
    --ceiling 1/minute --ceiling-burst 15 --learn-rate 1/minute --learn-burst 5 --iface-rate 1 \
    --iface-burst 25 >/dev/null 2>&1
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

@test "1000 PTBs to one of three pmtud servers on a bridge: the segment carries exactly what its limits and lanes allow, each once, and nothing from the others" {
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
  wait_for 5 _a_decided 50 || true
  stop_captures

  # Timing, from a's port: the kernel's buckets must earn nothing while the send lasts.
  mapfile -t arrivals < <(frames p-a --dst "$A_MAC" | awk '{ print $1 }')
  [ "${#arrivals[@]}" -eq 1000 ] || { cat "$NS_REG/p-a.err"; echo "${#arrivals[@]} arrivals"; false; }
  local send_s
  send_s=$(seconds_between "${arrivals[0]}" "${arrivals[999]}")
  echo "# measured: 1000 PTBs sent to a in ${send_s} s" >&3
  [ "${send_s%.*}" -lt 6 ]
  # What a logs, in the order sent: rounds 1-2 (lines 1-40), then round 3's first 5 sources of each
  # family (lines 41-45 and 51-55).
  sed -n '1,45p;51,55p' "$NS_REG/sent" >"$NS_REG/logged"

  local sa sb sc
  sa=$(stop_pmtud a)
  sb=$(stop_pmtud b)
  sc=$(stop_pmtud c)
  echo "a: $sa"
  named_counters a
  # a's kernel: every PTB eligible, the outcomes exact.
  diff <(named_counters a | awk '$2 != 0') - <<'EOF'
ceiling_over4 5
ceiling_over6 5
known_logged4 10
known_logged6 10
learned4 5
learned6 5
logged4 25
logged6 25
new_logged4 15
new_logged6 15
rx4 500
rx6 500
src_over4 470
src_over6 470
EOF
  # a's helper: the 50, each family's 25 within its bucket.
  [[ $sa == *"received=50 forwarded=50 "* ]]
  [[ $sa == *" dropped=0 nflog_lost=0 send_errors=0 "* ]]

  # On the wire: a's broadcasts are the 50 it logged, in order, byte for byte, once each.
  diff <(frames p-a --src "$A_MAC" --dst ff:ff:ff:ff:ff:ff | awk '{ print $5 }') "$NS_REG/logged"
  [ "$(frames p-a --src "$A_MAC" | wc -l)" -eq 50 ]
  # The bridge floods each to every other port exactly once; b and c see them and relay none, and no
  # PTB of any kind leaves b or c.
  for k in b c rt; do
    diff <(frames "p-$k" --src "$A_MAC" | awk '{ print $5 }') "$NS_REG/logged"
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
