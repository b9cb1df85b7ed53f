#!/usr/bin/env bats
# Packaging and operation: make install into temp directories, the systemd units checked offline
# (systemd-analyze verify and security, never enabled or started), the man pages rendered without
# a warning and complete, pmtud-setup install saying what it did not do where systemd does not
# manage the host, and how make deb builds the Debian package. The package itself is installed,
# run and removed under systemd in a container: tests/systemd/*.bats.

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
    '644 ./usr/lib/systemd/system/pmtud-peers.service' \
    '644 ./usr/lib/systemd/system/pmtud-rules.service' \
    '644 ./usr/share/man/man8/pmtud-helper.8' \
    '644 ./usr/share/man/man8/pmtud-setup.8' \
    '644 ./usr/share/pmtud/nft/pmtud.nft.in' \
    '644 ./usr/share/pmtud/prometheus/pmtud.rules.test.yml' \
    '644 ./usr/share/pmtud/prometheus/pmtud.rules.yml' \
    '644 ./usr/share/pmtud/setup/config.bash' \
    '644 ./usr/share/pmtud/setup/rules.bash' \
    '644 ./usr/share/pmtud/setup/status.bash' \
    '644 ./usr/share/pmtud/setup/units.bash' \
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
    "$T/usr/lib/systemd/system/pmtud-helper.service" "$T/usr/lib/systemd/system/pmtud-peers.service"
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

build_id() { readelf -n "$1" | awk '/Build ID:/ { print $3 }'; }

@test "make deb: Debian's build flags, in build-deb/ (build/ untouched); the package's files and Depends" {
  command -v dpkg-buildpackage >/dev/null || { echo "no dpkg-buildpackage: run scripts/install-deps" && return 1; }
  touch "$T/before"
  sleep 0.01
  mk deb >"$T/deb.log" 2>&1 || { cat "$T/deb.log"; return 1; }
  deb=$(sed -nE 's/^make deb: (.*\.deb) .*/\1/p' "$T/deb.log")
  [[ $deb == "$(dirname "$PMTUD_ROOT")"/pmtud_*_"$(dpkg --print-architecture)".deb ]]
  cmp "$deb" "$PMTUD_ROOT/$BUILD/$(basename "$deb")"
  # In build/ only the copies of the .deb, .buildinfo and .changes are new.
  run bash -c "cd '$PMTUD_ROOT/$BUILD' && find . -path ./rootfs -prune -o -newer '$T/before' -type f -print | sort"
  [ "$output" = "$(printf './%s\n' "$(basename "$deb")" "$(basename "${deb%.deb}").buildinfo" \
    "$(basename "${deb%.deb}").changes" | sort)" ]

  # Compiled with dpkg-buildflags' flags (hardening=+all) in build-deb/: the packaged binary is the
  # stripped build-deb/pmtud-helper (same build ID), not build/'s.
  [ "$(cat "$PMTUD_ROOT/build-deb/buildflags")" = "$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --export=cmdline)" ]
  dpkg-deb -x "$deb" "$T/x"
  bin="$T/x/usr/sbin/pmtud-helper"
  [ -n "$(build_id "$bin")" ]
  [ "$(build_id "$bin")" = "$(build_id "$PMTUD_ROOT/build-deb/pmtud-helper")" ]
  if [[ -f $PMTUD_ROOT/$BUILD/pmtud-helper ]]; then
    [ "$(build_id "$bin")" != "$(build_id "$PMTUD_ROOT/$BUILD/pmtud-helper")" ]
  fi
  readelf -d "$bin" | grep -q 'BIND_NOW'
  readelf -lW "$bin" | grep -q 'GNU_RELRO'
  readelf -h "$bin" | grep -q 'Type: *DYN'
  nm -D "$bin" | grep -q ' U __stack_chk_fail'
  nm -D "$bin" | grep -qE ' U __[a-z]+_chk' # _FORTIFY_SOURCE
  readelf --debug-dump=info "$PMTUD_ROOT/build-deb/pmtud-helper" | grep -m1 DW_AT_producer |
    grep -q -- '-O2 .*-fstack-protector-strong'

  [ "$(dpkg-deb -f "$deb" Package)" = pmtud ]
  dpkg-deb -f "$deb" Depends | grep -qw nftables
  dpkg-deb -f "$deb" Depends | grep -qw procps # /bin/kill, the unit's ExecReload
  run bash -c "dpkg-deb -c '$deb' | awk '\$1 !~ /^d/ { print \$6 }' | sort"
  [ "$output" = "$(printf '%s\n' \
    ./lib/systemd/system/pmtud-helper.service \
    ./lib/systemd/system/pmtud-peers.service \
    ./lib/systemd/system/pmtud-rules.service \
    ./usr/sbin/pmtud-helper \
    ./usr/sbin/pmtud-setup \
    ./usr/share/doc/pmtud/changelog.Debian.gz \
    ./usr/share/doc/pmtud/copyright \
    ./usr/share/man/man8/pmtud-helper.8.gz \
    ./usr/share/man/man8/pmtud-setup.8.gz \
    ./usr/share/pmtud/nft/pmtud.nft.in \
    ./usr/share/pmtud/prometheus/pmtud.rules.test.yml \
    ./usr/share/pmtud/prometheus/pmtud.rules.yml \
    ./usr/share/pmtud/setup/config.bash \
    ./usr/share/pmtud/setup/rules.bash \
    ./usr/share/pmtud/setup/status.bash \
    ./usr/share/pmtud/setup/units.bash | sort)" ]
}
