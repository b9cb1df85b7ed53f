# The phases of the pipeline benchmark, sourced by bench/pipeline/run (which defines the settings
# and has built the colo, with pmtud and a helper on every server). Each phase writes raw files
# into a directory of $RUNS; bench/pipeline/report.py reads them all.
#
#   phase_latency               paced PTBs, one capture clock on A's bridge port, NFLOG floor
#   flood_run KIND MODE REP     one flood: KIND one4|one6|spoof4|spoof6, MODE pmtud|none; the
#                               spoofed ones with pmtud also carry the four quiet routers of
#                               bench/pipeline/lanes.bash
#   ab_run KIND REP             one flood whose batches alternate between A (pmtud) and C (no
#                               table): the kernel path's cost with and without the rules, compared
#                               inside one flood, so both halves share the machine's load
#   phase_idle                  the helpers with nothing to do for IDLE_SECONDS

PL_MODE=pmtud

# pmtud: a fresh table on A (zero counters, empty sets, full buckets), tables on B and C.
# none: no table anywhere (the helpers keep running, with nothing to read).
set_mode() {
  local s
  if [[ $1 == none ]]; then
    for s in "${COLO_SERVERS[@]}"; do pl_uninstall "$s"; done
  else
    pl_install a "${FLOOD_LIMITS[@]}"
    if [[ $PL_MODE == none ]]; then
      pl_install b "${FLOOD_LIMITS[@]}"
      pl_install c "${FLOOD_LIMITS[@]}"
    fi
  fi
  PL_MODE=$1
}

# A capture in the switch namespace; sets PL_CAP_PID.
_capture() { # IF FILE FILTER
  bg switch PL_CAP_PID tcpdump -i "$1" -nn -U --immediate-mode --time-stamp-precision=nano -B 8192 \
    -s 2048 -w "$2" "$3" 2>"$2.err" 3>&-
  wait_for 5 grep -q 'listening on' "$2.err"
}
_capture_stop() {
  kill -INT "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

_floor_up() { grep -q 'listening on group' "$1"; }

phase_latency() {
  local dir=$RUNS/latency s floor_pid cap_pid
  mkdir -p "$dir"
  say "latency: $LATENCY_COUNT PTBs at $LATENCY_RATE/s from 10 sources, v4 and v6"
  for s in "${COLO_SERVERS[@]}"; do
    pl_install "$s" "${LATENCY_LIMITS[@]}"
    pl_helper_reload "$s"
  done
  cp "$(pl_conf a)" "$dir/pmtud.conf"
  # The floor: a second rule, just after pmtud's, logs the same PTBs to a group of its own.
  nsx a nft -f - <<EOF
table inet pmtud_bench_floor {
  chain prerouting {
    type filter hook prerouting priority -299; policy accept;
    meta pkttype host icmp type destination-unreachable icmp code frag-needed log group $FLOOR_GROUP queue-threshold 1
    meta pkttype host icmpv6 type packet-too-big icmpv6 code 0 log group $FLOOR_GROUP queue-threshold 1
  }
}
EOF
  bg a floor_pid "$PL_FLOOR" --group "$FLOOR_GROUP" --seconds 120 >"$dir/floor.json" 2>"$dir/floor.err" 3>&-
  wait_for 5 _floor_up "$dir/floor.err"
  _capture p-a "$dir/a.pcap" "$COLO_PTB_FILTER"
  cap_pid=$PL_CAP_PID
  local before proc_before
  before=$(pl_helper_summary a)
  proc_before=$(pl_proc "${PL_PID[a]}")
  sleep 0.5
  pl_send "$dir/sender.json" --count "$LATENCY_COUNT" --rate "$LATENCY_RATE" --family 46 \
    --sources rotate:10 --seconds 60
  sleep 0.5
  _capture_stop "$cap_pid"
  kill -TERM "$floor_pid"
  wait "$floor_pid" || true
  {
    echo "proc_before $proc_before"
    echo "proc_after $(pl_proc "${PL_PID[a]}")"
    echo "helper_before $before"
    echo "helper_after $(pl_helper_summary a)"
  } >"$dir/helper.txt"
  pl_counters a >"$dir/counters.json"
  nsx a nft delete table inet pmtud_bench_floor
  python3 bench/pipeline/latency.py "$dir/a.pcap" --in-src "$MAC_EDGE" --to "$MAC_A" \
    --out-src "$MAC_A" >"$dir/latency.json"
  for s in "${COLO_SERVERS[@]}"; do
    pl_install "$s" "${FLOOD_LIMITS[@]}"
    pl_helper_reload "$s"
  done
}

# The sender's arguments for a flood KIND, in the array FLOOD_ARGS.
_flood_args() { # KIND REP
  case $1 in
    one4) FLOOD_ARGS=(--family 4 --sources one --src4 "$LEGIT4") ;;
    one6) FLOOD_ARGS=(--family 6 --sources one --src6 "$LEGIT6") ;;
    spoof4) FLOOD_ARGS=(--family 4 --sources random --seed "$2") ;;
    spoof6) FLOOD_ARGS=(--family 6 --sources random --seed "$2") ;;
  esac
}

