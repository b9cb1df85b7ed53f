# shellcheck shell=bash
# pmtud-setup: status and check.
# Sourced by pmtud-setup; not meant to be run on its own.

# Where pmtud-helper writes its metrics: its systemd unit's runtime directory, else its default
# (node_exporter's textfile directory). status reads the first that exists.
readonly METRICS_FILES=(/run/pmtud/pmtud.prom /var/lib/prometheus/node-exporter/pmtud.prom)
readonly HELPER_NAME=pmtud-helper

# ---------------------------------------------------------------------------------------------------
# status and check: what is loaded in this network namespace, who listens on the group, one verdict.

json_str() { # STRING -> a JSON string literal
  local s
  s=$(printf '%s' "$1" | tr -d '\000-\037')
  s=${s//\\/\\\\}
  printf '"%s"' "${s//\"/\\\"}"
}

# The process owning a netlink portid: /proc/net/netlink (protocol 12 = NETLINK_NETFILTER) maps the
# portid to a socket inode, /proc/PID/fd maps the inode to a process. A socket bound with
# MNL_SOCKET_AUTOPID usually has portid = pid, the fallback when the inode is not found.
netlink_owner() { # PORTID -> prints the pid, or nothing
  local portid=$1 inode hit
  inode=$(awk -v p="$portid" 'NR > 1 && $2 == 12 && $3 == p { print $10; exit }' /proc/net/netlink)
  if [[ -n $inode && $inode != 0 ]]; then
    hit=$(find /proc/[0-9]*/fd -maxdepth 1 -lname "socket:\[$inode\]" -print -quit 2>/dev/null || true)
    if [[ $hit =~ ^/proc/([0-9]+)/ ]]; then
      echo "${BASH_REMATCH[1]}"
      return 0
    fi
  fi
  [[ -d /proc/$portid ]] && echo "$portid"
  return 0
}

# Fills the ST_* variables: everything status and check report.
collect_status() {
  ST_NETNS=$(ip netns identify 2>/dev/null || true)
  ST_NETNS_ID=$(readlink /proc/self/ns/net || true)
  ST_CONFIG_FOUND=0 ST_GROUP=33 ST_GROUP_FROM="default"
  ST_LOADED=0 ST_LISTING=""
  if table_loaded; then
    ST_LOADED=1
    ST_LISTING=$(nft list table inet pmtud 2>/dev/null || true)
  fi
  ST_RULES_GROUP="" ST_WARNING=""
  if [[ $ST_LISTING =~ log\ prefix\ \"pmtud[46]\ \"\ group\ ([0-9]+) ]]; then
    ST_RULES_GROUP=${BASH_REMATCH[1]}
  fi
  if [[ -e $OPT_CONFIG ]]; then
    read_config "$OPT_CONFIG"
    resolve_peers "$OPT_CONFIG" "$EX_CONFIG" # a broken peers list is a broken config, as for apply
    ST_CONFIG_FOUND=1 ST_GROUP=${CFG[group]} ST_GROUP_FROM="config"
    # A config edited without `apply`: the helper binds the config's group, the rules log elsewhere.
    if [[ -n $ST_RULES_GROUP && $ST_RULES_GROUP != "$ST_GROUP" ]]; then
      ST_WARNING="the loaded rules log to group $ST_RULES_GROUP, the config says $ST_GROUP: run pmtud-setup apply"
    fi
  elif [[ -n $ST_RULES_GROUP ]]; then
    ST_GROUP=$ST_RULES_GROUP ST_GROUP_FROM="loaded rules"
  fi

  ST_COUNTERS=()
  if ((ST_LOADED)); then
    mapfile -t ST_COUNTERS < <(nft list counters table inet pmtud 2>/dev/null |
      awk '$1 == "counter" { name = $2 } $1 == "packets" && name != "" { print name, $2, $4; name = "" }')
  fi
  ST_SETS=()
  local set elems size timeout
  for set in src4 src6 known4 known6; do
    ((ST_LOADED)) || break
    [[ $ST_LISTING == *"set $set {"* ]] || continue
    elems=$(nft -j list set inet pmtud "$set" 2>/dev/null | grep -o '"val":' | wc -l || true)
    size=$(nft list set inet pmtud "$set" 2>/dev/null | awk '$1 == "size" { print $2; exit }' || true)
    timeout=$(nft list set inet pmtud "$set" 2>/dev/null | awk '$1 == "timeout" { print $2; exit }' || true)
    ST_SETS+=("$set ${elems:-0} ${size:-?} ${timeout:-none}")
  done

  collect_lanes
  collect_helper_metrics

  ST_NFLOG=() ST_PID="" ST_PROC=""
  if [[ -r /proc/net/netfilter/nfnetlink_log ]]; then
    read -r -a ST_NFLOG < <(awk -v g="$ST_GROUP" '$1 == g' /proc/net/netfilter/nfnetlink_log) || true
  fi
  if ((${#ST_NFLOG[@]} >= 7)); then
    ST_PID=$(netlink_owner "${ST_NFLOG[1]}")
    [[ -n $ST_PID ]] && ST_PROC=$(cat "/proc/$ST_PID/comm" 2>/dev/null || true)
  fi

  if ((!ST_LOADED)); then
    ST_VERDICT="rules missing" ST_CODE=$EX_RULES_MISSING
  elif ((${#ST_NFLOG[@]} < 7)); then
    ST_VERDICT="no listener on group $ST_GROUP" ST_CODE=$EX_NO_LISTENER
  elif [[ $ST_PROC != "$HELPER_NAME" ]]; then
    ST_VERDICT="listener is not $HELPER_NAME" ST_CODE=$EX_FOREIGN_LISTENER
  else
    ST_VERDICT="ok" ST_CODE=$EX_OK
  fi
}

# The storm flags (set storm: element icmp for IPv4, ipv6-icmp for IPv6, with the time left), the
# peers sets' sizes and whether the loaded rules are what the config renders (their ID).
collect_lanes() {
  local text key
  ST_STORM4="" ST_STORM6="" ST_PEERS4="" ST_PEERS6="" ST_RULES_ID="" ST_RULES_CURRENT=""
  ((ST_LOADED)) || return 0
  ST_RULES_ID=$(loaded_rules_id)
  if ((ST_CONFIG_FOUND)) && [[ -n $ST_RULES_ID ]]; then
    # The ID covers everything but the peers' addresses: no need to read them here.
    if [[ $(rendered_rules_id "$(render_ruleset)") == "$ST_RULES_ID" ]]; then
      ST_RULES_CURRENT=yes
    else
      ST_RULES_CURRENT=no
      ST_WARNING=${ST_WARNING:-"the loaded rules ($ST_RULES_ID) are not what $OPT_CONFIG renders: run pmtud-setup apply"}
    fi
  fi
  text=$(nft list set inet pmtud storm 2>/dev/null | set_items || true)
  # nft lists the keys by name, or by number where /etc/protocols is missing.
  for key in icmp ipv6-icmp; do
    local left num=1
    [[ $key == ipv6-icmp ]] && num=58
    left=$(awk -v k="$key" -v n="$num" '$1 == k || $1 == n { for (i = 2; i < NF; i++) if ($i == "expires") print $(i + 1) }' <<<"$text")
    if [[ $key == icmp ]]; then ST_STORM4=${left:-no}; else ST_STORM6=${left:-no}; fi
  done
  ST_PEERS4=$(nft list set inet pmtud peers4 2>/dev/null | set_items | grep -c . || true)
  ST_PEERS6=$(nft list set inet pmtud peers6 2>/dev/null | set_items | grep -c . || true)
}

# A set's listing -> its elements, one a line (the text between "elements = {" and "}").
set_items() {
  awk '/elements = \{/ { on = 1; sub(/.*elements = \{/, "") } on { t = t " " $0 } on && /\}/ { on = 0 }
    END { sub(/\}.*/, "", t); n = split(t, e, ","); for (i = 1; i <= n; i++) { gsub(/^ +| +$/, "", e[i]); if (e[i] != "") print e[i] } }'
}

# The helper's own counters, from its metrics file (Prometheus text): fills ST_HELPER_* when the
# file exists. HM[name] sums every series of a family; dropped reasons and interfaces are listed.
collect_helper_metrics() {
  local f
  ST_METRICS="" ST_HELPER=0 ST_HELPER_AGE="" ST_HELPER_DROPS="" ST_HELPER_IFACES=""
  declare -gA HM=()
  if [[ -n $OPT_METRICS ]]; then
    ST_METRICS=$OPT_METRICS
  else
    for f in "${METRICS_FILES[@]}"; do [[ -e $f ]] && ST_METRICS=$f && break; done
    [[ -n $ST_METRICS ]] || ST_METRICS=${METRICS_FILES[-1]}
  fi
  [[ -r $ST_METRICS ]] || return 0
  ST_HELPER=1
  ST_HELPER_AGE=$(($(date +%s) - $(stat -L -c %Y "$ST_METRICS")))
  local name value
  while read -r name value; do HM[$name]=$value; done < <(awk '
    /^#/ { next }
    { split($1, p, "{"); sum[p[1]] += $NF }
    $1 ~ /^[a-z_]+\{family="ipv[46]"\}$/ { one[$1] = $NF }
    /^pmtud_peers_file_error\{/ { e = $0; sub(/^[^"]*"/, "", e); sub(/"\} [0-9.e+-]+$/, "", e); gsub(/\\"/, "\"", e); gsub(/\\\\/, "\\", e); err = e }
    /^pmtud_packets_dropped_total\{/ && $NF > 0 { match($1, /reason="[^"]*"/); drops = drops " " substr($1, RSTART + 8, RLENGTH - 9) "=" $NF }
    /^pmtud_packets_forwarded_total\{/ { match($1, /iface="[^"]*"/); i = substr($1, RSTART + 7, RLENGTH - 8)
      match($1, /family="ipv[46]"/); fam = substr($1, RSTART + 11, 1); fw[i] = fw[i] " v" fam "=" $NF
      if (!(i in seen)) { seen[i] = 1; order[++n] = i } }
    END { for (k in sum) printf "%s %d\n", k, sum[k]
          for (k in one) printf "%s %d\n", k, one[k]
          printf "peers_error %s\n", err
          printf "drops %s\n", substr(drops, 2)
          s = ""; for (j = 1; j <= n; j++) s = s (j > 1 ? ", " : "") order[j] fw[order[j]]
          printf "ifaces %s\n", s }' "$ST_METRICS")
  ST_HELPER_DROPS=${HM[drops]-} ST_HELPER_IFACES=${HM[ifaces]-}
}

hm_family() { # METRIC 4|6 -> the helper's value for that family, or -
  local v=${HM[$1\{family=\"ipv$2\"\}]-}
  echo "${v:--}"
}

utc_time() { # UNIX_SECONDS -> ISO 8601 UTC, "never" for 0, "-" when unknown
  case $1 in "" | -) echo - ;; 0) echo never ;; *) date -u -d "@$1" +%FT%TZ ;; esac
}

copy_mode_name() {
  case $1 in 0) echo none ;; 1) echo meta ;; 2) echo packet ;; *) echo unknown ;; esac
}

print_status_text() {
  local line name pkts bytes
  echo "pmtud status in network namespace ${ST_NETNS:-(unnamed)} ($ST_NETNS_ID)"
  if ((ST_CONFIG_FOUND)); then
    echo "config:  $OPT_CONFIG (group $ST_GROUP, ${CFG[mode]} mode, on ${CFG[ifaces]})"
  else
    echo "config:  $OPT_CONFIG not found (group $ST_GROUP from the $ST_GROUP_FROM)"
  fi
  if ((!ST_LOADED)); then
    echo "rules:   table inet pmtud is not loaded"
  else
    case $ST_RULES_CURRENT in
      yes) echo "rules:   table inet pmtud is loaded (rules $ST_RULES_ID, as the config renders them)" ;;
      no) echo "rules:   table inet pmtud is loaded (rules $ST_RULES_ID, NOT as the config renders them)" ;;
      *) echo "rules:   table inet pmtud is loaded${ST_RULES_ID:+ (rules $ST_RULES_ID)}" ;;
    esac
    echo "counters (nft list counters table inet pmtud):"
    printf '  %-14s %12s %14s\n' counter packets bytes
    for line in "${ST_COUNTERS[@]}"; do
      read -r name pkts bytes <<<"$line"
      printf '  %-14s %12s %14s\n' "$name" "$pkts" "$bytes"
    done
    echo "sources (nft list set inet pmtud NAME): src = per-source limit, known = the known-source lane:"
    printf '  %-6s %9s %7s %8s\n' set elements size timeout
    for line in "${ST_SETS[@]}"; do
      # shellcheck disable=SC2086 # fields are single words
      printf '  %-6s %9s %7s %8s\n' $line
    done
    echo "storm flags (nft list set inet pmtud storm; set = no learning, new sources share the ceiling):"
    print_storm 4 "$ST_STORM4"
    print_storm 6 "$ST_STORM6"
    echo "peers (nft list set inet pmtud peers4/peers6): $ST_PEERS4 IPv4, $ST_PEERS6 IPv6"
  fi
  if ((ST_HELPER)); then
    echo "helper counters ($ST_METRICS, written ${ST_HELPER_AGE} s ago):"
    printf '  %-14s %12s%s\n' received "${HM[pmtud_packets_received_total]:-0}" \
      "  (kernel logged4 + logged6: $(kernel_logged))"
    printf '  %-14s %12s%s\n' forwarded "${HM[pmtud_packets_forwarded_total]:-0}" "${ST_HELPER_IFACES:+  ($ST_HELPER_IFACES)}" \
      dropped "${HM[pmtud_packets_dropped_total]:-0}" "${ST_HELPER_DROPS:+  ($ST_HELPER_DROPS)}"
    printf '  %-14s %12s\n' nflog_lost "${HM[pmtud_nflog_lost_total]:-0}" send_errors "${HM[pmtud_send_errors_total]:-0}"
    printf '  %-14s %12s  (IPv4 %s, IPv6 %s)\n' peers_in_use "${HM[pmtud_peers]:-0}" "$(hm_family pmtud_peers 4)" \
      "$(hm_family pmtud_peers 6)" peer_copies "${HM[pmtud_peer_copies_total]:-0}" \
      "$(hm_family pmtud_peer_copies_total 4)" "$(hm_family pmtud_peer_copies_total 6)" \
      peer_errors "${HM[pmtud_peer_send_errors_total]:-0}" "$(hm_family pmtud_peer_send_errors_total 4)" \
      "$(hm_family pmtud_peer_send_errors_total 6)"
    echo "  peers file: last loaded $(utc_time "${HM[pmtud_peers_file_last_load_timestamp_seconds]-}"), last failed $(utc_time "${HM[pmtud_peers_file_last_error_timestamp_seconds]-}")${HM[peers_error]:+: ${HM[peers_error]}}"
  else
    echo "helper counters: no metrics file at $ST_METRICS (pmtud-helper --metrics-file; status --metrics-file)"
  fi
  echo "NFLOG group $ST_GROUP in this namespace (/proc/net/netfilter/nfnetlink_log):"
  if ((${#ST_NFLOG[@]} < 7)); then
    echo "  not bound: no process listens on group $ST_GROUP"
  else
    local -a f=("${ST_NFLOG[@]}")
    local owner=${ST_PID:+$ST_PID ${ST_PROC:-?}}
    printf '  %-6s %-8s %-22s %5s %-11s %10s %-14s %3s\n' group portid process qlen copy_mode copy_range \
      flushtimeout use
    printf '  %-6s %-8s %-22s %5s %-11s %10s %-14s %3s\n' "${f[0]}" "${f[1]}" "${owner:-unknown}" "${f[2]}" \
      "${f[3]} ($(copy_mode_name "${f[3]}"))" "${f[4]}" "${f[5]} ($((f[5] / 100)).$(printf '%02d' $((f[5] % 100))) s)" "${f[6]}"
  fi
  if [[ -n $ST_WARNING ]]; then echo "warning: $ST_WARNING"; fi
  echo "verdict: $ST_VERDICT"
}

print_storm() { # 4|6 TIME_LEFT|no
  local since
  since=$(hm_family pmtud_kernel_storm_since_timestamp_seconds "$1")
  if [[ $2 == no ]]; then
    printf '  IPv%s  no\n' "$1"
  else
    printf '  IPv%s  SET, expires in %s%s\n' "$1" "$2" \
      "$([[ $since != - && $since != 0 ]] && echo ", since $(utc_time "$since") (the helper's reading)")"
  fi
}

kernel_logged() { # the sum of the logged4 and logged6 counters, or "-" without rules
  local line name pkts sum=0 found=0
  for line in "${ST_COUNTERS[@]}"; do
    read -r name pkts _ <<<"$line"
    [[ $name == logged4 || $name == logged6 ]] && sum=$((sum + pkts)) found=1
  done
  if ((found)); then echo "$sum"; else echo "-"; fi
}

print_status_json() {
  local line name pkts bytes set elems size timeout sep=""
  printf '{"netns":{"name":%s,"id":%s},' "$(json_str "$ST_NETNS")" "$(json_str "$ST_NETNS_ID")"
  printf '"config":{"path":%s,"found":%s},' "$(json_str "$OPT_CONFIG")" "$( ((ST_CONFIG_FOUND)) && echo true || echo false)"
  printf '"rules_group":%s,"warning":%s,' "${ST_RULES_GROUP:-null}" \
    "$([[ -n $ST_WARNING ]] && json_str "$ST_WARNING" || echo null)"
  printf '"group":%s,"group_from":%s,"rules_loaded":%s,"counters":{' "$ST_GROUP" "$(json_str "$ST_GROUP_FROM")" \
    "$( ((ST_LOADED)) && echo true || echo false)"
  for line in "${ST_COUNTERS[@]}"; do
    read -r name pkts bytes <<<"$line"
    printf '%s%s:{"packets":%s,"bytes":%s}' "$sep" "$(json_str "$name")" "$pkts" "$bytes"
    sep=,
  done
  printf '},"sets":{'
  sep=""
  for line in "${ST_SETS[@]}"; do
    read -r set elems size timeout <<<"$line"
    printf '%s%s:{"elements":%s,"size":%s,"timeout":%s}' "$sep" "$(json_str "$set")" "$elems" \
      "$([[ $size =~ ^[0-9]+$ ]] && echo "$size" || echo null)" "$(json_str "$timeout")"
    sep=,
  done
  printf '},"storm":{"ipv4":%s,"ipv6":%s},"peers":{"ipv4":%s,"ipv6":%s},"rules_id":%s,"rules_current":%s,"nflog":' \
    "$(storm_json 4 "$ST_STORM4")" "$(storm_json 6 "$ST_STORM6")" "${ST_PEERS4:-null}" "${ST_PEERS6:-null}" \
    "$([[ -n $ST_RULES_ID ]] && json_str "$ST_RULES_ID" || echo null)" \
    "$(case $ST_RULES_CURRENT in yes) echo true ;; no) echo false ;; *) echo null ;; esac)"
  if ((${#ST_NFLOG[@]} < 7)); then
    printf 'null'
  else
    local -a f=("${ST_NFLOG[@]}")
    printf '{"group":%s,"portid":%s,"pid":%s,"process":%s,"qlen":%s,"copy_mode":%s,"copy_mode_name":%s,' \
      "${f[0]}" "${f[1]}" "${ST_PID:-null}" "$([[ -n $ST_PROC ]] && json_str "$ST_PROC" || echo null)" \
      "${f[2]}" "${f[3]}" "$(json_str "$(copy_mode_name "${f[3]}")")"
    printf '"copy_range":%s,"flushtimeout":%s,"use":%s}' "${f[4]}" "${f[5]}" "${f[6]}"
  fi
  printf ',"helper":'
  if ((ST_HELPER)); then
    printf '{"metrics_file":%s,"age_s":%s,"received":%s,"forwarded":%s,"dropped":%s,"nflog_lost":%s,"send_errors":%s' \
      "$(json_str "$ST_METRICS")" "$ST_HELPER_AGE" "${HM[pmtud_packets_received_total]:-0}" \
      "${HM[pmtud_packets_forwarded_total]:-0}" "${HM[pmtud_packets_dropped_total]:-0}" \
      "${HM[pmtud_nflog_lost_total]:-0}" "${HM[pmtud_send_errors_total]:-0}"
    printf ',"peers":{"ipv4":%s,"ipv6":%s},"peer_copies":%s,"peer_send_errors":%s' \
      "$(json_num "$(hm_family pmtud_peers 4)")" "$(json_num "$(hm_family pmtud_peers 6)")" \
      "${HM[pmtud_peer_copies_total]:-0}" "${HM[pmtud_peer_send_errors_total]:-0}"
    printf ',"peers_file":{"last_load":%s,"last_error_at":%s,"error":%s}}' \
      "$(json_num "${HM[pmtud_peers_file_last_load_timestamp_seconds]-}")" \
      "$(json_num "${HM[pmtud_peers_file_last_error_timestamp_seconds]-}")" \
      "$([[ -n ${HM[peers_error]-} ]] && json_str "${HM[peers_error]}" || echo null)"
  else
    printf 'null'
  fi
  printf ',"verdict":%s,"exit":%s}\n' "$(json_str "$ST_VERDICT")" "$ST_CODE"
}

json_num() { if [[ $1 =~ ^[0-9]+$ ]]; then echo "$1"; else echo null; fi; }

storm_json() { # 4|6 TIME_LEFT|no
  local since
  since=$(hm_family pmtud_kernel_storm_since_timestamp_seconds "$1")
  if [[ $2 == no ]]; then
    printf '{"set":false,"expires_in":null,"since":null}'
  else
    printf '{"set":true,"expires_in":%s,"since":%s}' "$(json_str "$2")" "$(json_num "$since")"
  fi
}

cmd_status() {
  parse_common status --config --json --metrics-file -- "$@"
  need_root status
  collect_status
  if ((OPT_JSON)); then print_status_json; else print_status_text; fi
  return "$ST_CODE"
}

cmd_check() {
  parse_common check --config -- "$@"
  need_root check
  collect_status
  echo "$ST_VERDICT"
  # check only asks whether the rules are loaded and someone listens: any listener will do.
  ((ST_CODE == EX_FOREIGN_LISTENER)) && return "$EX_OK"
  return "$ST_CODE"
}
