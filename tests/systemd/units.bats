#!/usr/bin/env bats
# The Debian package's units under systemd as PID 1. make deb's .deb is installed with dpkg in a
# Debian container (systemd-nspawn -b --volatile=overlay, tests/lib/container.bash) in a network
# namespace of the test, with a veth to a router namespace (tests/lib/container_pmtud.bash). Each
# test boots a fresh container and checks, from outside, what the real units do: enabling and
# starting, the dynamic user and its capabilities, PTBs on the wire, the watchdog, nftables.service
# restarts and reloads, reload, node_exporter's textfile collector.

setup_file() {
  load ../lib/netns.bash
  load ../lib/container.bash
  load ../lib/container_pmtud.bash
  ctp_setup_file
}

teardown_file() {
  load ../lib/container_pmtud.bash
  ctp_teardown_file
}

setup() {
  load ../lib/netns.bash
  load ../lib/relay.bash
  load ../lib/container.bash
  load ../lib/container_pmtud.bash
  bats_require_minimum_version 1.5.0
  ctp_setup
}

teardown() {
  ctp_teardown
}

@test "dpkg -i enables and starts nothing; pmtud-setup install enables and starts both units; READY comes from the helper" {
  run cx dpkg -i "$DEB_IN"
  [ "$status" -eq 0 ] || { echo "$output" && return 1; }
  [ "$(cx dpkg-query -W -f '${Status}' pmtud)" = "install ok installed" ]
  for f in /usr/sbin/pmtud-helper /usr/sbin/pmtud-setup /usr/share/pmtud/nft/pmtud.nft.in \
    /lib/systemd/system/pmtud-rules.service /lib/systemd/system/pmtud-helper.service \
    /usr/share/pmtud/prometheus/pmtud.rules.yml /usr/share/man/man8/pmtud-helper.8.gz; do
    cx test -f "$f" || { echo "$f is not installed" && return 1; }
  done
  version=$(dpkg-deb -f "$CT_DEB" Version)
  [ "$(cx pmtud-helper --version)" = "pmtud-helper ${version%-*}" ]
  run cx systemctl is-enabled pmtud-rules.service pmtud-helper.service
  [ "$output" = $'disabled\ndisabled' ]
  run cx systemctl is-active pmtud-rules.service pmtud-helper.service
  [ "$output" = $'inactive\ninactive' ]
  [ -z "$(cx find /etc/systemd -name 'pmtud-*')" ]
  run cx nft list table inet pmtud
  [ "$status" -ne 0 ]

  install_pmtud
  run cx systemctl is-enabled pmtud-rules.service pmtud-helper.service
  [ "$output" = $'enabled\nenabled' ]
  # WantedBy=nftables.service: starting the firewall starts the rules after it.
  cx test -L /etc/systemd/system/nftables.service.wants/pmtud-rules.service
  run cx systemctl is-active pmtud-rules.service pmtud-helper.service
  [ "$output" = $'active\nactive' ]
  cx nft list table inet pmtud >/dev/null
  # Type=notify with NotifyAccess=main: systemd calls the unit active (and logs Started) only once
  # READY=1 came from the helper's own PID; the unit's status text is the helper's STATUS=.
  [ "$(unit_prop pmtud-helper.service Type)" = notify ]
  [ "$(unit_prop pmtud-helper.service NotifyAccess)" = main ]
  [ "$(unit_prop pmtud-helper.service SubState)" = running ]
  [[ "$(unit_prop pmtud-helper.service StatusText)" == "received=0 forwarded=0 "*"; rules loaded" ]]
  journal pmtud-helper.service >"$T/journal"
  grep -q '^pmtud-helper: started: group 33, ' "$T/journal"
  grep -q '^Started pmtud-helper.service' "$T/journal"
}

