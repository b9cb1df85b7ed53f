# shellcheck shell=bash
# pmtud-setup: systemd units (install, enable, disable).
# Sourced by pmtud-setup; not meant to be run on its own.

# ---------------------------------------------------------------------------------------------------
# systemd units: where they ship, and whether this is a place to enable them.

readonly UNITS=(pmtud-rules.service pmtud-helper.service)
# Shipped too, not enabled: started by pmtud-peers.path, which install writes when peers_file is set.
readonly PEERS_SERVICE=pmtud-peers.service PEERS_PATH=pmtud-peers.path
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
  if ! systemctl cat "${UNITS[@]}" "$PEERS_SERVICE" >/dev/null 2>&1; then
    src=$(unit_source_dir) || die "$EX_FAIL" "cannot find the systemd units to install (looked beside $0)"
    for unit in "${UNITS[@]}" "$PEERS_SERVICE"; do
      write_file_atomic "$UNIT_COPY_DIR/$unit" \
        "$UNIT_MARK"$'\n'"$(sed "s|/usr/sbin/pmtud-|$SETUP_HERE/pmtud-|g" "$src/$unit")"$'\n'
    done
    systemctl daemon-reload || die "$EX_FAIL" "systemctl daemon-reload failed"
    echo "pmtud-setup: installed ${UNITS[*]} in $UNIT_COPY_DIR"
  fi
  systemctl enable "${UNITS[@]}" 2>/dev/null || die "$EX_FAIL" "systemctl enable ${UNITS[*]} failed"
  install_peers_watch
  systemctl restart pmtud-helper.service || die "$EX_FAIL" "pmtud-helper.service did not start: journalctl -u pmtud-helper"
  echo "pmtud-setup: enabled ${UNITS[*]}; pmtud-helper.service (re)started"
}

# With a peers file: pmtud-peers.path watches its directory (a rename over the file and a
# ConfigMap's ..data swap are changes of the directory) and starts pmtud-peers.service, which runs
# `pmtud-setup apply`: the kernel's peers sets follow the file (the helper follows it on its own).
install_peers_watch() {
  local dir
  if [[ -z ${CFG[peers_file]} ]]; then
    remove_peers_watch || true
    return 0
  fi
  dir=$(dirname "$(peers_file_path "$DEFAULT_CONFIG")")
  write_file_atomic "$UNIT_COPY_DIR/$PEERS_PATH" "$UNIT_MARK
# pmtud: the kernel's peers sets follow the peers file (written by pmtud-setup install).
[Unit]
Description=pmtud: follow the peers files in ${dir//%/%%}
Documentation=man:pmtud-setup(8)
After=pmtud-rules.service

[Path]
PathChanged=${dir//%/%%}
Unit=$PEERS_SERVICE

[Install]
WantedBy=multi-user.target
"
  systemctl daemon-reload || die "$EX_FAIL" "systemctl daemon-reload failed"
  systemctl enable "$PEERS_PATH" 2>/dev/null || die "$EX_FAIL" "systemctl enable $PEERS_PATH failed"
  systemctl restart "$PEERS_PATH" || die "$EX_FAIL" "$PEERS_PATH did not start: journalctl -u $PEERS_PATH"
  echo "pmtud-setup: $PEERS_PATH applies changes of $dir to the kernel's peers sets"
}

remove_peers_watch() { # returns 0 when there was one to remove
  local unit=$UNIT_COPY_DIR/$PEERS_PATH
  [[ -f $unit && $(head -n 1 "$unit") == "$UNIT_MARK" ]] || return 1
  systemctl disable --now "$PEERS_PATH" >/dev/null 2>&1 || true
  rm -f "$unit"
  systemctl daemon-reload
}

uninstall_units() {
  local unit removed=0
  [[ -z $(systemd_unavailable) ]] || return 0
  systemctl disable --now "${UNITS[@]}" >/dev/null 2>&1 || true
  remove_peers_watch || true
  for unit in "${UNITS[@]}" "$PEERS_SERVICE"; do
    if [[ -f $UNIT_COPY_DIR/$unit ]] && [[ $(head -n 1 "$UNIT_COPY_DIR/$unit") == "$UNIT_MARK" ]]; then
      rm -f "$UNIT_COPY_DIR/$unit" && removed=1
    fi
  done
  ((removed)) && systemctl daemon-reload
  echo "pmtud-setup: disabled ${UNITS[*]}"
}

