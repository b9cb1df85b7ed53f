# The legitimate routers of the spoofed floods (bench/pipeline/phases.bash, flood_run with pmtud):
# four quiet routers, each sending ROUTER_RATE PTBs a second while a spoofed flood of one family
# goes on. known4/known6 sent one PTB each in peace, just before the flood (so the rules learned
# them: sets known4/known6); new4/new6 are first seen during the flood. With a flood of family F,
# knownF and newF are the flood's own family, the other two the other family. They share no
# kernel limiter with each other (each has its own per-source budget; known and new sources take
# different lanes; the families have their own ceilings), and the helper's bucket per (interface,
# family) is sized by default to both lanes together, so one flood serves the four cases.
#
#   lanes_peace DIR             one PTB from known4 and from known6, then wait until both are
#                               learned; the counters at that point into DIR/counters-peace.json
#   lanes_capture DIR           capture A's broadcasts from the four routers on B's bridge port
#   lanes_routers_start DIR     the four routers, in the background (DIR/router-NAME.json; their
#                               addresses in DIR/routers.txt)
#   lanes_routers_stop          SIGTERM them and wait (each prints what it sent)
#   lanes_sets DIR              sets known4 and known6 at the end, as nft JSON

LANE_ROUTERS=(known4 new4 known6 new6)
declare -A LANE_ADDR=([known4]=192.0.2.1 [new4]=192.0.2.9 [known6]=2001:db8:1::1 [new6]=2001:db8:9::1)
LANE_PIDS=()

_lanes_learned() { (($(pl_counter a learned4) >= 1 && $(pl_counter a learned6) >= 1)); }

lanes_peace() {
  local dir=$1
  pl_send "$dir/peace4.json" --count 1 --family 4 --src4 "${LANE_ADDR[known4]}"
  pl_send "$dir/peace6.json" --count 1 --family 6 --src6 "${LANE_ADDR[known6]}"
  wait_for 3 _lanes_learned || say "warning: the known routers were not learned in peace"
  pl_counters a >"$dir/counters-peace.json"
}

lanes_capture() {
  local r filter=""
  for r in "${LANE_ROUTERS[@]}"; do filter+="${filter:+ or }src host ${LANE_ADDR[$r]}"; done
  _capture p-b "$1/lanes.pcap" "ether src $MAC_A and ether broadcast and ($filter)"
}

lanes_routers_start() {
  local dir=$1 r fam pid
  LANE_PIDS=()
  for r in "${LANE_ROUTERS[@]}"; do echo "$r ${LANE_ADDR[$r]}"; done >"$dir/routers.txt"
  for r in "${LANE_ROUTERS[@]}"; do
    fam=${r: -1}
    bg edge pid "$PL_SEND" --iface eth1 --dst-mac "$MAC_A" --count 100000 --rate "$ROUTER_RATE" \
      --seconds 120 --family "$fam" "--src$fam" "${LANE_ADDR[$r]}" >"$dir/router-$r.json" 3>&-
    LANE_PIDS+=("$pid")
  done
}

lanes_routers_stop() {
  local pid
  for pid in "${LANE_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${LANE_PIDS[@]}"; do wait "$pid" || true; done
  LANE_PIDS=()
}

lanes_sets() {
  pl_set_json a known4 >"$1/known4.json"
  pl_set_json a known6 >"$1/known6.json"
}