@test "the helper runs as a dynamic user with only the capabilities the README states" {
  install_pmtud
  pid=$(main_pid)
  cx cat "/proc/$pid/status" >"$T/status"
  field() { awk -v f="$1:" '$1 == f { print $2 }' "$T/status"; }
  read -r uid euid suid fsuid < <(awk '$1 == "Uid:" { print $2, $3, $4, $5 }' "$T/status")
  [ "$uid" = "$euid" ] && [ "$uid" = "$suid" ] && [ "$uid" = "$fsuid" ]
  # systemd's range for dynamic users, and no such user in /etc/passwd.
  ((uid >= 61184 && uid <= 65519))
  run cx grep -q "^[^:]*:[^:]*:$uid:" /etc/passwd
  [ "$status" -eq 1 ]
  [ "$(unit_prop pmtud-helper.service DynamicUser)" = yes ]
  [ "$(cx stat -c %u /run/pmtud/pmtud.prom)" = "$uid" ]
  # The README's `CapEff: ...`, effective and permitted; nothing inherited or ambient; the bounding
  # set within the unit's CapabilityBoundingSet (CAP_NET_ADMIN, CAP_NET_RAW: 0x3000).
  readme=$(sed -nE 's/.*`CapEff: ([0-9a-f]{16})`.*/\1/p' "$PMTUD_ROOT/README.md")
  [ -n "$readme" ]
  echo "# CapEff $(field CapEff), README $readme" >&3
  [ "$(field CapEff)" = "$readme" ]
  [ "$(field CapPrm)" = "$readme" ]
  [ "$(field CapInh)" = 0000000000000000 ]
  [ "$(field CapAmb)" = 0000000000000000 ]
  (((0x$(field CapBnd) & ~0x3000) == 0))
  [ "$(field NoNewPrivs)" = 1 ]
  [ "$(field Seccomp)" = 2 ]
}

@test "a PTB from the router comes back as a broadcast through the sandboxed unit (IPv4 and IPv6, byte for byte)" {
  install_pmtud
  capture_start rtr r0 "$T/r0.pcap" ether broadcast
  send_ptb --family 4
  send_ptb --family 6 --mtu 1400
  # The metrics file is rewritten every 5 s.
  wait_for 12 metric_is 'pmtud_packets_forwarded_total{iface="h0",family="ipv6"}' 1
  capture_stop
  metric_is 'pmtud_packets_forwarded_total{iface="h0",family="ipv4"}' 1
  metric_is pmtud_send_errors_total'{iface="h0"}' 0
  mapfile -t got < <(bcast_frames "$T/r0.pcap" "$H_MAC")
  [ "${#got[@]}" -eq 2 ]
  read -r _ _ _ type4 l3_4 <<<"${got[0]}"
  read -r _ _ _ type6 l3_6 <<<"${got[1]}"
  [ "$type4" = 0800 ] && [ "$l3_4" = "$(ptb_hex --family 4)" ]
  [ "$type6" = 86dd ] && [ "$l3_6" = "$(ptb_hex --family 6 --mtu 1400)" ]
}

# ---- Unicast relay to peers ------------------------------------------------------------------

# The ICMP message of an L3 packet given as hex (after the IPv4 header or the fixed IPv6 header),
# with the ICMPv6 checksum blanked: a copy's pseudo-header is not the original's.
icmp_part() {
  if [[ ${1:0:1} == 4 ]]; then
    echo "${1:$((${1:1:1} * 8))}"
  else
    local m=${1:80}
    echo "${m:0:4}0000${m:8}"
  fi
}

@test "unicast copies reach a peer behind a router through the sandboxed unit (IPv4 and IPv6), from h's listed address" {
  install_pmtud --peers 192.0.2.2,198.51.100.2,2001:db8:1::2,2001:db8:2::2 --no-broadcast
  capture_start peer p0 "$T/p0.pcap" '(icmp and icmp[0] == 3 and icmp[1] == 4) or (ip6 and ip6[6] == 58 and ip6[40] == 2)'
  send_ptb --family 4
  send_ptb --family 6 --mtu 1400
  wait_for 12 metric_is 'pmtud_peer_copies_total{family="ipv6"}' 1
  capture_stop
  metric_is 'pmtud_peer_copies_total{family="ipv4"}' 1
  metric_is 'pmtud_peer_send_errors_total{family="ipv4"}' 0
  metric_is 'pmtud_peers{family="ipv4"}' 1
  metric_is 'pmtud_peers{family="ipv6"}' 1
  mapfile -t got < <("$PY" "$PCAP_PY" "$T/p0.pcap" | awk '{ print $4, $5 }')
  [ "${#got[@]}" -eq 2 ]
  read -r type4 l3_4 <<<"${got[0]}"
  read -r type6 l3_6 <<<"${got[1]}"
  [ "$type4" = 0800 ] && [ "$type6" = 86dd ]
  # Sources: h's own listed addresses; destinations: the peer's.
  [ "${l3_4:24:16}" = "$(printf '%02x' 192 0 2 2 198 51 100 2)" ]
  [ "${l3_6:16:32}" = 20010db8000100000000000000000002 ]
  [ "${l3_6:48:32}" = 20010db8000200000000000000000002 ]
  [ "$(icmp_part "$l3_4")" = "$(icmp_part "$(ptb_hex --family 4)")" ]
  [ "$(icmp_part "$l3_6")" = "$(icmp_part "$(ptb_hex --family 6 --mtu 1400)")" ]
}

