# The fan-out of the unicast relay (bench/pipeline/run, phase fanout): one PTB copied to N peers,
# on a topology of its own (sourced after lib.bash and phases.bash):
#
#   fr (the leaf: sends the PTBs, routes)  r0 ──── eth0  fa (pmtud: rules + helper, broadcast = no)
#                                          r1 ──── eth0  fp (the peers)
#   fr r0 192.0.2.241/30 2001:db8:f1::1/64    fa eth0 192.0.2.242/30 2001:db8:f1::2/64, VIP on lo
#   fr r1 192.0.2.245/30 2001:db8:f2::1/64    fp eth0 192.0.2.246/30 2001:db8:f2::2/64
#   fp has 198.51.100.0/24 and 2001:db8:100::/64 as local routes on lo: every peer address is its.
# fa and fp share no segment, as on an L3 fabric: every copy is routed by fr. fa's peers list: its
# own two addresses (skipped) and N of each family (198.51.100.0 up, 2001:db8:100::1 up).
# veth runs each copy's receive path (fr's forwarding, fp's ICMP receive) inside the helper's send
# call, so the helper's CPU includes it; in the leafdrop passes fr drops the copies at its ingress
# (a netdev chain on r0), which leaves the helper's own share and veth's transmit.
#
#   fanout_create               the three namespaces, pmtud on fa (wide kernel limits, peer bucket
#                               out of the way), the helper started; FO_* below
#   fanout_peers N              fa's peers file with N peers of each family; waits until the
#                               helper uses it (and the kernel's peers sets follow: apply)
#   fanout_pass N FAM MODE REP  FANOUT_PTBS PTBs of family FAM at FANOUT_RATE/s; MODE cpu (no
#                               capture), leafdrop (cpu, copies dropped at the leaf) or latency
#                               (one capture on fa's eth0: the PTB in and every copy out)

FO_MAC_R=02:00:00:00:0f:01 FO_MAC_A=02:00:00:00:0f:02
FO_SRC4=192.0.2.9 FO_SRC6=2001:db8:9::1 # the router the PTBs come from (not a peer)
FO_LIMITS=(--src-rate 100000/second --src-burst 100000 --ceiling 100000/second
  --ceiling-burst 100000 --known-ceiling 100000/second --known-ceiling-burst 100000
  --peer-rate 1000000 --peer-burst 1000000 --no-broadcast)

fanout_create() {
  local n
  for n in fr fa fp; do ns_add "$n"; done
  _colo_sysctls fr router
  _colo_sysctls fa server
  _colo_sysctls fp host
  veth fr r0 fa eth0
  veth fr r1 fp eth0
  nsx fr ip link set r0 address "$FO_MAC_R"
  nsx fa ip link set eth0 address "$FO_MAC_A"
  _colo_addr fr r0 192.0.2.241/30 2001:db8:f1::1/64
  _colo_addr fr r1 192.0.2.245/30 2001:db8:f2::1/64
  _colo_addr fa eth0 192.0.2.242/30 2001:db8:f1::2/64
  _colo_addr fa lo "$COLO_VIP4/32" "$COLO_VIP6/128"
  _colo_addr fp eth0 192.0.2.246/30 2001:db8:f2::2/64
  nsx fa ip route add default via 192.0.2.241
  nsx fa ip -6 route add default via 2001:db8:f1::1
  nsx fp ip route add default via 192.0.2.245
  nsx fp ip -6 route add default via 2001:db8:f2::1
  nsx fp ip route add local 198.51.100.0/24 dev lo
  nsx fp ip -6 route add local 2001:db8:100::/64 dev lo
  nsx fr ip route add 198.51.100.0/24 via 192.0.2.246
  nsx fr ip -6 route add 2001:db8:100::/64 via 2001:db8:f2::2
  # Neighbours resolved once, before anything is timed.
  nsx fa ping -c1 -W2 -q 198.51.100.1 >/dev/null
  nsx fa ping -6 -c1 -W2 -q 2001:db8:100::1 >/dev/null
  FO_PEERS_FILE=$NS_REG/fanout-peers
  _fanout_write_peers 1
  pl_install fa "${FO_LIMITS[@]}" --peers-file "$FO_PEERS_FILE"
  pl_helper_start fa
  wait_for 5 _fanout_uses 1 1
  FO_N=1
}

# Peer I (0-based) of family FAM.
_fanout_peer() { if [[ $1 == 4 ]]; then echo "198.51.100.$2"; else printf '2001:db8:100::%x\n' $(($2 + 1)); fi; }

