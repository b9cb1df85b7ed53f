# What crossed the wire in the colo of colo.bash (which sources this file): PTB captures on the
# upstream->edge link and on every bridge port, and one report line from them.
#
#   colo_capture_start          tcpdump the PTBs on the upstream->edge link and on every bridge port
#   colo_capture_stop           stop those captures (files flushed) once A's broadcasts are all on the
#                               wire (as many as A's rules logged since the start, or 5 s)
#   colo_pcap PORT              the capture file of PORT: up, edge, a, b or c
#   colo_frames PORT STATION [DST_MAC]  pcap.py lines of PORT's capture sent by STATION
#   colo_ptb_report             one key=value line from the captures (see the function)

# ---------------------------------------------------------------------------------------------------
# Captures: PTBs only, nanosecond stamps. "up" = the upstream->edge link (captured on the edge),
# "edge", "a", "b", "c" = the bridge ports facing each station (captured in the switch namespace).

COLO_PCAP_PY=$COLO_ROOT/tests/lib/pcap.py
COLO_BCAST=ff:ff:ff:ff:ff:ff
# Only ICMPv4 3/4 and ICMPv6 2/0 (no extension headers) are captured.
COLO_PTB_FILTER='(icmp and icmp[0] == 3 and icmp[1] == 4) or (ip6 and ip6[6] == 58 and ip6[40] == 2 and ip6[41] == 0)'
COLO_CAPTURE_PIDS=()
COLO_LOGGED_AT_START=0

colo_pcap() { echo "$NS_REG/cap-$1.pcap"; }

colo_capture_start() {
  local port ns ifname file
  COLO_CAPTURE_PIDS=()
  COLO_LOGGED_AT_START=$(_colo_logged_a)
  for port in up edge "${COLO_SERVERS[@]}"; do
    if [[ $port == up ]]; then ns=edge ifname=eth0; else ns=switch ifname=p-$port; fi
    file=$(colo_pcap "$port")
    rm -f "$file"
    bg "$ns" COLO_BG_PID tcpdump -i "$ifname" -nn -U --immediate-mode --time-stamp-precision=nano -s 2048 \
      -w "$file" "$COLO_PTB_FILTER" 2>"$file.err" 3>&-
    COLO_CAPTURE_PIDS+=("$COLO_BG_PID")
    wait_for 5 grep -q 'listening on' "$file.err" || {
      cat "$file.err" >&2
      return 1
    }
  done
}

# PTBs A's rules have logged so far (0 without the table).
_colo_logged_a() {
  local v4 v6
  v4=$(colo_counter a logged4 2>/dev/null) || v4=0
  v6=$(colo_counter a logged6 2>/dev/null) || v6=0
  echo $((${v4:-0} + ${v6:-0}))
}
_colo_relayed_all() { (($(colo_frames a a "$COLO_BCAST" | wc -l) >= $(_colo_logged_a) - COLO_LOGGED_AT_START)); }

colo_capture_stop() {
  local pid
  sleep 0.2 # let the last PTBs cross the bridge
  # Then give a slow helper (a loaded machine) time to put what A logged on the wire; if it never
  # does, the report shows it.
  wait_for 5 _colo_relayed_all || true
  for pid in "${COLO_CAPTURE_PIDS[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
  for pid in "${COLO_CAPTURE_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  COLO_CAPTURE_PIDS=()
}

# pcap.py lines of PORT's capture sent by STATION (its MAC as the source), optionally only to DST.
colo_frames() { # PORT STATION [DST_MAC]
  local args=(--src "$(colo_mac "$2")")
  [[ -n ${3-} ]] && args+=(--dst "$3")
  /usr/bin/python3 "$COLO_PCAP_PY" "$(colo_pcap "$1")" "${args[@]}"
}

# One line of key=value pairs, from the captures of the last colo_capture_start/stop:
#   upstream_sent   PTBs the upstream router sent toward the VIP (upstream->edge link)
#   edge_to_a|b|c   PTBs the edge router forwarded to that server (unicast to its MAC)
#   edge_bcast      broadcast PTBs sent by the edge router (a forwarded broadcast would show here)
#   bcast_a|b|c     broadcast PTBs each server sent onto the segment
#   sent_b|c        PTB frames of any kind B and C sent (a relay or a forward would show here)
#   relayed_once    PTBs that reached A and left A as a broadcast exactly once, byte for byte
#   not_relayed     PTBs that reached A and were not re-broadcast
#   dup_or_foreign  broadcasts by A that were duplicates or matched no PTB that reached A
#   delay_us_first delay_us_min delay_us_max  PTB in at A's port -> its broadcast out, same capture
colo_ptb_report() {
  local up to_a to_b to_c edge_bc bc_a bc_b bc_c sent_b sent_c
  up=$(colo_frames up up | wc -l)
  to_a=$(colo_frames edge edge "$MAC_A" | wc -l)
  to_b=$(colo_frames edge edge "$MAC_B" | wc -l)
  to_c=$(colo_frames edge edge "$MAC_C" | wc -l)
  edge_bc=$(colo_frames edge edge "$COLO_BCAST" | wc -l)
  bc_a=$(colo_frames a a "$COLO_BCAST" | wc -l)
  bc_b=$(colo_frames b b "$COLO_BCAST" | wc -l)
  bc_c=$(colo_frames c c "$COLO_BCAST" | wc -l)
  sent_b=$(colo_frames b b | wc -l)
  sent_c=$(colo_frames c c | wc -l)
  # On A's port: "in" = unicast PTBs delivered to A, "out" = A's broadcasts; match by L3 bytes.
  local match
  match=$({
    colo_frames a edge "$MAC_A" | awk '{ print "in", $1, $5 }'
    colo_frames a a "$COLO_BCAST" | awk '{ print "out", $1, $5 }'
  } | awk '
    # Nanosecond stamps exceed a double'"'"'s 53 bits: subtract seconds and nanoseconds apart.
    function diff_ns(a, b) {
      return (substr(a, 1, length(a) - 9) - substr(b, 1, length(b) - 9)) * 1e9 + \
        (substr(a, length(a) - 8) - substr(b, length(b) - 8))
    }
    $1 == "in"  { n_in[$3]++; t_in[$3] = $2 }
    $1 == "out" { n_out[$3]++; t_out[$3] = $2; order[++k] = $3 }
    END {
      for (h in n_in) {
        if (n_out[h] == n_in[h]) once += n_in[h]
        else if (n_out[h] < n_in[h]) { once += n_out[h]; missing += n_in[h] - n_out[h] }
        else { once += n_in[h]; extra += n_out[h] - n_in[h] }
      }
      for (h in n_out) if (!(h in n_in)) extra += n_out[h]
      for (i = 1; i <= k; i++) {
        h = order[i]
        if (!(h in t_in)) continue
        d = diff_ns(t_out[h], t_in[h]) / 1000
        if (first == "") first = d
        if (min == "" || d < min) min = d
        if (max == "" || d > max) max = d
      }
      printf "relayed_once=%d not_relayed=%d dup_or_foreign=%d delay_us_first=%s delay_us_min=%s delay_us_max=%s\n",
        once, missing, extra, first == "" ? "-" : sprintf("%.0f", first),
        min == "" ? "-" : sprintf("%.0f", min), max == "" ? "-" : sprintf("%.0f", max)
    }')
  echo "upstream_sent=$up edge_to_a=$to_a edge_to_b=$to_b edge_to_c=$to_c edge_bcast=$edge_bc" \
    "bcast_a=$bc_a bcast_b=$bc_b bcast_c=$bc_c sent_b=$sent_b sent_c=$sent_c $match"
}
