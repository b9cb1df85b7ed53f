# The pmtud package in a booted container (tests/systemd/*.bats; sourced after netns.bash,
# relay.bash and container.bash): the topology, per-file and per-test set-up, and the checks
# the suites share.
# shellcheck disable=SC2034  # variables used by the bats files that source this
#
# Topology:   rtr (r0, 192.0.2.1, 2001:db8:1::1) <-veth-> h (h0, 192.0.2.2, 2001:db8:1::2)
#             rtr (r1, 198.51.100.1, 2001:db8:2::1) <-veth-> peer (p0, 198.51.100.2, 2001:db8:2::2)
# h is the container's network namespace; the VIPs 203.0.113.10 and 2001:db8:ff::10 are on its lo.
# peer is another server, reached from h through rtr (no shared segment).
#
#   ctp_setup_file        the package (CT_DEB, copied alone into DEB_DIR) and the root file system
#   ctp_teardown_file
#   ctp_setup             namespaces, topology, a freshly booted container (nothing persists)
#   ctp_teardown          the units' journal (shown when the test failed), halt, namespaces
#   install_pmtud [OPT..] dpkg -i, then pmtud-setup install --iface h0 OPT...: both units enabled
#   main_pid, unit_prop UNIT PROP, journal UNIT      what systemd in the container says
#   metric NAME, metric_is NAME VALUE                the helper's metrics file, in the container
#   dropin UNIT NAME LINE...                          a runtime drop-in, then daemon-reload
#   fast_metrics          the helper writes its metrics every second
#   no_trace              nothing of pmtud left: files, units, table, process

ctp_setup_file() {
  PMTUD_ROOT=${PMTUD_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
  BUILD=${BUILD:-build}
  ((EUID == 0)) || { echo "the container tests need root" >&2 && return 1; }
  ct_package
  ct_rootfs "$CT_DEB"
  # Only the package is bound into the container.
  DEB_DIR=$(mktemp -d /tmp/pmtud-deb.XXXXXX)
  cp "$CT_DEB" "$DEB_DIR/"
  export PMTUD_ROOT BUILD CT_DEB CT_ROOTFS DEB_DIR
}

# (A failing teardown_file would hide why setup_file failed.)
ctp_teardown_file() {
  if [[ -n ${DEB_DIR-} ]]; then rm -rf "$DEB_DIR"; fi
}

ctp_setup() {
  T=$BATS_TEST_TMPDIR
  DEB_IN=/mnt/pmtud/$(basename "$CT_DEB")
  ns_init
  ct_topology
  ct_boot h "$DEB_DIR"
}

ctp_teardown() {
  if [[ -n ${CT_INIT-} ]] && ! _ct_gone; then
    cx journalctl -b --no-pager -o short-monotonic -u 'pmtud-*' | tail -n 40 || true
  fi
  ct_stop
  ns_cleanup
}

ct_topology() {
  ns_add h
  ns_add rtr
  veth rtr r0 h h0
  nsx rtr ip link set r0 address "$R_MAC"
  nsx h ip link set h0 address "$H_MAC"
  nsx rtr ip addr add 192.0.2.1/24 dev r0
  nsx rtr ip addr add 2001:db8:1::1/64 dev r0 nodad
  nsx h ip addr add 192.0.2.2/24 dev h0
  nsx h ip addr add 2001:db8:1::2/64 dev h0 nodad
  nsx h ip addr add 203.0.113.10/32 dev lo
  nsx h ip addr add 2001:db8:ff::10/128 dev lo nodad
  # Peers (the unicast relay): a namespace "peer" behind rtr (198.51.100.0/24, 2001:db8:2::/64),
  # routed from h through rtr: an L3 peer that shares no segment with h.
  ns_add peer
  veth rtr r1 peer p0
  nsx rtr sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
  nsx rtr ip addr add 198.51.100.1/24 dev r1
  nsx rtr ip addr add 2001:db8:2::1/64 dev r1 nodad
  nsx peer ip addr add 198.51.100.2/24 dev p0
  nsx peer ip addr add 2001:db8:2::2/64 dev p0 nodad
  nsx peer ip route add default via 198.51.100.1
  nsx peer ip -6 route add default via 2001:db8:2::1
  nsx h ip route add default via 192.0.2.1
  nsx h ip -6 route add default via 2001:db8:1::1
}

install_pmtud() {
  local out
  out=$(cx dpkg -i "$DEB_IN" 2>&1) || { echo "$out" && return 1; }
  # (pmtud-setup's "interface h0 does not exist (yet)" comes from the container's /sys, which
  # shows the host's interfaces; the rules match by name and the helper finds h0 by netlink.)
  out=$(cx pmtud-setup install --iface h0 "$@" 2>&1) || { echo "$out" && return 1; }
  echo "$out"
  grep -E '^pmtud-setup: enabled .*pmtud-rules\.service' <<<"$out" | grep -q 'pmtud-helper\.service'
}

main_pid() { cx systemctl show -p MainPID --value pmtud-helper.service; }
unit_prop() { cx systemctl show -p "$2" --value "$1"; }
journal() { cx journalctl -b --no-pager -o cat -u "$1"; }

metric() { cx cat /run/pmtud/pmtud.prom 2>/dev/null | awk -v n="$1" '$1 == n { print $2 }'; }
metric_is() { [ "$(metric "$1")" = "$2" ]; }

# Runtime drop-ins go with the container.
dropin() {
  local unit=$1 name=$2
  shift 2
  cx mkdir -p "/run/systemd/system/$unit.d"
  printf '%s\n' "$@" | cx tee "/run/systemd/system/$unit.d/$name.conf" >/dev/null
  cx systemctl daemon-reload
}

# The unit's own ExecStart plus --metrics-interval 1 (instead of 5 s).
fast_metrics() {
  local exec
  exec=$(cx sed -n 's/^ExecStart=//p' /lib/systemd/system/pmtud-helper.service)
  [[ $exec == /usr/sbin/pmtud-helper* ]]
  dropin pmtud-helper.service metrics '[Service]' 'ExecStart=' "ExecStart=$exec --metrics-interval 1"
  cx systemctl restart pmtud-helper.service
}

no_trace() {
  local left
  left=$(cx find / \( -path /proc -o -path /sys -o -path /dev -o -path /mnt \) -prune -o -name '*pmtud*' -print)
  [[ -z $left ]] || { echo "left behind: $left" && return 1; }
  [[ -z $(cx systemctl list-units --all --plain --no-legend 'pmtud*') ]] || { echo "units left" && return 1; }
  [[ -z $(cx systemctl list-unit-files --no-legend 'pmtud*') ]] || { echo "unit files left" && return 1; }
  ! cx nft list table inet pmtud >/dev/null 2>&1 || { echo "table inet pmtud left" && return 1; }
  ! cx pgrep -x pmtud-helper >/dev/null || { echo "pmtud-helper still runs" && return 1; }
}
