# Shared helpers for the namespace tests (sourced by bats files and scripts).
# Every namespace, process and temp file made here is recorded and removed by ns_cleanup,
# which callers run from teardown / an EXIT trap. Nothing touches the root namespace.
#
#   ns_init                      start a registry; sets NS_TAG (unique per run)
#   ns_add NAME                  create netns "$NS_TAG-NAME" (lo up); prints nothing
#   ns_name NAME                 the full netns name
#   nsx NAME CMD...              run CMD inside NAME
#   veth NAME1 IF1 NAME2 IF2     a veth pair between two namespaces (both up)
#   bg NAME PIDVAR CMD...        start CMD in NAME in the background, store its PID in PIDVAR
#   ns_cleanup                   kill recorded PIDs, delete recorded namespaces

ns_init() {
  NS_TAG="pmt$$x$RANDOM"
  NS_REG=$(mktemp -d "/tmp/$NS_TAG.XXXX")
  export NS_TAG NS_REG
  : >"$NS_REG/ns" && : >"$NS_REG/pids"
}

ns_name() { echo "$NS_TAG-$1"; }

ns_add() {
  local n
  n=$(ns_name "$1")
  ip netns add "$n"
  echo "$n" >>"$NS_REG/ns"
  ip -n "$n" link set lo up
}

nsx() {
  local n
  n=$(ns_name "$1")
  shift
  ip netns exec "$n" "$@"
}

veth() {
  local a b
  a=$(ns_name "$1") b=$(ns_name "$3")
  ip link add "$2" netns "$a" type veth peer name "$4" netns "$b"
  ip -n "$a" link set "$2" up
  ip -n "$b" link set "$4" up
}

bg() {
  # Underscored locals: printf -v below would set a local of the same name as PIDVAR (e.g. "pid")
  # instead of the caller's variable.
  local _bg_ns _bg_var=$2 _bg_pid
  _bg_ns=$(ns_name "$1")
  shift 2
  ip netns exec "$_bg_ns" "$@" &
  _bg_pid=$!
  echo "$_bg_pid" >>"$NS_REG/pids"
  printf -v "$_bg_var" '%s' "$_bg_pid"
}

ns_cleanup() {
  [[ -n "${NS_REG-}" && -d "$NS_REG" ]] || return 0
  local pid n
  while read -r pid; do
    kill "$pid" 2>/dev/null || true
  done <"$NS_REG/pids"
  sleep 0.1
  while read -r pid; do
    kill -9 "$pid" 2>/dev/null || true
  done <"$NS_REG/pids"
  while read -r n; do
    ip netns del "$n" 2>/dev/null || true
  done <"$NS_REG/ns"
  rm -rf "$NS_REG"
}

# wait_for SECONDS CMD...: poll CMD every 50 ms until it succeeds; fail after SECONDS.
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.05
  done
}
