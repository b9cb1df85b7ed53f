# shellcheck shell=bash
# pmtud-setup: configuration values, the config file (read and rendered).
# Sourced by pmtud-setup; not meant to be run on its own.

# ---------------------------------------------------------------------------------------------------
# Values: each validator sets NORM to the normalized value, or returns 1 with a reason in REASON.

NORM="" REASON=""
# Rates (N of N/unit), bursts and the helper's counts: the same bound as pmtud-helper's parser. The
# group is a u16 (nft 1.0.6 silently wraps 65536 to 0); check_limits catches the rate and burst pairs
# whose kernel token count (burst x unit / rate, in ns) would overflow 64 bits.
readonly MAX_RATE=1000000 MAX_BURST=1000000 MAX_IFACE_RATE=1000000

norm_uint() { # VALUE MIN MAX
  local v=$1
  if [[ ! $v =~ ^[0-9]{1,10}$ ]] || ((10#$v < $2 || 10#$v > $3)); then
    REASON="'$v' is not a whole number in $2..$3"
    return 1
  fi
  NORM=$((10#$v))
}

norm_rate() { # N/second|minute|hour|day (a bare N means N/second)
  local v=$1 n
  if [[ $v =~ ^([0-9]{1,10})(/(second|minute|hour|day))?$ ]]; then
    n=$((10#${BASH_REMATCH[1]}))
    if ((n >= 1 && n <= MAX_RATE)); then
      NORM="$n/${BASH_REMATCH[3]:-second}"
      return 0
    fi
  fi
  REASON="'$v' is not a rate N/second|minute|hour|day with N in 1..$MAX_RATE"
  return 1
}

norm_word() { # VALUE WORD... : VALUE must be one of the words
  local v=$1 w
  shift
  for w in "$@"; do [[ $v == "$w" ]] && NORM=$v && return 0; done
  REASON="'$v' is not one of: $*"
  return 1
}

norm_bool() { # yes|true|on|1 -> yes, no|false|off|0 -> no (the words pmtud-helper accepts)
  case $1 in
    yes | true | on | 1) NORM=yes ;;
    no | false | off | 0) NORM=no ;;
    *) REASON="'$1' is not yes or no (or true/false, on/off, 1/0)" && return 1 ;;
  esac
}

# Linux accepts 1..15 bytes, not . or .., without '/', ':' or whitespace. Also refused here: ',' and
# '#' (the config's list separator and comment), '"' and '\' (nft string quoting), '*' (an nft
# wildcard), and anything outside printable ASCII.
valid_iface() {
  local n=$1 LC_ALL=C
  [[ ${#n} -ge 1 && ${#n} -le 15 && $n != . && $n != .. && $n =~ ^[!-~]+$ && $n != *[/:,#\"\\*]* ]]
}

norm_ifaces() { # comma list (spaces around names ignored) -> comma list without duplicates, order kept
  local list=$1 out=() name seen
  if [[ -z $list || $list =~ ,[[:space:]]*$ || $list =~ ^[[:space:]]*, || $list =~ ,[[:space:]]*, ]]; then
    REASON="'$list' has an empty interface name"
    return 1
  fi
  local IFS=,
  for name in $list; do
    name=$(trim "$name")
    if ! valid_iface "$name"; then
      REASON="'$name' is not a valid interface name (1..15 printable characters, none of / : , # \" \\ *, not . or ..)"
      return 1
    fi
    for seen in "${out[@]}"; do [[ $seen == "$name" ]] && continue 2; done
    out+=("$name")
  done
  NORM="${out[*]}"
}

norm_ports() { # "" | N | lo-hi, comma separated (spaces around items ignored), 0..65535
  local list=$1 item out=() lo hi
  NORM=""
  [[ -z $list ]] && return 0
  if [[ $list =~ ,[[:space:]]*$ || $list =~ ^[[:space:]]*, || $list =~ ,[[:space:]]*, ]]; then
    REASON="'$list' has an empty item"
    return 1
  fi
  local IFS=,
  for item in $list; do
    item=$(trim "$item")
    if [[ $item =~ ^([0-9]{1,5})(-([0-9]{1,5}))?$ ]]; then
      lo=$((10#${BASH_REMATCH[1]}))
      hi=$((10#${BASH_REMATCH[3]:-$lo}))
      if ((lo <= hi && hi <= 65535)); then
        if [[ -n ${BASH_REMATCH[2]} ]]; then out+=("$lo-$hi"); else out+=("$lo"); fi
        continue
      fi
    fi
    REASON="'$item' is not a port 0..65535 or a range lo-hi with lo <= hi"
    return 1
  done
  NORM="${out[*]}"
}

norm_auto_uint() { # auto | VALUE in MIN..MAX
  if [[ $1 == auto ]]; then
    NORM=auto
  else
    norm_uint "$@" || {
      REASON="${REASON/is not a whole number/is not auto or a whole number}"
      return 1
    }
  fi
}

norm_duration() { # N followed by one unit s|m|h|d (nft's timeout syntax), between MIN and MAX seconds
  local v=$1 min=$2 max=$3 n secs
  if [[ $v =~ ^([0-9]{1,7})([smhd])$ ]]; then
    n=$((10#${BASH_REMATCH[1]}))
    case ${BASH_REMATCH[2]} in s) secs=$n ;; m) secs=$((n * 60)) ;; h) secs=$((n * 3600)) ;; d) secs=$((n * 86400)) ;; esac
    if ((secs >= min && secs <= max)); then
      NORM="$n${BASH_REMATCH[2]}"
      return 0
    fi
  fi
  REASON="'$v' is not a duration N followed by s, m, h or d, from $(human_seconds "$min") to $(human_seconds "$max")"
  return 1
}

human_seconds() { # 86400 -> 1d, 3600 -> 1h, 60 -> 1m, else Ns
  local s=$1
  if ((s % 86400 == 0)); then echo "$((s / 86400))d"; elif ((s % 3600 == 0)); then echo "$((s / 3600))h"
  elif ((s % 60 == 0)); then echo "$((s / 60))m"; else echo "${s}s"; fi
}

# The peers list: its syntax only (comma-separated items, none empty). pmtud-helper --list-peers is
# the one parser of the addresses themselves (check_peers).
norm_peers() {
  local list=$1 item out=()
  NORM=""
  [[ -z $list ]] && return 0
  if [[ $list =~ ,[[:space:]]*$ || $list =~ ^[[:space:]]*, || $list =~ ,[[:space:]]*, ]]; then
    REASON="'$list' has an empty item"
    return 1
  fi
  local IFS=,
  for item in $list; do out+=("$(trim "$item")"); done
  NORM="${out[*]}"
}

norm_path() { # any path; a relative one is relative to the config file's directory (as the helper reads it)
  NORM=$1
}

# Validates one config key and stores its normalized value in CFG; returns 1 with REASON set.
declare -A CFG=()
set_key() { # KEY VALUE
  local key=$1 value=$2
  case $key in
    group) norm_uint "$value" 0 65535 ;;
    ifaces) norm_ifaces "$value" ;;
    mode) norm_word "$value" host router ;;
    src_rate | ceiling_rate | known_ceiling_rate | learn_rate) norm_rate "$value" ;;
    src_burst | ceiling_burst | known_ceiling_burst | learn_burst) norm_uint "$value" 1 "$MAX_BURST" ;;
    v6_prefix) norm_uint "$value" 1 128 ;;
    known_timeout) norm_duration "$value" 1 $((30 * 86400)) ;;
    known_size) norm_uint "$value" 1 65536 ;;
    storm_timeout) norm_duration "$value" 1 3600 ;;
    strict | use_src | broadcast) norm_bool "$value" ;;
    ports) norm_ports "$value" ;;
    iface_rate | iface_burst | peer_rate | peer_burst) norm_auto_uint "$value" 1 "$MAX_IFACE_RATE" ;;
    verbose) norm_uint "$value" 0 3 ;;
    peers) norm_peers "$value" ;;
    peers_file) norm_path "$value" ;;
    *) REASON="unknown key '$key'" && false ;;
  esac || return 1
  CFG[$key]=$NORM
}