# What the peers' namespace received: ICMP frag-needed and ICMPv6 packet-too-big (nstat).
_fanout_received() {
  nsx fp nstat -asz IcmpInDestUnreachs Icmp6InPktTooBigs | awk '$1 == "IcmpInDestUnreachs" { a = $2 }
    $1 == "Icmp6InPktTooBigs" { b = $2 } END { print a + 0, b + 0 }'
}

_fanout_write_peers() { # N
  local i
  {
    echo 192.0.2.242
    echo 2001:db8:f1::2
    for ((i = 0; i < $1; i++)); do _fanout_peer 4 "$i"; done
    for ((i = 0; i < $1; i++)); do _fanout_peer 6 "$i"; done
  } >"$FO_PEERS_FILE.tmp"
  mv "$FO_PEERS_FILE.tmp" "$FO_PEERS_FILE"
}

# The helper's log from line FROM on says it uses N peers of each family.
_fanout_uses() { tail -n "+$1" "$(pl_log fa)" | grep -q "peers: $2 IPv4, $2 IPv6 in use (2 own skipped)"; }

fanout_peers() {
  local n=$1 from
  [[ ${FO_N-} == "$n" ]] && return 0
  from=$(($(wc -l <"$(pl_log fa)") + 1))
  _fanout_write_peers "$n"
  nsx fa "$COLO_SETUP" apply --config "$(pl_conf fa)" >/dev/null
  wait_for 5 _fanout_uses "$from" "$n" || {
    echo "bench: the fan-out helper did not take $n peers:" >&2
    tail -n 5 "$(pl_log fa)" >&2
    return 1
  }
  FO_N=$n
}

_fanout_leafdrop() { # on|off
  if [[ $1 == on ]]; then
    nsx fr nft -f - <<'EOF2'
table netdev fanout_leafdrop {
  chain in {
    type filter hook ingress device "r0" priority 0; policy accept;
    ip saddr 192.0.2.242 icmp type destination-unreachable counter drop
    ip6 saddr 2001:db8:f1::2 icmpv6 type packet-too-big counter drop
  }
}
EOF2
  else
    nsx fr nft list table netdev fanout_leafdrop >"$FO_DIR/leafdrop.nft"
    nsx fr nft delete table netdev fanout_leafdrop
  fi
}

fanout_pass() {
  local n=$1 fam=$2 mode=$3 rep=$4 cap_pid=""
  FO_DIR=$RUNS/fanout-$n-$fam-$mode-$rep
  mkdir -p "$FO_DIR"
  say "fan-out: $FANOUT_PTBS IPv$fam PTBs to $n peers at $FANOUT_RATE/s ($mode, $rep/$FANOUT_REPS)"
  fanout_peers "$n"
  [[ $mode == leafdrop ]] && _fanout_leafdrop on
  if [[ $mode == latency ]]; then
    # The PTBs in, and the copies to the first and the last peer (sendmmsg goes down the list in
    # order): two frames per PTB for tcpdump, whatever N, so the capture barely loads the machine.
    local first last
    first=$(_fanout_peer "$fam" 0) last=$(_fanout_peer "$fam" $((n - 1)))
    bg fa cap_pid tcpdump -i eth0 -nn --immediate-mode --time-stamp-precision=nano -B 16384 -s 160 \
      -w "$FO_DIR/fa.pcap" "(icmp or icmp6) and (ether src $FO_MAC_R or dst host $first or dst host $last)" \
      2>"$FO_DIR/fa.pcap.err" 3>&-
    wait_for 5 grep -q 'listening on' "$FO_DIR/fa.pcap.err"
  fi
  {
    echo "helper_before $(pl_helper_summary fa)"
    echo "proc_before $(pl_proc "${PL_PID[fa]}")"
    echo "peers_rx_before $(_fanout_received)"
  } >"$FO_DIR/measures.txt"
  nsx fr "$PL_SEND" --iface r0 --dst-mac "$FO_MAC_A" --count "$FANOUT_PTBS" --rate "$FANOUT_RATE" \
    --family "$fam" --src4 "$FO_SRC4" --src6 "$FO_SRC6" --seconds 120 >"$FO_DIR/sender.json"
  sleep 0.3 # the last copies
  {
    echo "proc_after $(pl_proc "${PL_PID[fa]}")"
    echo "helper_after $(pl_helper_summary fa)"
    echo "peers_rx_after $(_fanout_received)"
  } >>"$FO_DIR/measures.txt"
  pl_counters fa >"$FO_DIR/counters.json"
  [[ $mode == leafdrop ]] && _fanout_leafdrop off
  if [[ -n $cap_pid ]]; then
    _capture_stop "$cap_pid"
    python3 bench/pipeline/fanout_latency.py "$FO_DIR/fa.pcap" --in-src "$FO_MAC_R" \
      --out-src "$FO_MAC_A" >"$FO_DIR/latency.json"
  fi
  return 0
}