@test "pmtud-peers.path: a peers file replaced by rename updates the kernel's peers sets; the helper follows too" {
  cx mkdir -p /etc/pmtud
  printf '192.0.2.2\n198.51.100.2\n' | cx tee /etc/pmtud/peers >/dev/null
  install_pmtud --peers-file /etc/pmtud/peers >"$T/install"
  grep -q 'pmtud-peers.path applies changes of /etc/pmtud' "$T/install"
  [ "$(cx systemctl is-enabled pmtud-peers.path)" = enabled ]
  [ "$(cx systemctl is-active pmtud-peers.path)" = active ]
  cx nft list set inet pmtud peers4 | grep -q '198.51.100.2'
  fast_metrics
  wait_for 5 metric_is 'pmtud_peers{family="ipv4"}' 1
  printf '192.0.2.2\n198.51.100.2\n198.51.100.3\n2001:db8:2::2\n' | cx tee /etc/pmtud/peers.new >/dev/null
  cx mv /etc/pmtud/peers.new /etc/pmtud/peers
  in_set() { cx nft list set inet pmtud "$1" | grep -q "$2"; }
  wait_for 10 in_set peers4 198.51.100.3
  wait_for 10 in_set peers6 2001:db8:2::2
  journal pmtud-peers.service | grep -q 'rules unchanged; peers sets updated'
  wait_for 10 metric_is 'pmtud_peers{family="ipv4"}' 2
  metric_is 'pmtud_peers{family="ipv6"}' 1
  # Removal takes the unit install wrote with the package.
  cx pmtud-setup uninstall >/dev/null
  ! cx test -e /etc/systemd/system/pmtud-peers.path
}

@test "watchdog: the helper feeds it; SIGSTOPped, systemd kills it (SIGABRT) and starts a new one" {
  install_pmtud
  dropin pmtud-helper.service watchdog '[Service]' 'WatchdogSec=3s' 'RestartSec=1s'
  cx systemctl restart pmtud-helper.service
  [ "$(unit_prop pmtud-helper.service WatchdogUSec)" = 3s ]
  pid=$(main_pid)
  restarts=$(unit_prop pmtud-helper.service NRestarts)
  # Fed: alive and the same process after more than WatchdogSec.
  sleep 4
  [ "$(main_pid)" = "$pid" ]
  [ "$(unit_prop pmtud-helper.service NRestarts)" = "$restarts" ]

  cx kill -STOP "$pid"
  replaced() { local now; now=$(main_pid) && [ "$now" != 0 ] && [ "$now" != "$pid" ] &&
    [ "$(cx systemctl is-active pmtud-helper.service)" = active ]; }
  wait_for 20 replaced
  [ "$(unit_prop pmtud-helper.service NRestarts)" = $((restarts + 1)) ]
  journal pmtud-helper.service >"$T/journal"
  grep -qx 'pmtud-helper.service: Watchdog timeout (limit 3s)!' "$T/journal"
  grep -qx "pmtud-helper.service: Killing process $pid (pmtud-helper) with signal SIGABRT." "$T/journal"
  [ "$(grep -c '^pmtud-helper: started: ' "$T/journal")" -eq 3 ]
}

@test "systemctl restart nftables (flush ruleset): the table is back within seconds, pmtud_rules_present goes 0 -> 1; reload nftables too" {
  run cx dpkg -i "$DEB_IN"
  [ "$status" -eq 0 ]
  # The firewall as Debian ships it (/etc/nftables.conf starts with flush ruleset), running first.
  cx systemctl enable --now nftables.service
  install_pmtud
  fast_metrics
  # Only so that a 1 s metrics writer sees the gap: the rules come back 2 s after the flush.
  dropin pmtud-rules.service slow '[Service]' 'ExecStartPre=/bin/sleep 2'
  wait_for 5 metric_is pmtud_rules_present 1

  cx systemctl restart nftables.service
  wait_for 5 metric_is pmtud_rules_present 0
  wait_for 10 cx nft list table inet pmtud
  wait_for 5 metric_is pmtud_rules_present 1
  cx nft list table inet filter >/dev/null # what nftables.service loaded is there too
  journal pmtud-helper.service >"$T/journal"
  removed=$(grep -n 'warning: table inet pmtud was removed' "$T/journal" | cut -d: -f1)
  back=$(grep -n 'table inet pmtud is loaded again' "$T/journal" | cut -d: -f1)
  [ -n "$removed" ] && [ -n "$back" ]
  ((removed < back))

  # ReloadPropagatedFrom=nftables.service: a reload (nft -f /etc/nftables.conf) runs pmtud-setup apply.
  applied=$(journal pmtud-rules.service | grep -c 'loaded table inet pmtud from /etc/pmtud/pmtud.conf')
  cx systemctl reload nftables.service
  wait_for 10 cx nft list table inet pmtud
  [ "$(journal pmtud-rules.service | grep -c 'loaded table inet pmtud from /etc/pmtud/pmtud.conf')" -eq $((applied + 1)) ]
  [ "$(cx systemctl is-active pmtud-rules.service pmtud-helper.service | sort -u)" = active ]
}

