# Pieces of the hostile_*, faults_* and loop_* tests (sourced after netns.bash and relay.bash, whose
# HELPER, SETUP, PTB_PY, PY, R_MAC, H_MAC and helper_start/helper_stop/summary they use).
# shellcheck disable=SC2034,SC2153  # variables for the bats files; R_MAC, H_MAC, ... are relay.bash's
#
#   pair_topology              namespaces r and h joined by one veth, r0 ($R_MAC) <-> h0 ($H_MAC). r has
#                              IPv6 disabled and no address, so it sends nothing but what a test sends; h
#                              owns the VIP on lo and has 192.0.2.2/24 on h0
#   segment_topology           a router rt ($R_MAC, no IPv6) and servers a, b, c ($A_MAC, $B_MAC, $C_MAC) on one
#                              bridge br0 in namespace sw (ports p-rt, p-a, p-b, p-c); every server owns the VIP
#                              on lo and has 192.0.2.1N/24 on eth0
#   ingress_counter NS IF MAC  a netdev ingress counter "seen" on IF of NS: frames from MAC, counted before
#                              anything else in the host looks at them (table netdev obs)
#   named_counters NS          "NAME PACKETS" for every named nft counter in NS, sorted by name
#   counter_of NAME            the packets of NAME in named_counters output on stdin (0 if absent)
#   stack_counters NS NAME...  "NAME VALUE" of the given nstat counters in NS (absolute)
#   blast NS IF DST_MAC COUNT HEX...|-   tests/tools/frame-blast in NS (stdin passed through)
#   helper_verdicts LOG SRC    the per-packet verdicts for outer source SRC in LOG, "+"-joined: "fwd" for
#                              forwarded, else the drop reason; "-" when there is none
#   summary_field LINE KEY     the value of KEY=N in a summary line
#   summary_reasons LINE       the "reason=N" words of a summary line's dropped (...) list, one per line
#   l3_of_wire HEX             HEX cut to the length its own IP header gives: what a receiver's stack keeps
#                              (the rest of a frame is link-layer padding)

FRAME_BLAST=$PMTUD_ROOT/${BUILD:-build}/tools/frame-blast

pair_topology() {
  ns_add r
  ns_add h
  # Before the veth exists, so that r0 never gets an IPv6 address (no RS, MLD or DAD from r).
  nsx r sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  veth r r0 h h0
  nsx r ip link set r0 address "$R_MAC"
  nsx h ip link set h0 address "$H_MAC"
  nsx h ip addr add 203.0.113.10/32 dev lo
  nsx h ip addr add 2001:db8:ff::10/128 dev lo nodad
  nsx h ip addr add 192.0.2.2/24 dev h0
}

A_MAC=02:00:00:00:00:0a B_MAC=02:00:00:00:00:0b C_MAC=02:00:00:00:00:0c

segment_topology() {
  local n i=1 mac
  ns_add sw
  ns_add rt
  nsx rt sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  nsx sw ip link add br0 type bridge mcast_snooping 0
  nsx sw ip link set br0 up
  veth rt r0 sw p-rt
  nsx rt ip link set r0 address "$R_MAC"
  nsx sw ip link set p-rt master br0
  for n in a b c; do
    ns_add "$n"
    veth "$n" eth0 sw "p-$n"
    nsx sw ip link set "p-$n" master br0
    mac=${n^^}_MAC
    nsx "$n" ip link set eth0 address "${!mac}"
    nsx "$n" ip addr add "192.0.2.1$i/24" dev eth0
    nsx "$n" ip addr add 203.0.113.10/32 dev lo
    nsx "$n" ip addr add 2001:db8:ff::10/128 dev lo nodad
    i=$((i + 1))
  done
}

ingress_counter() {
  nsx "$1" nft -f - <<EOF
table netdev obs {
	counter seen { comment "frames from $3 on $2, before the rest of the host sees them" }
	chain ingress {
		type filter hook ingress device "$2" priority -500; policy accept;
		ether saddr $3 counter name seen
	}
}
EOF
}

named_counters() {
  nsx "$1" nft list counters |
    awk '$1 == "counter" { name = $2 } $1 == "packets" { print name, $2 }' | sort
}

counter_of() { awk -v n="$1" '$1 == n { v = $2 } END { print v + 0 }'; }

stack_counters() {
  local ns=$1
  shift
  nsx "$ns" nstat -asz "$@" | awk 'NR > 1 && $1 !~ /^#/ { print $1, $2 }'
}

blast() {
  local ns=$1
  shift
  nsx "$ns" "$FRAME_BLAST" "$@" 2>/dev/null
}

helper_verdicts() {
  local v
  v=$(awk -v p="pmtud-helper: $2 " 'index($0, p) == 1 {
        if ($3 == "forwarded") print "fwd"; else { sub(/^reason=/, "", $4); print $4 } }' "$1" |
    paste -sd+)
  echo "${v:--}"
}

summary_field() { sed -nE "s/.* $2=([0-9a-z]+).*/\1/p" <<<"$1"; }

summary_reasons() {
  sed -nE 's/.* dropped=[0-9]+ \(([^)]*)\).*/\1/p' <<<"$1" | tr ' ' '\n' | sed '/^$/d'
}

l3_of_wire() {
  local hex=$1 len
  if [[ ${hex:0:1} == 4 ]]; then len=$((16#${hex:4:4})); else len=$((40 + 16#${hex:8:4})); fi
  echo "${hex:0:$((2 * len))}"
}
