# shellcheck shell=bash
# pmtud-setup: the ruleset (rendered from pmtud.nft.in) and loading it.
# Sourced by pmtud-setup; not meant to be run on its own.

# ---------------------------------------------------------------------------------------------------
# The ruleset.

# Longest per-source set timeout, see render_ruleset.
readonly MAX_SRC_TIMEOUT=60

template_path() {
  local dir
  for dir in "${PMTUD_NFT_DIR-}" "$SETUP_HERE/../nft" "$SETUP_HERE/../share/pmtud/nft"; do
    [[ -n $dir && -r $dir/pmtud.nft.in ]] && echo "$dir/pmtud.nft.in" && return 0
  done
  die "$EX_FAIL" "cannot find the ruleset template pmtud.nft.in (looked next to $SETUP_HERE; set PMTUD_NFT_DIR)"
}

v6_mask() { # LEN (1..127) -> canonical text of the /LEN netmask, e.g. 64 -> ffff:ffff:ffff:ffff::
  local len=$1 i bits groups=() zeros=0
  for ((i = 0; i < 8; i++)); do
    bits=$((len - 16 * i))
    ((bits > 16)) && bits=16
    ((bits < 0)) && bits=0
    groups+=("$(printf '%x' $(((0xffff << (16 - bits)) & 0xffff)))")
    ((bits == 0)) && zeros=$((zeros + 1))
  done
  local IFS=:
  if ((zeros >= 2)); then
    echo "${groups[*]:0:8-zeros}::"
  else
    echo "${groups[*]}"
  fi
}

unit_seconds() {
  case $1 in
    second) echo 1 ;; minute) echo 60 ;; hour) echo 3600 ;; day) echo 86400 ;;
  esac
}