# The kernel keeps a limit's bucket as burst x (unit / rate) nanoseconds in 64 bits (nft_limit_init
# refuses an overflow with EOVERFLOW); refuse such pairs here with a clear message instead. Also the
# one rule across keys: without broadcast, peers are the only way out.
check_limits() {
  local pair rate burst opts n unit cost
  for pair in "src_rate src_burst --src-rate/--src-burst" "ceiling_rate ceiling_burst --ceiling/--ceiling-burst" \
    "known_ceiling_rate known_ceiling_burst --known-ceiling/--known-ceiling-burst" \
    "learn_rate learn_burst --learn-rate/--learn-burst"; do
    read -r rate burst opts <<<"$pair"
    n=${CFG[$rate]%/*} unit=$(unit_seconds "${CFG[$rate]#*/}")
    cost=$((unit * 1000000000 / n))
    if ((CFG[$burst] > 0x7fffffffffffffff / cost)); then
      REASON="$opts: a burst of ${CFG[$burst]} at ${CFG[$rate]} overflows the kernel's 64-bit token count; lower the burst or raise the rate"
      return 1
    fi
  done
  if [[ ${CFG[broadcast]} == no && -z ${CFG[peers]} && -z ${CFG[peers_file]} ]]; then
    REASON="broadcast = no needs peers or peers_file (--no-broadcast needs --peers or --peers-file)"
    return 1
  fi
}

