#!/usr/bin/env bats
# pmtud-setup status / check: verdicts and exit codes for nothing installed, rules without a listener,
# rules with some other listener, rules with pmtud-helper; the decoded nfnetlink_log line; JSON.
# The "pmtud-helper" here is tests/tools/nflog-count copied under that name (status goes by the
# process name), so these tests do not depend on the real helper.

load ../lib/netns
load ../lib/setup

setup() {
  setup_env
  ns_init
  ns_add h
  ns_add other
  CONF=$BATS_TEST_TMPDIR/pmtud.conf
}

teardown() {
  ns_cleanup
}

json_field() { # JSON-TEXT PYTHON-EXPRESSION-ON-d
  /usr/bin/python3 -c 'import json, sys; d = json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"
}

@test "nothing installed: rules missing, exit 3 for status and check" {
  run pmtud h status --config "$CONF"
  [ "$status" -eq 3 ]
  [ "${lines[-1]}" = "verdict: rules missing" ]
  [[ $output == *"table inet pmtud is not loaded"* ]]
  [[ $output == *"not bound: no process listens on group 33"* ]]
  run pmtud h check --config "$CONF"
  [ "$status" -eq 3 ]
  [ "$output" = "rules missing" ]
  run pmtud h status --json --config "$CONF"
  [ "$status" -eq 3 ]
  [ "$(json_field "$output" 'd["verdict"], d["exit"], d["rules_loaded"], d["nflog"]')" = "('rules missing', 3, False, None)" ]
}

@test "rules without a listener: no listener on the configured group, exit 4; other groups and namespaces do not count" {
  pmtud h install --iface eth0 --group 41 --config "$CONF" 2>/dev/null
  # Listeners that must not count: group 33 here, group 41 in another namespace.
  listen h 33 A
  listen other 41 B
  run pmtud h status --config "$CONF"
  [ "$status" -eq 4 ]
  [ "${lines[-1]}" = "verdict: no listener on group 41" ]
  [[ $output == *"rules:   table inet pmtud is loaded"* ]]
  run pmtud h check --config "$CONF"
  [ "$status" -eq 4 ]
  [ "$output" = "no listener on group 41" ]
  # The group in the other namespace is visible there (the file is per network namespace).
  run pmtud other status --config "$CONF"
  [ "$status" -eq 3 ]
  [[ $output == *"41     $B_PID"* ]]
}

@test "rules with a listener that is not pmtud-helper: status exit 5 with the decoded line, check exit 0" {
  pmtud h install --iface eth0 --group 41 --config "$CONF" 2>/dev/null
  listen h 41 OUT
  run pmtud h status --config "$CONF"
  [ "$status" -eq 5 ]
  [ "${lines[-1]}" = "verdict: listener is not pmtud-helper" ]
  # group, portid (= pid for an autobound socket), owner, qlen, copy_mode, copy_range, flushtimeout, use
  echo "$output" | grep -E "^  group +portid +process +qlen +copy_mode +copy_range +flushtimeout +use$"
  echo "$output" | grep -E "^  41 +$OUT_PID +$OUT_PID nflog-count +0 +2 \(packet\) +65531 +100 \(1.00 s\) +1$"
  run pmtud h check --config "$CONF"
  [ "$status" -eq 0 ]
  [ "$output" = "listener is not pmtud-helper" ]
  run pmtud h status --json --config "$CONF"
  [ "$status" -eq 5 ]
  [ "$(json_field "$output" 'd["nflog"]["group"], d["nflog"]["pid"] == '"$OUT_PID"', d["nflog"]["process"], d["nflog"]["copy_mode_name"], d["nflog"]["copy_range"]')" = \
    "(41, True, 'nflog-count', 'packet', 65531)" ]
}

@test "rules with pmtud-helper listening: ok, exit 0; JSON lists counters and tracked sources" {
  pmtud h install --iface eth0 --config "$CONF" 2>/dev/null
  cp "$NFLOG_COUNT" "$BATS_TEST_TMPDIR/pmtud-helper"
  NFLOG_COUNT=$BATS_TEST_TMPDIR/pmtud-helper listen h 33 OUT
  nsx h nft add element inet pmtud src4 '{ 198.51.100.1, 198.51.100.2 }'
  run pmtud h status --config "$CONF"
  [ "$status" -eq 0 ]
  [ "${lines[-1]}" = "verdict: ok" ]
  echo "$output" | grep -E "^  src4 +2 +65535 +2s$"
  echo "$output" | grep -E "^  logged4 +0 +0$"
  run pmtud h check --config "$CONF"
  [ "$status" -eq 0 ]
  [ "$output" = "ok" ]
  run pmtud h status --json --config "$CONF"
  [ "$status" -eq 0 ]
  [ "$(json_field "$output" 'd["verdict"], d["group"], d["nflog"]["process"], sorted(d["counters"]), d["sets"]["src4"]["elements"], d["sets"]["src6"]["elements"]')" = \
    "('ok', 33, 'pmtud-helper', ['bad4', 'bad6', 'ceiling_over4', 'ceiling_over6', 'from_peer4', 'from_peer6', 'known_logged4', 'known_logged6', 'known_over4', 'known_over6', 'learned4', 'learned6', 'logged4', 'logged6', 'new_logged4', 'new_logged6', 'not_local4', 'not_local6', 'rx4', 'rx6', 'src_over4', 'src_over6'], 2, 0)" ]
}

@test "without a config file, status takes the group from the loaded rules" {
  pmtud h install --iface eth0 --group 52 --config "$CONF" 2>/dev/null
  run pmtud h status --config "$BATS_TEST_TMPDIR/none.conf"
  [ "$status" -eq 4 ]
  [ "${lines[-1]}" = "verdict: no listener on group 52" ]
  [[ $output == *"group 52 from the loaded rules"* ]]
}

@test "status warns when the config's group is not the one the loaded rules log to" {
  pmtud h install --iface eth0 --group 52 --config "$CONF" 2>/dev/null
  sed -i 's/^group = 52$/group = 53/' "$CONF"
  run pmtud h status --config "$CONF"
  [ "$status" -eq 4 ]
  [ "${lines[-2]}" = "warning: the loaded rules log to group 52, the config says 53: run pmtud-setup apply" ]
  run pmtud h status --json --config "$CONF"
  [ "$(json_field "$output" 'd["rules_group"], d["group"]')" = "(52, 53)" ]
  pmtud h apply --config "$CONF" >/dev/null
  run pmtud h status --config "$CONF"
  [[ $output != *warning:* ]]
}
