# Shared pieces of the pmtud-helper integration tests (sourced after netns.bash).
# shellcheck disable=SC2034  # variables used by the bats files that source this
#
#   relay_topology        namespaces rtr, h, obs on a bridge br0 (in namespace sw):
#                           rtr r0 $R_MAC    the router that sends PTBs (unicast to h)
#                           h   h0 $H_MAC    runs the rules and pmtud-helper; owns the VIP on lo
#                           obs o0 $O_MAC    another server on the segment: sees the broadcasts
#   helper_start NS LOG ARGS...   start pmtud-helper in NS (stderr to LOG), wait until it has bound
#                                 its group; sets HELPER_PID. Fails if it exits instead.
#   helper_stop           SIGTERM and wait; sets HELPER_RC
#   capture_start NS IF FILE [FILTER...]  tcpdump -w FILE: nanosecond stamps, a 16 MiB buffer of
#                                 2048-byte slots (any frame of a 1500-byte link), only frames
#                                 matching the pcap FILTER if one is given; sets CAPTURE_PID
#   capture_stop          stop the capture, flushing FILE
#   decisions LOG         number of per-packet lines (forwarded or dropped) in LOG
#   wait_decisions LOG N  wait until LOG holds N per-packet lines (needs -vv)
#   send_ptb ARGS...      ptb.py send from rtr to h's MAC, ARGS added
#   ptb_hex ARGS...       the L3 bytes ptb.py would send with ARGS
#   bcast_frames FILE SRC_MAC     broadcast frames from SRC_MAC in FILE (pcap.py lines)
#   summary LOG           the last summary line in LOG

PMTUD_ROOT=${PMTUD_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
HELPER="$PMTUD_ROOT/${BUILD:-build}/pmtud-helper"
SETUP="$PMTUD_ROOT/scripts/pmtud-setup"
PTB_PY="$PMTUD_ROOT/tests/lib/ptb.py"
PCAP_PY="$PMTUD_ROOT/tests/lib/pcap.py"
PY=/usr/bin/python3
R_MAC=02:00:00:00:00:01 H_MAC=02:00:00:00:00:02 O_MAC=02:00:00:00:00:03
BCAST=ff:ff:ff:ff:ff:ff

relay_topology() {
  local n
  for n in sw rtr h obs; do ns_add "$n"; done
  nsx sw ip link add br0 type bridge
  nsx sw ip link set br0 up
  veth rtr r0 sw p-rtr
  veth h h0 sw p-h
  veth obs o0 sw p-obs
  for n in p-rtr p-h p-obs; do nsx sw ip link set "$n" master br0; done
  nsx rtr ip link set r0 address "$R_MAC"
  nsx h ip link set h0 address "$H_MAC"
  nsx obs ip link set o0 address "$O_MAC"
  nsx h ip addr add 203.0.113.10/32 dev lo
  nsx h ip addr add 2001:db8:ff::10/128 dev lo nodad
}

helper_start() {
  local ns=$1 log=$2
  shift 2
  : >"$log"
  bg "$ns" HELPER_PID "$HELPER" "$@" 2>"$log" 3>&-
  # "started:" is logged once the group is bound and the loop is about to run.
  wait_for 5 _helper_up "$log" || {
    cat "$log" >&2
    return 1
  }
}
_helper_up() {
  grep -q 'pmtud-helper: started:' "$1" && return 0
  kill -0 "$HELPER_PID" 2>/dev/null || return 2
  return 1
}

helper_stop() {
  kill -TERM "$HELPER_PID"
  HELPER_RC=0
  wait "$HELPER_PID" || HELPER_RC=$?
}

capture_start() {
  local ns=$1 ifname=$2 file=$3
  shift 3
  bg "$ns" CAPTURE_PID tcpdump -i "$ifname" -nn -U --immediate-mode --time-stamp-precision=nano -B 16384 -s 2048 \
    -w "$file" "$@" 2>"$file.err" 3>&-
  wait_for 5 grep -q 'listening on' "$file.err"
}

capture_stop() {
  sleep 0.2 # let the last frames cross the bridge
  kill -INT "$CAPTURE_PID"
  wait "$CAPTURE_PID" || true
}

decisions() { grep -cE ' (forwarded|dropped) reason=' "$1" || true; }
_decisions_at_least() { (($(decisions "$1") >= $2)); }
wait_decisions() { wait_for 5 _decisions_at_least "$1" "$2"; }

send_ptb() { nsx rtr "$PY" "$PTB_PY" send --iface r0 --dst-mac "$H_MAC" "$@" 2>/dev/null; }
ptb_hex() { "$PY" "$PTB_PY" hex "$@"; }

bcast_frames() { "$PY" "$PCAP_PY" "$1" --dst "$BCAST" --src "$2"; }

summary() { grep 'pmtud-helper: summary' "$1" | tail -n 1; }
