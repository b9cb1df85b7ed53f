# Pieces of the pipeline benchmark (bench/pipeline/run), sourced after tests/lib/netns.bash and
# tests/lib/colo.bash. pmtud runs on the colo's servers A, B and C with the production verbosity
# (0: no per-packet log line on the hot path); PTBs are sent by bench/ptb-send from the edge
# router's namespace, unicast to A's MAC, as the edge would forward them.
#
#   pl_install SRV ARGS...      pmtud-setup install --iface eth0 ARGS on SRV (fresh table: counters,
#                               sets and limits start from zero)
#   pl_uninstall SRV            remove SRV's table (and config file)
#   pl_helper_start SRV         start pmtud-helper on SRV with its config file (and the options in
#                               PL_HELPER_ARGS); PL_PID[SRV]
#   pl_helper_reload SRV        SIGHUP (re-read limits and rates) and wait until it has
#   pl_helper_summary SRV       SIGUSR1 and print the new summary line
#   pl_helper_stop SRV          SIGTERM and wait (its summary line ends its log)
#   pl_proc PID                 "ticks ns hwm_kib rss_kib vol_ctxsw" of a process: utime+stime in
#                               USER_HZ ticks (/proc/PID/stat), on-CPU ns (/proc/PID/schedstat),
#                               VmHWM, VmRSS, voluntary context switches (/proc/PID/status)
#   pl_cpu_busy                 the machine's busy and total ticks (/proc/stat, all CPUs)
#   pl_link NS IF FIELD         /sys/class/net/IF/statistics/FIELD in NS
#   pl_send OUT ARGS...         bench/ptb-send from the edge to A's MAC, JSON into OUT
#   pl_counters SRV             SRV's table's counters as nft JSON ({} without the table)
#   pl_counter SRV NAME         the packets of one of SRV's counters
#   pl_set_json SRV NAME        SRV's set NAME as nft JSON; pl_set_size SRV NAME: its elements
#   pl_now_ns                   CLOCK_REALTIME in ns (the window a flood's bounds are computed over)

PL_SEND=$COLO_ROOT/$COLO_BUILD/bench/ptb-send
# shellcheck disable=SC2034 # used by phases.bash
PL_FLOOR=$COLO_ROOT/$COLO_BUILD/bench/nflog-floor
declare -A PL_PID=()
PL_HELPER_ARGS=() # more pmtud-helper options, for every helper started

pl_conf() { echo "$NS_REG/pmtud-$1.conf"; }
pl_log() { echo "$NS_REG/helper-$1.log"; }

pl_install() {
  local srv=$1
  shift
  nsx "$srv" "$COLO_SETUP" install --iface eth0 --config "$(pl_conf "$srv")" "$@" >/dev/null
}

pl_uninstall() { nsx "$1" "$COLO_SETUP" uninstall --config "$(pl_conf "$1")" >/dev/null 2>&1 || true; }

pl_helper_start() {
  local srv=$1 log
  log=$(pl_log "$srv")
  : >"$log"
  bg "$srv" COLO_BG_PID "$COLO_HELPER" --config "$(pl_conf "$srv")" "${PL_HELPER_ARGS[@]}" 2>"$log" 3>&-
  PL_PID[$srv]=$COLO_BG_PID
  wait_for 5 _colo_helper_up "$log" "$COLO_BG_PID" || {
    echo "bench: pmtud-helper did not start on $srv:" >&2
    cat "$log" >&2
    return 1
  }
}

_pl_count() { grep -c "$2" "$1" || true; }
_pl_more() { (($(_pl_count "$1" "$2") > $3)); }

pl_helper_reload() {
  local log n
  log=$(pl_log "$1")
  n=$(_pl_count "$log" 'pmtud-helper: reloaded')
  kill -HUP "${PL_PID[$1]}"
  wait_for 5 _pl_more "$log" 'pmtud-helper: reloaded' "$n"
}

pl_helper_summary() {
  local log n
  log=$(pl_log "$1")
  n=$(_pl_count "$log" 'pmtud-helper: summary')
  kill -USR1 "${PL_PID[$1]}"
  wait_for 5 _pl_more "$log" 'pmtud-helper: summary' "$n"
  grep 'pmtud-helper: summary' "$log" | tail -n 1
}

pl_helper_stop() {
  kill -TERM "${PL_PID[$1]}" 2>/dev/null || true
  wait "${PL_PID[$1]}" 2>/dev/null || true
}

pl_proc() { # PID
  local pid=$1 stat ticks ns
  stat=$(<"/proc/$pid/stat")
  stat=${stat##*) } # fields from 3 on; comm may hold spaces
  read -r -a f <<<"$stat"
  ticks=$((f[11] + f[12])) # utime stime (fields 14 and 15)
  read -r ns _ <"/proc/$pid/schedstat"
  awk -v t="$ticks" -v ns="$ns" '
    $1 == "VmHWM:" { hwm = $2 } $1 == "VmRSS:" { rss = $2 } $1 == "voluntary_ctxt_switches:" { v = $2 }
    END { print t, ns, hwm, rss, v }' "/proc/$pid/status"
}

pl_cpu_busy() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9; exit }' /proc/stat; }

pl_link() { nsx "$1" cat "/sys/class/net/$2/statistics/$3"; }

pl_send() {
  local out=$1
  shift
  nsx edge "$PL_SEND" --iface eth1 --dst-mac "$MAC_A" "$@" >"$out"
}

pl_counters() { nsx "$1" nft -j list counters table inet pmtud 2>/dev/null || echo '{}'; }
pl_counter() { nsx "$1" nft list counter inet pmtud "$2" | awk '$1 == "packets" { print $2 }'; }
pl_set_json() { nsx "$1" nft -j list set inet pmtud "$2" 2>/dev/null || echo '{}'; }
pl_now_ns() { date +%s%N; }

pl_set_size() { nsx "$1" nft list set inet pmtud "$2" 2>/dev/null | grep -o 'expires' | wc -l; }