render_ruleset() {
  local tpl n unit timeout v6_key dest_rule dest_words ifaces="" name
  tpl=$(<"$(template_path)")
  # A source's element expires after `timeout` without a packet (update refreshes it on every one,
  # limited or not, so a flooder never expires). ceil(burst / rate) is when its bucket would be full
  # again anyway: expiring then grants nothing extra. The cap bounds how long a set filled by spoofed
  # sources (full sets fail closed) keeps new sources out; past it, a source silent for the cap starts
  # with a full bucket, which only matters for rates slower than burst per minute.
  n=${CFG[src_rate]%/*} unit=$(unit_seconds "${CFG[src_rate]#*/}")
  timeout=$(((CFG[src_burst] * unit + n - 1) / n))
  ((timeout >= 1)) || timeout=1
  ((timeout <= MAX_SRC_TIMEOUT)) || timeout=$MAX_SRC_TIMEOUT
  if ((CFG[v6_prefix] == 128)); then
    v6_key="ip6 saddr"
  else
    v6_key="ip6 saddr and $(v6_mask "${CFG[v6_prefix]}")"
  fi
  if [[ ${CFG[mode]} == host ]]; then
    dest_rule='fib daddr type != local return comment "host mode: not addressed to this host"'
    dest_words="addressed to this host"
  else
    dest_rule='fib daddr type local return comment "router mode: addressed to this host, not forwarded"'
    dest_words="being forwarded"
  fi
  local IFS=,
  for name in ${CFG[ifaces]}; do ifaces+="${ifaces:+, }\"$name\""; done
  unset IFS
  local mtu4=68-16384 mtu6=1280-16384
  [[ ${CFG[strict]} == yes ]] && mtu4=576-1499 mtu6=1280-1499
  tpl=${tpl//@DEST_RULE@/$dest_rule}
  tpl=${tpl//@DEST_WORDS@/$dest_words}
  tpl=${tpl//@IFACES@/$ifaces}
  tpl=${tpl//@GROUP@/${CFG[group]}}
  tpl=${tpl//@MODE@/${CFG[mode]}}
  tpl=${tpl//@SRC_RATE@/${CFG[src_rate]}}
  tpl=${tpl//@SRC_BURST@/${CFG[src_burst]}}
  tpl=${tpl//@SRC_TIMEOUT@/${timeout}s}
  tpl=${tpl//@V6_PREFIX@/${CFG[v6_prefix]}}
  tpl=${tpl//@V6_KEY@/$v6_key}
  tpl=${tpl//@CEILING_RATE@/${CFG[ceiling_rate]}}
  tpl=${tpl//@CEILING_BURST@/${CFG[ceiling_burst]}}
  tpl=${tpl//@MTU4@/$mtu4}
  tpl=${tpl//@MTU6@/$mtu6}
  tpl=${tpl//@KNOWN_RATE@/${CFG[known_ceiling_rate]}}
  tpl=${tpl//@KNOWN_BURST@/${CFG[known_ceiling_burst]}}
  tpl=${tpl//@KNOWN_TIMEOUT@/${CFG[known_timeout]}}
  tpl=${tpl//@KNOWN_SIZE@/${CFG[known_size]}}
  tpl=${tpl//@LEARN_RATE@/${CFG[learn_rate]}}
  tpl=${tpl//@LEARN_BURST@/${CFG[learn_burst]}}
  tpl=${tpl//@STORM_TIMEOUT@/${CFG[storm_timeout]}}
  # The rules' ID: a digest of everything but the peers' addresses, so that apply can tell a change
  # of peers (the sets' elements alone are replaced) from a change of rules (the table is reloaded).
  local id
  id=$(printf '%s' "${tpl//@PEERS[46]_ELEMENTS@/}" | sha256sum)
  tpl=${tpl//@RULES_ID@/${id:0:12}}
  tpl=${tpl//@PEERS4_ELEMENTS@/$(set_elements "${PEERS4[@]}")}
  tpl=${tpl//@PEERS6_ELEMENTS@/$(set_elements "${PEERS6[@]}")}
  if [[ $tpl =~ @[A-Z0-9_]+@ ]]; then
    die "$EX_FAIL" "template placeholder ${BASH_REMATCH[0]} has no value (template and script disagree)"
  fi
  printf '%s\n' "$tpl"
}

# A set's `elements = { ... }` line(s), eight addresses a line, after a newline; nothing for none.
set_elements() { # ADDR...
  (($#)) || return 0
  local i line="" out=$'\n\t\telements = { '
  for ((i = 1; i <= $#; i++)); do
    line+="${!i}"
    ((i == $#)) && break
    if ((i % 8 == 0)); then
      out+="$line,"$'\n\t\t\t     ' line=""
    else
      line+=", "
    fi
  done
  printf '%s }' "$out$line"
}

# ---------------------------------------------------------------------------------------------------
# Peers: pmtud-helper is the one parser of the peers list and file; its normalized output (IPv4
# first, then IPv6, one address a line) fills PEERS4 and PEERS6.

PEERS4=() PEERS6=()

helper_path() {
  local f
  for f in "${PMTUD_HELPER-}" "$SETUP_HERE/pmtud-helper" "$SETUP_HERE/../build/pmtud-helper"; do
    [[ -n $f && -x $f ]] && echo "$f" && return 0
  done
  return 1
}

resolve_peers() { # CONFIG_PATH EXIT_CODE: the peers of that config file, or exit with its one-line error
  local out helper addr
  PEERS4=() PEERS6=()
  [[ -n ${CFG[peers]} || -n ${CFG[peers_file]} ]] || return 0
  helper=$(helper_path) || die "$EX_FAIL" "peers: cannot find pmtud-helper (it parses the peers list; looked beside $SETUP_HERE; set PMTUD_HELPER)"
  out=$("$helper" --list-peers --config "$1" 2>&1) || die "$2" "$(head -n 1 <<<"$out" | sed 's/^pmtud-helper: //')"
  while read -r addr; do
    [[ -z $addr ]] && continue
    if [[ $addr == *:* ]]; then PEERS6+=("$addr"); else PEERS4+=("$addr"); fi
  done <<<"$out"
}

# The peers sets' elements alone, replaced in one transaction: counters, sources and limits stay.
peers_update() {
  local IFS=,
  printf 'flush set inet pmtud peers4\nflush set inet pmtud peers6\n'
  ((${#PEERS4[@]} == 0)) || printf 'add element inet pmtud peers4 { %s }\n' "${PEERS4[*]}"
  ((${#PEERS6[@]} == 0)) || printf 'add element inet pmtud peers6 { %s }\n' "${PEERS6[*]}"
}

# The ID in the loaded table's comment ("rules 0123456789ab"), or nothing.
loaded_rules_id() {
  rendered_rules_id "$(nft list table inet pmtud 2>/dev/null)"
}

rendered_rules_id() { # RULESET (rendered or listed) -> the ID in its table's comment
  sed -nE '0,/comment/s/.*comment ".*rules ([0-9a-f]{12})\).*/\1/p' <<<"$1"
}

table_loaded() { nft list table inet pmtud >/dev/null 2>&1; }

# Writes PATH atomically (temp file in the same directory, then rename), mode 0644.
write_file_atomic() { # PATH CONTENT
  local path=$1 dir tmp
  dir=$(dirname "$path")
  # New directories get 0755 whatever the umask: the helper may run as another user.
  [[ -d $dir ]] || (umask 022 && mkdir -p "$dir") || die "$EX_FAIL" "cannot create $dir"
  tmp=$(mktemp "$dir/.pmtud.conf.XXXXXX") || die "$EX_FAIL" "cannot write in $dir"
  TMP_FILES+=("$tmp")
  if ! { printf '%s' "$2" >"$tmp" && chmod 0644 "$tmp" && mv -f "$tmp" "$path"; }; then
    die "$EX_FAIL" "cannot write $path"
  fi
}

# Loads the rendered ruleset after `nft -c`; on failure restores the previous config file (if any).
load_ruleset() { # RULESET CONFIG_PATH CONFIG_TEXT(empty: do not write the config)
  local rules=$1 path=$2 text=$3 file old="" had_old=0 err
  file=$(mktemp /tmp/pmtud-rules.XXXXXX)
  TMP_FILES+=("$file")
  printf '%s' "$rules" >"$file"
  err=$(nft -c -f "$file" 2>&1) || die "$EX_FAIL" "nft rejected the ruleset, nothing changed:"$'\n'"$err"
  if [[ -n $text ]]; then
    if [[ -f $path ]]; then
      old=$(<"$path") && had_old=1
    fi
    write_file_atomic "$path" "$text"
  fi
  if ! err=$(nft -f "$file" 2>&1); then
    if [[ -n $text ]]; then
      if ((had_old)); then write_file_atomic "$path" "$old"$'\n'; else rm -f "$path"; fi
    fi
    die "$EX_FAIL" "loading the ruleset failed, previous state kept:"$'\n'"$err"
  fi
}

warn_missing_ifaces() {
  local name IFS=,
  for name in ${CFG[ifaces]}; do
    [[ -e /sys/class/net/$name ]] ||
      echo "pmtud-setup: warning: interface $name does not exist (yet); the rules match it by name" >&2
  done
}