flood_run() {
  local kind=$1 mode=$2 rep=$3
  local dir=$RUNS/flood-$kind-$mode-$rep fam flood_pid cap_pid="" lanes=0
  mkdir -p "$dir"
  _flood_args "$kind" "$rep"
  fam=${kind: -1}
  [[ $kind == spoof* && $mode == pmtud ]] && lanes=1
  say "flood $kind ($mode, $rep/$REPS): $FLOOD_COUNT PTBs"
  set_mode "$mode"
  # The machine's load just before (other tenants): half a second of /proc/stat.
  local b0 t0 b1 t1 w0
  read -r b0 t0 < <(pl_cpu_busy)
  sleep 0.5
  read -r b1 t1 < <(pl_cpu_busy)
  {
    echo "mode $mode"
    echo "background_busy_ticks $((b1 - b0)) $((t1 - t0))"
    echo "helper_before $(pl_helper_summary a)"
    echo "proc_before $(pl_proc "${PL_PID[a]}")"
    echo "a_eth0_before $(pl_link a eth0 rx_packets) $(pl_link a eth0 tx_packets)"
    echo "p_b_before $(pl_link switch p-b tx_packets)"
  } >"$dir/measures.txt"
  # The window the kernel's bounds are computed over: from the first PTB this table sees (the
  # known routers' in peace, which the helper's figures include too).
  w0=$(pl_now_ns)
  ((lanes)) && lanes_peace "$dir"
  if ((lanes)); then
    lanes_capture "$dir"
    cap_pid=$PL_CAP_PID
  fi
  bg edge flood_pid "$PL_SEND" --iface eth1 --dst-mac "$MAC_A" --count "$FLOOD_COUNT" --seconds 30 \
    --cpu "$SENDER_CPU" "${FLOOD_ARGS[@]}" >"$dir/sender.json" 3>&-
  if ((lanes)); then
    sleep 0.3 # the flood is on and its storm flagged: now the quiet routers speak
    lanes_routers_start "$dir"
  fi
  wait "$flood_pid"
  ((lanes)) && lanes_routers_stop
  echo "window_ns $w0 $(pl_now_ns)" >>"$dir/measures.txt"
  sleep 0.3 # let the helper drain what was logged
  {
    # The process figures first: the summary the signal asks for costs the helper CPU too.
    echo "proc_after $(pl_proc "${PL_PID[a]}")"
    echo "helper_after $(pl_helper_summary a)"
    echo "a_eth0_after $(pl_link a eth0 rx_packets) $(pl_link a eth0 tx_packets)"
    echo "p_b_after $(pl_link switch p-b tx_packets)"
    if [[ $mode == pmtud ]]; then
      echo "set_src$fam $(pl_set_size a "src$fam")"
    fi
  } >>"$dir/measures.txt"
  pl_counters a >"$dir/counters.json"
  if ((lanes)); then
    lanes_sets "$dir"
    sleep 0.2
    _capture_stop "$cap_pid"
  fi
}

ab_run() {
  local kind=$1 rep=$2 dir=$RUNS/ab-$1-$2
  mkdir -p "$dir"
  _flood_args "$kind" "$rep"
  say "A/B $kind ($rep/$REPS): $FLOOD_COUNT PTBs, every other batch to C, which has no table"
  set_mode pmtud
  pl_uninstall c
  pl_send "$dir/sender.json" --dst-mac2 "$MAC_C" --count "$FLOOD_COUNT" --seconds 30 \
    --cpu "$SENDER_CPU" "${FLOOD_ARGS[@]}"
  pl_install c "${FLOOD_LIMITS[@]}"
}

phase_idle() {
  local dir=$RUNS/idle s
  mkdir -p "$dir"
  say "idle: ${IDLE_SECONDS}s"
  set_mode pmtud
  sleep 0.5
  for s in "${COLO_SERVERS[@]}"; do echo "before $s $(pl_proc "${PL_PID[$s]}")"; done >"$dir/measures.txt"
  sleep "$IDLE_SECONDS"
  for s in "${COLO_SERVERS[@]}"; do echo "after $s $(pl_proc "${PL_PID[$s]}")"; done >>"$dir/measures.txt"
}