@test "systemctl reload pmtud-helper: the reload line in the journal, the new ports in effect, the same process" {
  install_pmtud
  pid=$(main_pid)
  cx sed -i 's/^ports =.*/ports = 80/' /etc/pmtud/pmtud.conf
  run cx systemctl reload pmtud-helper.service
  echo "$output"
  [ "$status" -eq 0 ]
  reloaded() { journal pmtud-helper.service | grep -q '^pmtud-helper: reloaded /etc/pmtud/pmtud.conf: .*ports 80,'; }
  wait_for 5 reloaded
  [ "$(main_pid)" = "$pid" ]

  capture_start rtr r0 "$T/r0.pcap" ether broadcast
  send_ptb --family 4 --sport 443
  send_ptb --family 4 --sport 80
  wait_for 12 metric_is 'pmtud_packets_forwarded_total{iface="h0",family="ipv4"}' 1
  capture_stop
  metric_is 'pmtud_packets_dropped_total{reason="port_not_allowed"}' 1
  mapfile -t got < <(bcast_frames "$T/r0.pcap" "$H_MAC")
  [ "${#got[@]}" -eq 1 ]
  [ "$(cut -d ' ' -f 5 <<<"${got[0]}")" = "$(ptb_hex --family 4 --sport 80)" ]
}

@test "node_exporter (Debian's prometheus-node-exporter) serves the helper's series on :9100 through the shipped link" {
  install_pmtud
  fast_metrics
  [ "$(cx systemctl is-active prometheus-node-exporter.service)" = active ]
  [ "$(cx readlink /var/lib/prometheus/node-exporter/pmtud.prom)" = /run/pmtud/pmtud.prom ]
  [ "$(cx stat -c '%a %u' /run/pmtud/pmtud.prom)" = "644 $(cx stat -c %u /run/pmtud)" ]
  [ "$(cx stat -c %a /run/pmtud)" = 755 ]
  cx cmp /usr/share/pmtud/prometheus/pmtud.rules.yml - <"$PMTUD_ROOT/prometheus/pmtud.rules.yml"

  scrape() { nsx rtr curl -sf --max-time 5 http://192.0.2.2:9100/metrics; }
  mtime() { scrape | sed -nE 's|^node_textfile_mtime_seconds\{file="/var/lib/prometheus/node-exporter/pmtud.prom"\} (.*)|\1|p'; }
  wait_for 10 mtime
  scrape >"$T/scrape"
  version=$(dpkg-deb -f "$CT_DEB" Version)
  grep -qx "pmtud_build_info{version=\"${version%-*}\"} 1" "$T/scrape"
  grep -qx 'pmtud_rules_present 1' "$T/scrape"
  grep -qx 'node_textfile_scrape_error 0' "$T/scrape"
  # Every series the alerting rules read is there.
  for name in $(grep -v '^ *#' "$PMTUD_ROOT/prometheus/pmtud.rules.yml" |
    grep -oE '\b(pmtud_[a-z_]+|node_[a-z]+_[a-z_]+)' | sort -u); do
    grep -qE "^$name(\{| )" "$T/scrape" || { echo "node_exporter does not serve $name" && return 1; }
  done
  # The file is rewritten: node_exporter sees its mtime move.
  first=$(mtime)
  moved() { local now; now=$(mtime) && [ -n "$now" ] && [ "$now" != "$first" ]; }
  wait_for 10 moved

  # A stopped helper: /run/pmtud goes, the link dangles, the pmtud series and the file's mtime
  # are gone (what PmtudHelperDown looks for) and node_exporter reports the broken file.
  cx systemctl stop pmtud-helper.service
  cx test ! -e /run/pmtud
  scrape >"$T/scrape"
  grep -qx 'node_textfile_scrape_error 1' "$T/scrape"
  run grep -c -e '^pmtud_' -e '^node_textfile_mtime_seconds{file="[^"]*pmtud.prom"}' "$T/scrape"
  [ "$output" -eq 0 ]
}

