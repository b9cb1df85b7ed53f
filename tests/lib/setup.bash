# Shared helpers for the pmtud-setup tests (tests/integration/setup_*.bats). Sourced after netns.bash.
# Everything that touches nft or the network runs inside namespaces made with ns_add; every
# pmtud-setup call passes --config into the test's temp dir, never /etc.
#
#   setup_env                    PMTUD_ROOT, BUILD, SETUP, PTB, NFLOG_COUNT; fails without the test tool
#   pmtud NS ARGS...             run scripts/pmtud-setup inside NS
#   counter NS NAME              packets of named counter NAME in table inet pmtud of NS
#   counters NS                  "name packets" for every named counter, one per line
#   mac_of NS IF                 the MAC address of IF in NS
#   ptb NS ARGS...               tests/lib/ptb.py ARGS inside NS (Debian's python3 with scapy)
#   listen NS GROUP OUTVAR       start nflog-count --hex on GROUP in NS, wait until it is bound;
#                                stores the output file name in OUTVAR (its PID in OUTVAR_PID)
#   listen_stop PID              SIGTERM the listener and wait for it to print its count
#   nflog_bound NS GROUP         true when GROUP has a listener in NS

setup_env() {
  PMTUD_ROOT=${PMTUD_ROOT:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
  BUILD=${BUILD:-build}
  SETUP=$PMTUD_ROOT/scripts/pmtud-setup
  PTB=$PMTUD_ROOT/tests/lib/ptb.py
  NFLOG_COUNT=$PMTUD_ROOT/$BUILD/tools/nflog-count
  export PMTUD_ROOT BUILD SETUP PTB NFLOG_COUNT
  if [[ ! -x $NFLOG_COUNT ]]; then
    echo "missing $NFLOG_COUNT: run 'make all' first" >&2
    return 1
  fi
}

pmtud() {
  local ns=$1
  shift
  nsx "$ns" "$SETUP" "$@"
}

counter() {
  nsx "$1" nft list counter inet pmtud "$2" | awk '$1 == "packets" { print $2 }'
}

counters() {
  nsx "$1" nft list counters table inet pmtud |
    awk '$1 == "counter" { name = $2 } $1 == "packets" { print name, $2 }'
}

mac_of() {
  nsx "$1" cat "/sys/class/net/$2/address"
}

ptb() {
  local ns=$1
  shift
  nsx "$ns" /usr/bin/python3 "$PTB" "$@"
}

# shellcheck disable=SC2016 # an awk program, not a shell expansion
nflog_bound() {
  nsx "$1" awk -v g="$2" '$1 == g { found = 1 } END { exit !found }' /proc/net/netfilter/nfnetlink_log
}

listen() {
  local ns=$1 group=$2 outvar=$3 out _listener_pid
  out=$(mktemp "$NS_REG/nflog.XXXXXX")
  # 3>&-: a background process holding bats' fd 3 would keep bats waiting.
  bg "$ns" _listener_pid "$NFLOG_COUNT" --group "$group" --hex >"$out" 3>&-
  printf -v "$outvar" '%s' "$out"
  printf -v "${outvar}_PID" "%s" "$_listener_pid"
  wait_for 5 nflog_bound "$ns" "$group"
}

listen_stop() {
  kill -TERM "$1"
  wait "$1" || true
}

# The number of packets a stopped listener received (its last line), and its hex lines.
listened_count() { tail -n 1 "$1"; }
listened_hex() { sed '$d' "$1"; }
