#!/usr/bin/env bats
# Packaging and operation without touching this machine: make install into temp directories,
# the systemd units checked offline (systemd-analyze verify and security, never enabled or
# started), the man pages rendered without a warning and complete, and pmtud-setup install
# saying what it did not do where systemd does not manage the host.

setup() {
  load ../lib/netns.bash
  bats_require_minimum_version 1.5.0
  PMTUD_ROOT=${PMTUD_ROOT:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
  BUILD=${BUILD:-build}
  T=$(mktemp -d /tmp/pmtud-install.XXXXXX)
}

teardown() {
  ns_cleanup
  rm -rf "$T"
}

mk() { make -s --no-print-directory -C "$PMTUD_ROOT" BUILD="$BUILD" "$@"; }

@test "make install DESTDIR PREFIX=/usr: binaries, script, nft template, units, man pages; uninstall removes them" {
  mk install DESTDIR="$T/root" PREFIX=/usr
  run bash -c "cd '$T/root' && find . -type f -printf '%m %p\n' | sort"
  [ "$output" = "$(printf '%s\n' \
    '644 ./usr/lib/systemd/system/pmtud-helper.service' \
    '644 ./usr/lib/systemd/system/pmtud-rules.service' \
    '644 ./usr/share/man/man8/pmtud-helper.8' \
    '644 ./usr/share/man/man8/pmtud-setup.8' \
    '644 ./usr/share/pmtud/nft/pmtud.nft.in' \
    '755 ./usr/sbin/pmtud-helper' \
    '755 ./usr/sbin/pmtud-setup')" ]
  grep -qx 'ExecStart=/usr/sbin/pmtud-helper --metrics-file /run/pmtud/pmtud.prom' \
    "$T/root/usr/lib/systemd/system/pmtud-helper.service"
  # The installed script finds the installed template.
  run "$T/root/usr/sbin/pmtud-setup" install --iface eth0 --dry-run --config "$T/x.conf"
  [ "$status" -eq 0 ]
  [[ $output == *"table inet pmtud {"* ]]
  run "$T/root/usr/sbin/pmtud-helper" --version
  [ "$status" -eq 0 ]
  mk uninstall DESTDIR="$T/root" PREFIX=/usr
  [ "$(find "$T/root" -type f | wc -l)" -eq 0 ]
}

@test "systemd units: verify clean, helper exposure <= 2.0 (offline; nothing is enabled or started)" {
  command -v systemd-analyze >/dev/null || skip "no systemd-analyze"
  # Without DESTDIR the units name the real paths of this PREFIX, which verify checks.
  mk install PREFIX="$T/usr"
  grep -qx "ExecStart=$T/usr/sbin/pmtud-setup apply" "$T/usr/lib/systemd/system/pmtud-rules.service"
  run systemd-analyze verify --man=no "$T/usr/lib/systemd/system/pmtud-rules.service" \
    "$T/usr/lib/systemd/system/pmtud-helper.service"
  echo "$output"
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  run systemd-analyze security --offline=yes "$T/usr/lib/systemd/system/pmtud-helper.service"
  score=$(sed -nE 's/.*Overall exposure level for pmtud-helper.service: ([0-9.]+).*/\1/p' <<<"$output")
  echo "# exposure: $score" >&3
  [ -n "$score" ]
  awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'
}

@test "man pages render without a warning and document every option of --help" {
  local page opt
  for page in pmtud-helper pmtud-setup; do
    run --separate-stderr env LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$PMTUD_ROOT/man/$page.8"
    [ "$status" -eq 0 ]
    [ -z "$stderr" ]
    LC_ALL=C.UTF-8 MANWIDTH=200 man -l "$PMTUD_ROOT/man/$page.8" >"$T/$page.txt" 2>/dev/null
    grep -q '^NAME' "$T/$page.txt"
    for section in SYNOPSIS OPTIONS 'EXIT STATUS' FILES DEBUGGING EXAMPLES; do
      grep -q "^$section" "$T/$page.txt"
    done
  done
  for opt in $("$PMTUD_ROOT/$BUILD/pmtud-helper" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
    grep -qF -- "$opt" "$T/pmtud-helper.txt" || {
      echo "pmtud-helper(8) lacks $opt"
      return 1
    }
  done
  for opt in $("$PMTUD_ROOT/scripts/pmtud-setup" --help | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u); do
    grep -qF -- "$opt" "$T/pmtud-setup.txt" || {
      echo "pmtud-setup(8) lacks $opt"
      return 1
    }
  done
  grep -q 'nfnetlink_log' "$T/pmtud-helper.txt"
  grep -q 'copy_range' "$T/pmtud-setup.txt"
}

@test "pmtud-setup install in a namespace says it did not install units; --no-systemd says so too" {
  ns_init
  ns_add h
  run nsx h "$PMTUD_ROOT/scripts/pmtud-setup" install --iface eth0 --config "$T/pmtud.conf"
  [ "$status" -eq 0 ]
  grep -qE '^pmtud-setup: .*: not installing units; ' <<<"$output"
  run nsx h "$PMTUD_ROOT/scripts/pmtud-setup" install --iface eth0 --config "$T/pmtud.conf" --no-systemd
  [ "$status" -eq 0 ]
  [[ $output == *"--no-systemd: systemd units not installed or enabled"* ]]
  nsx h nft list table inet pmtud >/dev/null
}

@test "make deb: dpkg installs it into a scratch root, pmtud-helper --version runs, dpkg -r leaves nothing" {
  command -v dpkg-deb >/dev/null || skip "no dpkg-deb"
  mk deb >/dev/null
  deb=$(ls "$PMTUD_ROOT/$BUILD"/pmtud_*_"$(dpkg --print-architecture)".deb)
  [ "$(dpkg-deb -f "$deb" Package)" = pmtud ]
  dpkg-deb -f "$deb" Depends | grep -qw nftables
  # A dpkg database of its own: nothing lands in this machine's /usr, no unit is enabled.
  mkdir -p "$T/root/var/lib/dpkg/info" "$T/root/var/lib/dpkg/updates"
  : >"$T/root/var/lib/dpkg/status"
  dpkg --root="$T/root" --force-depends --force-script-chrootless -i "$deb" >/dev/null 2>&1
  [ "$(dpkg-query --admindir="$T/root/var/lib/dpkg" -W -f '${Status}' pmtud)" = "install ok installed" ]
  for f in usr/sbin/pmtud-helper usr/sbin/pmtud-setup usr/share/pmtud/nft/pmtud.nft.in \
    usr/lib/systemd/system/pmtud-rules.service usr/lib/systemd/system/pmtud-helper.service \
    usr/share/man/man8/pmtud-helper.8 usr/share/man/man8/pmtud-setup.8; do
    [ -f "$T/root/$f" ]
  done
  run "$T/root/usr/sbin/pmtud-helper" --version
  [ "$status" -eq 0 ]
  [[ $output == "pmtud-helper $(dpkg-deb -f "$deb" Version)" ]]
  dpkg --root="$T/root" -r pmtud >/dev/null 2>&1
  [ "$(find "$T/root" -mindepth 1 -not -path "$T/root/var*" | wc -l)" -eq 0 ]
}
