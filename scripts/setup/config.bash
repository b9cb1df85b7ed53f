# shellcheck shell=bash
# pmtud-setup: configuration values, the config file (read and rendered).
# Sourced by pmtud-setup; not meant to be run on its own.

# ---------------------------------------------------------------------------------------------------
# Values: each validator sets NORM to the normalized value, or returns 1 with a reason in REASON.

NORM="" REASON=""

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

# Validates one config key and stores its normalized value in CFG; returns 1 with REASON set.
declare -A CFG=()
set_key() { # KEY VALUE
  local key=$1 value=$2
  case $key in
    group) norm_uint "$value" 0 65535 ;;
    ifaces) norm_ifaces "$value" ;;
    mode) norm_word "$value" host router ;;
    src_rate | ceiling_rate) norm_rate "$value" ;;
    src_burst | ceiling_burst) norm_uint "$value" 1 "$MAX_BURST" ;;
    v6_prefix) norm_uint "$value" 1 128 ;;
    strict | use_src) norm_bool "$value" ;;
    ports) norm_ports "$value" ;;
    iface_rate | iface_burst) norm_uint "$value" 1 "$MAX_IFACE_RATE" ;;
    verbose) norm_uint "$value" 0 3 ;;
    *) REASON="unknown key '$key'" && false ;;
  esac || return 1
  CFG[$key]=$NORM
}

# The kernel keeps a limit's bucket as burst x (unit / rate) nanoseconds in 64 bits (nft_limit_init
# refuses an overflow with EOVERFLOW); refuse such pairs here with a clear message instead.
check_limits() {
  local pair rate burst opts n unit cost
  for pair in "src_rate src_burst --src-rate/--src-burst" "ceiling_rate ceiling_burst --ceiling/--ceiling-burst"; do
    read -r rate burst opts <<<"$pair"
    n=${CFG[$rate]%/*} unit=$(unit_seconds "${CFG[$rate]#*/}")
    cost=$((unit * 1000000000 / n))
    if ((CFG[$burst] > 0x7fffffffffffffff / cost)); then
      REASON="$opts: a burst of ${CFG[$burst]} at ${CFG[$rate]} overflows the kernel's 64-bit token count; lower the burst or raise the rate"
      return 1
    fi
  done
}

set_defaults() {
  CFG=([group]=33 [ifaces]="" [mode]=host [src_rate]=1/second [src_burst]=2 [v6_prefix]=64
    [ceiling_rate]=100/second [ceiling_burst]=50 [strict]=no [ports]="" [iface_rate]=10
    [iface_burst]=10 [use_src]=no [verbose]=0)
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
# Kernel: one global ceiling shared by IPv4 and IPv6, applied after the per-source limit.
ceiling_rate = ${CFG[ceiling_rate]}
# Kernel: ceiling burst in packets.
ceiling_burst = ${CFG[ceiling_burst]}
# yes: next-hop MTU 576..1499 (IPv4) and 1280..1499 (IPv6); no: 68..16384 and 1280..16384.
strict = ${CFG[strict]}
# Helper: inner (quoted) L4 source ports to relay, e.g. 80,443,8000-8999; empty = all ports.
ports =${CFG[ports]:+ ${CFG[ports]}}
# Helper: re-broadcasts per second per interface, integer >= 1.
iface_rate = ${CFG[iface_rate]}
# Helper: per-interface bucket depth, integer >= 1.
iface_burst = ${CFG[iface_burst]}
# Helper: yes = send with the original frame's source MAC, no = the interface's own MAC.
use_src = ${CFG[use_src]}
# Helper: log verbosity 0..3.
verbose = ${CFG[verbose]}
EOF
}

