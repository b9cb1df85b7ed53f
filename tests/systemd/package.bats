#!/usr/bin/env bats
# The Debian package's life cycle under systemd as PID 1 (the same container as units.bats): an
# upgrade, pmtud-setup uninstall then dpkg -r and -P, and dpkg -r of a running installation.

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

@test "an upgrade (dpkg -i again) restarts a running helper and keeps both units enabled; a stopped helper stays stopped" {
  install_pmtud
  pid=$(main_pid)
  run cx dpkg -i "$DEB_IN"
  [ "$status" -eq 0 ] || { echo "$output" && return 1; }
  [ "$(cx systemctl is-active pmtud-helper.service)" = active ]
  [ "$(main_pid)" != "$pid" ]
  run cx systemctl is-enabled pmtud-rules.service pmtud-helper.service
  [ "$output" = $'enabled\nenabled' ]
  cx nft list table inet pmtud >/dev/null

  cx systemctl stop pmtud-helper.service
  run cx dpkg -i "$DEB_IN"
  [ "$status" -eq 0 ]
  run cx systemctl is-active pmtud-helper.service
  [ "$output" = inactive ]
}

@test "pmtud-setup uninstall, dpkg -r, dpkg -P: no unit running, no table, no file left" {
  install_pmtud
  run cx pmtud-setup uninstall
  echo "$output"
  [ "$status" -eq 0 ]
  run cx systemctl is-active pmtud-rules.service pmtud-helper.service
  [ "$output" = $'inactive\ninactive' ]
  run cx systemctl is-enabled pmtud-rules.service pmtud-helper.service
  [ "$output" = $'disabled\ndisabled' ]
  run cx nft list table inet pmtud
  [ "$status" -ne 0 ]
  cx test ! -e /etc/pmtud/pmtud.conf

  run cx dpkg -r pmtud
  [ "$status" -eq 0 ] || { echo "$output" && return 1; }
  run cx dpkg -P pmtud
  [ "$status" -eq 0 ] || { echo "$output" && return 1; }
  run cx dpkg -s pmtud
  [ "$status" -ne 0 ]
  no_trace
}

@test "dpkg -r with pmtud running stops the helper, disables both units, deletes the table, keeps the config; dpkg -P deletes it" {
  install_pmtud
  pid=$(main_pid)
  run cx dpkg -r pmtud
  [ "$status" -eq 0 ] || { echo "$output" && return 1; }
  run cx test -e "/proc/$pid"
  [ "$status" -ne 0 ]
  [ -z "$(cx systemctl list-units --all --plain --no-legend 'pmtud*')" ]
  [ -z "$(cx find /etc/systemd /run/systemd/system -name '*pmtud*')" ]
  run cx nft list table inet pmtud
  [ "$status" -ne 0 ]
  run cx test -L /var/lib/prometheus/node-exporter/pmtud.prom
  [ "$status" -ne 0 ]
  cx test -f /etc/pmtud/pmtud.conf

  run cx dpkg -P pmtud
  [ "$status" -eq 0 ] || { echo "$output" && return 1; }
  no_trace
}
