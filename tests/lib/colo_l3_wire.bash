# What crossed the wire in the L3 colo of colo_l3.bash (which sources this file): PTB captures on the
# upstream->leaf link, on each of the leaf's server-facing ports and on each server's lo, and one
# report line from them.
#
#   colo_capture_start          tcpdump the PTBs there
#   colo_capture_stop           stop those captures (files flushed) once every PTB the servers' rules
#                               logged since the start has left as copies to that server's peers (or
#                               after 5 s), and 0.2 s more to catch any copy too many
#   colo_pcap PORT              the capture file of PORT: up, a, b, c (leaf ports), lo-a, lo-b, lo-c
#   colo_copy_report [4|6]      one key=value line from the captures, optionally for one family only
#                               (see the function)

COLO_PEER_COPIES_PY=$COLO_ROOT/tests/lib/peer_copies.py
# Only ICMPv4 3/4 and ICMPv6 2/0 (no extension headers) are captured.
COLO_PTB_FILTER='(icmp and icmp[0] == 3 and icmp[1] == 4) or (ip6 and ip6[6] == 58 and ip6[40] == 2 and ip6[41] == 0)'
COLO_CAPTURE_PIDS=()
declare -gA COLO_LOGGED_AT_START=()

colo_pcap() { echo "$NS_REG/cap-$1.pcap"; }

colo_capture_start() {
  local port ns ifname file s
  COLO_CAPTURE_PIDS=()
  for s in "${COLO_SERVERS[@]}"; do
    COLO_LOGGED_AT_START[$s]="$(_colo_logged "$s" 4) $(_colo_logged "$s" 6)"
  done
  for port in up "${COLO_SERVERS[@]}" "${COLO_SERVERS[@]/#/lo-}"; do
    case $port in
      up) ns=leaf ifname=eth0 ;;
      lo-*) ns=${port#lo-} ifname=lo ;;
      *) ns=leaf ifname=p-$port ;;
    esac
    file=$(colo_pcap "$port")
    rm -f "$file"
    bg "$ns" COLO_BG_PID tcpdump -i "$ifname" -nn -U --immediate-mode --time-stamp-precision=nano -s 2048 \
      -w "$file" "$COLO_PTB_FILTER" 2>"$file.err" 3>&-
    COLO_CAPTURE_PIDS+=("$COLO_BG_PID")
  done
  # Started side by side, then each waited for: seven captures in the time of one.
  for port in up "${COLO_SERVERS[@]}" "${COLO_SERVERS[@]/#/lo-}"; do
    file=$(colo_pcap "$port")
    wait_for 5 grep -q 'listening on' "$file.err" || {
      cat "$file.err" >&2
      return 1
    }
  done
}

# PTBs SRV's rules have logged so far in family FAM (0 without the table).
_colo_logged() { # SRV 4|6
  local v
  v=$(colo_counter "$1" "logged$2" 2>/dev/null) || v=0
  echo "${v:-0}"
}

# How many peers of family FAM SRV sends copies to: its list without its own address.
_colo_peer_count() { # SRV 4|6
  local conf=$NS_REG/pmtud-$1.conf own
  [[ -f $conf ]] || {
    echo 0
    return
  }
  own=$(colo_addr "$1" "$2")
  nsx "$1" "$COLO_HELPER" --list-peers --config "$conf" 2>/dev/null |
    awk -v fam="$2" -v own="$own" '$1 != own && ((fam == 6) == ($1 ~ /:/)) { n++ } END { print n + 0 }'
}

# Copies the servers should have sent since colo_capture_start.
_colo_copies_due() {
  local s fam n=0 before
  for s in "${COLO_SERVERS[@]}"; do
    read -r -a before <<<"${COLO_LOGGED_AT_START[$s]:-0 0}"
    for fam in 4 6; do
      n=$((n + ($(_colo_logged "$s" "$fam") - before[fam == 4 ? 0 : 1]) * $(_colo_peer_count "$s" "$fam")))
    done
  done
  echo "$n"
}

_colo_copies_sent() {
  local s n=0
  for s in "${COLO_SERVERS[@]}"; do
    n=$((n + $(/usr/bin/python3 "$COLO_ROOT/tests/lib/pcap.py" "$(colo_pcap "$s")" --src "$(colo_mac "$s")" | wc -l)))
  done
  echo "$n"
}

_colo_copies_out() { (($(_colo_copies_sent) >= $1)); }

colo_capture_stop() {
  local pid due
  sleep 0.1 # let the last PTBs reach the servers
  due=$(_colo_copies_due)
  # Give a slow helper (a loaded machine) time to put its copies on the wire; if it never does, the
  # report shows it. Then a little longer, so a copy too many (a relayed copy) is caught too.
  wait_for 5 _colo_copies_out "$due" || true
  sleep 0.2
  for pid in "${COLO_CAPTURE_PIDS[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
  for pid in "${COLO_CAPTURE_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  COLO_CAPTURE_PIDS=()
}

# One line of key=value pairs from the captures of the last colo_capture_start/stop (X, Y: a, b, c):
#   upstream_sent      PTBs the upstream router sent toward the VIP (upstream->leaf link)
#   to_X               PTBs to the VIP the leaf delivered to X
#   sent_X             PTB frames of any kind X sent (copies included)
#   copies_X_Y         PTBs X sent to Y's unicast address
#   exact_X_Y          PTBs delivered to X that X copied to Y exactly once, with the same ICMP message
#                      (byte for byte; ICMPv6: but the checksum, which must be right for the new header)
#   missing_X_Y        PTBs delivered to X that X did not copy to Y
#   foreign_X          X's copies that match no PTB delivered to X (a relayed copy), or duplicates,
#                      or an ICMPv6 copy with a wrong checksum
#   badsrc_X           X's copies whose source is not X's own address
#   other_X            PTBs X sent to anything but a peer's address (a broadcast, the VIP, itself)
#   self_X             PTBs seen on X's lo (a copy X sent to itself)
#   delivered_X_Y      X's copies the leaf delivered to Y
#   delay_us_first delay_us_min delay_us_max  PTB in at a server's port -> its copy out of that port,
#                      same capture: the first PTB's first copy, and the range over every copy
colo_copy_report() { # [4|6]
  local args=() s
  [[ -n ${1-} ]] && args+=(--family "$1")
  for s in "${COLO_SERVERS[@]}"; do
    args+=(--server "$s,$(colo_mac "$s"),$(colo_addr "$s" 4),$(colo_addr "$s" 6),$(colo_mac "leaf-$s"),$(colo_pcap "$s"),$(colo_pcap "lo-$s")")
  done
  /usr/bin/python3 "$COLO_PEER_COPIES_PY" --vip4 "$COLO_VIP4" --vip6 "$COLO_VIP6" --up "$(colo_pcap up)" \
    --up-mac "$MAC_UP" "${args[@]}"
}