set_defaults() {
  CFG=([group]=33 [ifaces]="" [mode]=host [src_rate]=1/second [src_burst]=2 [v6_prefix]=64
    [ceiling_rate]=100/second [ceiling_burst]=50 [known_ceiling_rate]=100/second
    [known_ceiling_burst]=50 [known_timeout]=1d [known_size]=4096 [learn_rate]=10/minute
    [learn_burst]=5 [storm_timeout]=10s [strict]=no [ports]="" [iface_rate]=auto
    [iface_burst]=auto [use_src]=no [verbose]=0 [broadcast]=yes [peers]="" [peers_file]=""
    [peer_rate]=auto [peer_burst]=auto)
}

# ---------------------------------------------------------------------------------------------------
# The config file: `key = value` lines, `#` comments, blank lines ignored, unknown keys are errors,
# a key given twice takes its last value (as pmtud-helper's parser does).

read_config() { # PATH: fills CFG on top of the defaults; exits EX_CONFIG on any error
  local path=$1 line key value n=0
  [[ -r $path && -f $path ]] || die "$EX_CONFIG" "$path: cannot read the config file"
  set_defaults
  while IFS= read -r line || [[ -n $line ]]; do
    n=$((n + 1))
    line=${line%%#*}
    [[ $line =~ ^[[:space:]]*$ ]] && continue
    [[ $line == *=* ]] || die "$EX_CONFIG" "$path:$n: expected 'key = value'"
    key=${line%%=*} value=${line#*=}
    key=$(trim "$key") value=$(trim "$value")
    set_key "$key" "$value" || die "$EX_CONFIG" "$path:$n: $key: $REASON"
  done <"$path"
  [[ -n ${CFG[ifaces]} ]] || die "$EX_CONFIG" "$path: ifaces is empty"
  check_limits || die "$EX_CONFIG" "$path: $REASON"
}

peers_file_path() { # CONFIG_PATH -> the peers file as the helper reads it (relative: to the config's directory)
  local f=${CFG[peers_file]}
  if [[ -z $f || $f == /* ]]; then echo "$f"; else echo "$(dirname "$1")/$f"; fi
}

trim() {
  local s=$1
  s=${s#"${s%%[![:space:]]*}"}
  echo "${s%"${s##*[![:space:]]}"}"
}

render_config() {
  cat <<EOF
# pmtud configuration: the single source of truth for the kernel rules (pmtud-setup) and the relay
# daemon (pmtud-helper). Written by \`pmtud-setup install\`. After a hand edit run \`pmtud-setup apply\`
# and restart pmtud-helper. Format: one \`key = value\` per line; \`#\` starts a comment; every key below
# is known, any other key is an error; a key given twice takes its last value.

# NFLOG group the kernel rules log to and pmtud-helper binds, 0..65535.
group = ${CFG[group]}
# Interfaces PTBs are relayed on, comma separated (they arrive there and are re-broadcast there).
ifaces = ${CFG[ifaces]}
# host: relay PTBs addressed to this host (an anycast VIP owner); router: relay PTBs this box forwards.
mode = ${CFG[mode]}
# Kernel: PTBs logged per source address (IPv6: per /v6_prefix), N/second|minute|hour|day.
src_rate = ${CFG[src_rate]}
# Kernel: per-source burst in packets (a new source may send this many at once).
src_burst = ${CFG[src_burst]}
# Kernel: IPv6 sources are limited per /v6_prefix, 1..128 (128 = per address).
v6_prefix = ${CFG[v6_prefix]}
# Kernel: each family's ceiling for sources not known, after the per-source limit; a PTB over it
# raises that family's storm flag.
ceiling_rate = ${CFG[ceiling_rate]}
# Kernel: ceiling burst in packets.
ceiling_burst = ${CFG[ceiling_burst]}
# Kernel: each family's ceiling for known sources (logged in peace); a spoofed flood never spends it.
known_ceiling_rate = ${CFG[known_ceiling_rate]}
# Kernel: known-lane burst in packets.
known_ceiling_burst = ${CFG[known_ceiling_burst]}
# Kernel: a known source is forgotten this long after its last PTB: N followed by s, m, h or d.
known_timeout = ${CFG[known_timeout]}
# Kernel: at most this many known sources per family (a full set: new sources stay in the shared lane).
known_size = ${CFG[known_size]}
# Kernel: new sources learned per family while it has no storm, N/second|minute|hour|day.
learn_rate = ${CFG[learn_rate]}
# Kernel: learning burst in sources (also how many a flood can slip in before its storm is flagged).
learn_burst = ${CFG[learn_burst]}
# Kernel: a family's storm flag outlives its last over-ceiling PTB by this much (no learning meanwhile).
storm_timeout = ${CFG[storm_timeout]}
# yes: next-hop MTU 576..1499 (IPv4) and 1280..1499 (IPv6); no: 68..16384 and 1280..16384.
strict = ${CFG[strict]}
# Helper: inner (quoted) L4 source ports to relay, e.g. 80,443,8000-8999; empty = all ports.
ports =${CFG[ports]:+ ${CFG[ports]}}
# Helper: re-broadcasts per second per interface and family; auto = what the kernel's two lanes let
# through per family (ceiling_rate + known_ceiling_rate), so the kernel decides who is relayed.
iface_rate = ${CFG[iface_rate]}
# Helper: bucket depth per interface and family; auto = ceiling_burst + known_ceiling_burst.
iface_burst = ${CFG[iface_burst]}
# Helper: yes = send with the original frame's source MAC, no = the interface's own MAC.
use_src = ${CFG[use_src]}
# Helper: log verbosity 0..3.
verbose = ${CFG[verbose]}
# Helper: yes = re-broadcast on the interface a PTB arrived on; no = peers only (an L3 fabric).
broadcast = ${CFG[broadcast]}
# Both: peer servers that get a unicast copy of every relayed PTB, comma separated IPv4/IPv6
# addresses; fleet-wide (a server skips its own addresses). Copies from or to them are never relayed.
peers =${CFG[peers]:+ ${CFG[peers]}}
# Both: a file of more peers, one address per line, # comments (re-read by the helper when it
# changes; run pmtud-setup apply for the kernel's sets); relative to this file's directory.
# Empty = none.
peers_file =${CFG[peers_file]:+ ${CFG[peers_file]}}
# Helper: PTBs relayed to the peers per second and family (each one copy per peer); auto as iface_rate.
peer_rate = ${CFG[peer_rate]}
# Helper: peer bucket depth per family; auto as iface_burst.
peer_burst = ${CFG[peer_burst]}
EOF
}

