# shellcheck shell=bash
# pmtud-setup: systemd units (install, enable, disable).
# Sourced by pmtud-setup; not meant to be run on its own.

# ---------------------------------------------------------------------------------------------------
# systemd units: where they ship, and whether this is a place to enable them.

readonly UNITS=(pmtud-rules.service pmtud-helper.service)
readonly UNIT_COPY_DIR=/etc/systemd/system
readonly UNIT_MARK="# installed by pmtud-setup"

# Prints why units must not be touched here, or nothing when systemd manages this host.
systemd_unavailable() {
  if [[ ! -d /run/systemd/system ]]; then
    echo "systemd is not running here (no /run/systemd/system)"
  elif [[ $(readlink /proc/self/ns/net) != "$(readlink /proc/1/ns/net 2>/dev/null)" ]]; then
    echo "this is not the host's network namespace (units would act on the host)"
  elif ! command -v systemctl >/dev/null; then
    echo "systemctl not found"
  fi
}

unit_source_dir() { # the shipped units: installed beside the script, or the source tree's systemd/
  local dir
  for dir in "$SETUP_HERE/../lib/systemd/system" "$SETUP_HERE/../systemd"; do
    [[ -r $dir/pmtud-helper.service ]] && echo "$dir" && return 0
  done
  return 1
}

install_units() { # CONFIG_PATH NO_SYSTEMD
  local config=$1 why unit src
  if (($2)); then
    echo "pmtud-setup: --no-systemd: systemd units not installed or enabled; run 'pmtud-setup apply' at boot and start pmtud-helper yourself"
    return 0
  fi
  why=$(systemd_unavailable)
  if [[ -n $why ]]; then
    echo "pmtud-setup: $why: not installing units; run 'pmtud-setup apply' at boot and start pmtud-helper yourself"
    return 0
  fi
  if [[ $config != "$DEFAULT_CONFIG" ]]; then
    echo "pmtud-setup: the units read $DEFAULT_CONFIG, not $config: not installing units"
    return 0
  fi
  if ! systemctl cat "${UNITS[@]}" >/dev/null 2>&1; then
    src=$(unit_source_dir) || die "$EX_FAIL" "cannot find the systemd units to install (looked beside $0)"
    for unit in "${UNITS[@]}"; do
      write_file_atomic "$UNIT_COPY_DIR/$unit" \
        "$UNIT_MARK"$'\n'"$(sed "s|/usr/sbin/pmtud-|$SETUP_HERE/pmtud-|g" "$src/$unit")"$'\n'
    done
    systemctl daemon-reload || die "$EX_FAIL" "systemctl daemon-reload failed"
    echo "pmtud-setup: installed ${UNITS[*]} in $UNIT_COPY_DIR"
  fi
  systemctl enable "${UNITS[@]}" 2>/dev/null || die "$EX_FAIL" "systemctl enable ${UNITS[*]} failed"
  systemctl restart pmtud-helper.service || die "$EX_FAIL" "pmtud-helper.service did not start: journalctl -u pmtud-helper"
  echo "pmtud-setup: enabled ${UNITS[*]}; pmtud-helper.service (re)started"
}

uninstall_units() {
  local unit removed=0
  [[ -z $(systemd_unavailable) ]] || return 0
  systemctl disable --now "${UNITS[@]}" >/dev/null 2>&1 || true
  for unit in "${UNITS[@]}"; do
    if [[ -f $UNIT_COPY_DIR/$unit ]] && [[ $(head -n 1 "$UNIT_COPY_DIR/$unit") == "$UNIT_MARK" ]]; then
      rm -f "$UNIT_COPY_DIR/$unit" && removed=1
    fi
  done
  ((removed)) && systemctl daemon-reload
  echo "pmtud-setup: disabled ${UNITS[*]}"
}

