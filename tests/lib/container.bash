# The pmtud package under systemd as PID 1: a Debian container booted with systemd-nspawn in a
# network namespace the test made (sourced after netns.bash).
#
#   ct_package            the .deb to test: $PMTUD_DEB, else make deb builds it; sets CT_DEB
#   ct_rootfs             build or reuse the cached root file system (tests/systemd/rootfs);
#                         sets CT_ROOTFS, or fails with the reason
#   ct_boot NAME DIR      boot CT_ROOTFS (an overlay: nothing is written to it) in netns NAME
#                         (ns_add), DIR bound read-only at /mnt/pmtud; waits until systemd says
#                         running; sets CT_NSPAWN (systemd-nspawn) and CT_INIT (the container's PID 1)
#   cx CMD...             run CMD in the container: all its namespaces, a clean environment
#   ct_stop               halt the container (SIGTERM to nspawn; SIGKILL to its PID 1 if it hangs)
#
# Where PID 1 is not systemd, nspawn needs --register=no --keep-unit; the container gets
# CAP_NET_ADMIN in a namespace of ours only with --capability; machinectl and systemctl -M cannot
# reach it, nsenter can. Through nsenter /sys/class/net is not the container's: ask `ip -n`.

ct_package() {
  if [[ -n ${PMTUD_DEB-} ]]; then
    [[ -r $PMTUD_DEB ]] || { echo "PMTUD_DEB=$PMTUD_DEB: no such package" >&2 && return 1; }
    CT_DEB=$(realpath "$PMTUD_DEB")
    return 0
  fi
  local log
  log=$(make -s --no-print-directory -C "$PMTUD_ROOT" BUILD="$BUILD" deb 2>&1) ||
    { echo "$log" >&2 && echo "make deb failed" >&2 && return 1; }
  CT_DEB=$(sed -nE 's/^make deb: (.*\.deb) .*/\1/p' <<<"$log")
  [[ -r $CT_DEB ]] || { echo "make deb: no package in its output" >&2 && return 1; }
}

ct_rootfs() {
  CT_ROOTFS=$(BUILD="$BUILD" "$PMTUD_ROOT/tests/systemd/rootfs" "$1") ||
    { echo "cannot build the container's root file system (above)" >&2 && return 1; }
}

ct_boot() {
  local ns dir=$2 state
  ns=$(ns_name "$1")
  command -v systemd-nspawn >/dev/null ||
    { echo "systemd-nspawn is missing (systemd-container): run scripts/install-deps" >&2 && return 1; }
  CT_LOG=$(mktemp "$NS_REG/nspawn.XXXX")
  systemd-nspawn -D "$CT_ROOTFS" -b --volatile=overlay --register=no --keep-unit --console=passive \
    --network-namespace-path="/run/netns/$ns" --capability=CAP_NET_ADMIN --machine="$ns" \
    --bind-ro="$dir:/mnt/pmtud" </dev/null >"$CT_LOG" 2>&1 3>&- &
  CT_NSPAWN=$!
  CT_INIT=""
  local deadline=$((SECONDS + 10))
  until _ct_init; do
    if _ct_gone || ((SECONDS >= deadline)); then
      _ct_boot_failed "no systemd as PID 1 in the container"
      return 1
    fi
    sleep 0.05
  done
  # systemctl needs systemd's private socket; is-system-running --wait then returns once boot is
  # over: running, or degraded if a unit failed.
  wait_for 10 cx test -S /run/systemd/private || { _ct_boot_failed "systemd never listened" && return 1; }
  state=$(timeout 30 nsenter -t "$CT_INIT" -a systemctl is-system-running --wait 2>&1) || true
  if [[ $state != running ]]; then
    _ct_boot_failed "systemd in the container says '$state', not running"
    cx systemctl --failed --no-pager >&2 || true
    return 1
  fi
}
# nspawn's child becomes the container's PID 1 only once it has exec'd systemd in the new
# namespaces; before that, nsenter would enter the host's.
_ct_init() {
  local pid
  pid=$(pgrep -P "$CT_NSPAWN" | head -n 1)
  [[ -n $pid && $(cat "/proc/$pid/comm" 2>/dev/null) == systemd ]] || return 1
  [[ $(readlink "/proc/$pid/ns/pid") != "$(readlink /proc/self/ns/pid)" ]] || return 1
  CT_INIT=$pid
}
_ct_boot_failed() {
  echo "the container did not boot: $1; systemd-nspawn said:" >&2
  sed 's/^/  /' "$CT_LOG" >&2
}

cx() {
  nsenter -t "$CT_INIT" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 SYSTEMD_PAGER= \
    SYSTEMD_COLORS=0 "$@"
}

ct_stop() {
  [[ -n ${CT_NSPAWN-} ]] || return 0
  if ! _ct_gone; then
    kill -TERM "$CT_NSPAWN" 2>/dev/null || true
    # A halt takes a fraction of a second; killing PID 1 takes the whole container with it.
    if ! wait_for 15 _ct_gone; then
      [[ -n ${CT_INIT-} ]] && kill -KILL "$CT_INIT" 2>/dev/null
      wait_for 5 _ct_gone || kill -KILL "$CT_NSPAWN" 2>/dev/null || true
    fi
  fi
  wait "$CT_NSPAWN" 2>/dev/null || true
  CT_NSPAWN=""
}
# Exited (a zombie until waited for: kill -0 would still succeed).
_ct_gone() {
  local state
  state=$(cut -d ' ' -f 3 "/proc/$CT_NSPAWN/stat" 2>/dev/null) || return 0
  [[ -z $state || $state == Z ]]
}
