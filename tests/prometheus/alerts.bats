#!/usr/bin/env bats
# The Prometheus alerting rules in prometheus/: valid, unit-tested with promtool (each alert with
# series that fire and series that do not), and naming only metrics the helper writes.

setup() {
  PMTUD_ROOT=${PMTUD_ROOT:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
  RULES="$PMTUD_ROOT/prometheus/pmtud.rules.yml"
  RULE_TESTS="$PMTUD_ROOT/prometheus/pmtud.rules.test.yml"
  command -v promtool >/dev/null || {
    echo "promtool is missing (Debian package prometheus): run scripts/install-deps"
    return 1
  }
}

alerts() { sed -nE 's/^ *- alert: ([A-Za-z]+)$/\1/p' "$RULES"; }

@test "promtool check rules: the shipped rules are valid" {
  run promtool check rules "$RULES"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"SUCCESS: 5 rules found"* ]]
  [ "$(alerts | wc -l)" -eq 5 ]
}

@test "promtool test rules: every alert fires where it must and nowhere else" {
  run promtool test rules "$RULE_TESTS"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *SUCCESS* ]]
  # Each alert is tested both ways: one evaluation expecting it, one expecting nothing.
  local alert
  for alert in $(alerts); do
    grep -A2 "alertname: $alert\$" "$RULE_TESTS" | grep -q 'exp_alerts: \[\]' ||
      { echo "$alert: no test where it must not fire" && return 1; }
    grep -A2 "alertname: $alert\$" "$RULE_TESTS" | grep -q 'exp_alerts:$' ||
      { echo "$alert: no test where it fires" && return 1; }
  done
}

@test "the rules name only series pmtud-helper writes (and node_exporter's textfile mtime)" {
  local name
  for name in $(grep -v '^ *#' "$RULES" | grep -oE '\b(pmtud_[a-z_]+|node_[a-z]+_[a-z_]+)' | sort -u); do
    if [[ $name == node_* ]]; then
      [ "$name" = node_textfile_mtime_seconds ] || { echo "unexpected $name" && return 1; }
    else
      grep -rqF "\"$name\"" "$PMTUD_ROOT/helper" || { echo "the helper does not write $name" && return 1; }
    fi
  done
}
