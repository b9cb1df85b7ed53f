#!/usr/bin/env bats
# pmtud-setup without packets: arguments, golden rulesets, install / re-install / uninstall, other
# tables left alone, config file handling. Each test gets a fresh network namespace.
# PMTUD_UPDATE_GOLDEN=1 rewrites tests/golden/setup/* from the current output instead of comparing.

load ../lib/netns
load ../lib/setup

setup() {
  setup_env
  ns_init
  ns_add h
  CONF=$BATS_TEST_TMPDIR/etc/pmtud/pmtud.conf
  GOLDEN=$PMTUD_ROOT/tests/golden/setup
}

teardown() {
  ns_cleanup
}

# Compares FILE with golden file NAME (or rewrites the golden file with PMTUD_UPDATE_GOLDEN=1).
golden() {
  if [[ ${PMTUD_UPDATE_GOLDEN-} == 1 ]]; then
    mkdir -p "$GOLDEN" && cp "$1" "$GOLDEN/$2"
    return 0
  fi
  diff -u "$GOLDEN/$2" "$1"
}

# Everything install can change in the namespace and on disk, for before/after comparisons.
state() {
  nsx h nft list ruleset
  if [[ -e $CONF ]]; then stat -c '%a %s' "$CONF" && cat "$CONF"; else echo "no config"; fi
  ls -A "$(dirname "$CONF")" 2>/dev/null || true
}

# NAME ARGS...: the dry run's config and ruleset, the written config and the listed table are golden.
golden_case() {
  local name=$1 out=$BATS_TEST_TMPDIR/$1
  shift
  pmtud h install "$@" --config "$CONF" --dry-run >"$out.dry" 2>"$out.err"
  [ ! -s "$out.err" ]
  awk -v conf="$out.conf" -v nft="$out.rendered.nft" '
    /^# ===== config file / { f = conf; next }
    /^# ===== ruleset for nft -f / { f = nft; next }
    { print > f }' "$out.dry"
  golden "$out.conf" "$name.conf"
  golden "$out.rendered.nft" "$name.rendered.nft"
  [ ! -e "$CONF" ]

  pmtud h install "$@" --config "$CONF" 2>/dev/null
  diff -u "$out.conf" "$CONF"
  nsx h nft list table inet pmtud >"$out.listed.nft"
  golden "$out.listed.nft" "$name.listed.nft"
  # What nft lists back loads again (a network engineer may save and edit it).
  { echo "table inet pmtud"; echo "delete table inet pmtud"; cat "$out.listed.nft"; } >"$out.reload.nft"
  nsx h nft -c -f "$out.reload.nft"
  pmtud h uninstall --config "$CONF" >/dev/null
}

@test "--help goes to stdout, exits 0 and documents the exit codes" {
  run "$SETUP" --help
  [ "$status" -eq 0 ]
  [[ $output == *"install --iface IF"* ]]
  for code in 0 1 3 4 5 64 78; do
    grep -qE "^  $code +" <<<"$output"
  done
  run "$SETUP" install --help
  [ "$status" -eq 0 ]
  run "$SETUP"
  [ "$status" -eq 64 ]
}

@test "golden: defaults on one interface" {
  golden_case default --iface eth0
}

@test "golden: two interfaces, strict, group 7, per-address IPv6, ports, custom rates" {
  golden_case strict --iface eth0 --iface eth1 --group 7 --strict --v6-prefix 128 --src-rate 5/minute \
    --src-burst 3 --ceiling 1000/second --ceiling-burst 200 --ports 80,443,8000-8999 --iface-rate 50 \
    --iface-burst 20
}

@test "golden: router mode, extreme values, /48 and /56 IPv6 keys, the known lane's keys" {
  golden_case router --iface bond0.100,eth2 --mode router --group 65535 --v6-prefix 48 --src-rate 2/hour \
    --src-burst 1 --ceiling 1000000/day --ceiling-burst 1000000 --verbose 2 --ports "0, 65535" \
    --known-ceiling 1000000/second --known-ceiling-burst 1000000 --known-timeout 30d --known-size 65536 \
    --learn-rate 1/day --learn-burst 1 --storm-timeout 1h --iface-rate 1000000 --iface-burst auto
  golden_case prefix56 --iface=e0 --v6-prefix=56 --src-rate=3 --src-burst=10 --group=0 --use-src \
    --known-ceiling=7/minute --known-ceiling-burst=3 --known-timeout=90s --known-size=1 --learn-rate=2/second \
    --learn-burst=2 --storm-timeout=1s --peer-rate=5 --peer-burst=auto
}

@test "golden: an L3 fabric's peers (ten IPv4, two IPv6, rendered eight to a line), no broadcast" {
  golden_case peers --iface eth0 --no-broadcast --peer-burst 20 --peers \
    "$(seq -s, -f '192.0.2.%g' 10 19),2001:db8:2:b::b,2001:db8:2:a::a"
}

@test "the ruleset never accepts or drops for the host (but a peer's copy quoting a non-local flow); priority raw; full copy" {
  pmtud h install --iface eth0 --config "$CONF" 2>/dev/null
  run nsx h nft list table inet pmtud
  [ "$status" -eq 0 ]
  # No verdict but jump/goto/return anywhere (the base chain's policy accept is not a rule), and
  # one drop per family: copies relayed by a peer whose quoted flow is not this server's.
  [ -z "$(grep -vE '^\s*type filter hook' <<<"$output" | sed 's/comment "[^"]*"//' |
    grep -E '(^|\s)(accept|reject|queue|continue)(\s|$)')" ]
  [ "$(sed 's/comment "[^"]*"//' <<<"$output" | grep -cE '(^|\s)drop(\s|$)')" -eq 2 ]
  [ "$(sed 's/comment "[^"]*"//' <<<"$output" | grep -E '(^|\s)drop(\s|$)' |
    grep -cE '^\s*fib daddr type != local counter name "not_local[46]" drop $')" -eq 2 ]
  grep -qE 'type filter hook prerouting priority raw; policy accept;' <<<"$output"
  # No snaplen: the copy is bounded only by the listener's copy range (65531), so nothing is cut.
  [[ $(sed 's/comment "[^"]*"//' <<<"$output") != *snaplen* ]]
  [ "$(grep -c 'queue-threshold 1' <<<"$output")" -eq 2 ]
  for c in rx4 rx6 bad4 bad6 src_over4 src_over6 known_over4 known_over6 ceiling_over4 ceiling_over6 \
    learned4 learned6 known_logged4 known_logged6 new_logged4 new_logged6 logged4 logged6 from_peer4 \
    from_peer6 not_local4 not_local6; do
    grep -q "counter $c {" <<<"$output"
  done
  for l in ceiling4 ceiling6 known_ceiling4 known_ceiling6 learn4 learn6; do
    grep -q "limit $l {" <<<"$output"
  done
  for s in src4 src6 known4 known6 storm peers4 peers6; do
    grep -q "set $s {" <<<"$output"
  done
  # Every rule explains itself: inside the chains, each line but the hook line and the chain's own
  # comment ends with a comment.
  awk '/^\tchain / { in_chain = 1; next } /^\t}/ { in_chain = 0 }
       in_chain && !/^\t\ttype filter hook/ && !/^\t\tcomment / && !/ comment "[^"]*"$/ { print "no comment: " $0; bad = 1 }
       END { exit bad }' <<<"$output"
  [ "$(awk '/^\tchain / { c = 1; next } /^\t}/ { c = 0 } c && / comment "/' <<<"$output" | wc -l)" -eq 46 ]
}

@test "install, re-install with the same arguments, uninstall" {
  run pmtud h install --iface eth0 --iface eth1 --config "$CONF"
  [ "$status" -eq 0 ]
  [[ $output == *"warning: interface eth0 does not exist"* ]]
  [ "$(stat -c %a "$CONF")" = 644 ]
  state >"$BATS_TEST_TMPDIR/first"

  pmtud h install --iface eth0 --iface eth1 --config "$CONF" 2>/dev/null
  state >"$BATS_TEST_TMPDIR/second"
  diff -u "$BATS_TEST_TMPDIR/first" "$BATS_TEST_TMPDIR/second"
  # Atomic write: no temp file left behind.
  [ "$(ls -A "$(dirname "$CONF")")" = pmtud.conf ]

  run pmtud h uninstall --config "$CONF"
  [ "$status" -eq 0 ]
  [[ $output == *"removed table inet pmtud"* ]]
  [ ! -e "$CONF" ]
  [ -z "$(nsx h nft list ruleset)" ]

  # Harmless when nothing is installed, twice.
  run pmtud h uninstall --config "$CONF"
  [ "$status" -eq 0 ]
  [[ $output == *"nothing installed"* ]]
  run pmtud h uninstall --config "$CONF"
  [ "$status" -eq 0 ]
}

@test "another table with ct state invalid drop stays byte-identical across install and uninstall" {
  nsx h nft -f - <<'EOF'
table inet fw {
	counter invalid { }
	chain input {
		type filter hook input priority filter; policy accept;
		ct state established,related accept
		iifname "lo" accept
	}
	chain late {
		type filter hook prerouting priority mangle; policy accept;
		ct state invalid counter name invalid drop comment "firewall's own"
	}
}
table ip nat {
	chain pre {
		type nat hook prerouting priority dstnat; policy accept;
	}
}
EOF
  fw() { nsx h nft -a list table inet fw && nsx h nft -a list table ip nat; }
  fw >"$BATS_TEST_TMPDIR/before"
  pmtud h install --iface eth0 --config "$CONF" 2>/dev/null
  fw >"$BATS_TEST_TMPDIR/installed"
  pmtud h install --iface eth0 --group 9 --config "$CONF" 2>/dev/null
  fw >"$BATS_TEST_TMPDIR/reinstalled"
  pmtud h uninstall --config "$CONF"
  fw >"$BATS_TEST_TMPDIR/after"
  diff -u "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/installed"
  diff -u "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/reinstalled"
  diff -u "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
  [ "$(nsx h nft list tables)" = "$(printf 'table inet fw\ntable ip nat')" ]
}

@test "bad arguments: exit 64, one line on stderr, nothing changed" {
  bad=(
    "--iface eth0 --group 65536" "--iface eth0 --group -1" "--iface eth0 --group 0x21" "--iface eth0 --group"
    "--iface eth0/1" "--iface ." "--iface .." "--iface 0123456789abcdef" "--iface et:h0" "--iface eth0,,eth1"
    "--iface eth*" "--iface a#b" "--iface" "--iface --dry-run" ""
    "--iface eth0 --src-rate 0/second" "--iface eth0 --src-rate 1/week" "--iface eth0 --src-rate fast"
    "--iface eth0 --src-burst 0" "--iface eth0 --src-burst 1000001" "--iface eth0 --ceiling -5/second"
    "--iface eth0 --src-rate 1000001/second" "--iface eth0 --src-rate 1/day --src-burst 106752"
    "--iface eth0 --ceiling 1/day --ceiling-burst 1000000"
    "--iface eth0 --ceiling-burst 0" "--iface eth0 --v6-prefix 0" "--iface eth0 --v6-prefix 129"
    "--iface eth0 --ports 65536" "--iface eth0 --ports 10-9" "--iface eth0 --ports 80,,443"
    "--iface eth0 --ports http" "--iface eth0 --ports 1-2-3" "--iface eth0 --iface-rate 0"
    "--iface eth0 --iface-burst x" "--iface eth0 --mode bridge" "--iface eth0 --verbose 4"
    "--iface eth0 --bogus"
    "--iface eth0 --known-ceiling 0/second" "--iface eth0 --known-ceiling-burst 0"
    "--iface eth0 --known-timeout 0s" "--iface eth0 --known-timeout 31d" "--iface eth0 --known-timeout 5"
    "--iface eth0 --known-timeout 1w" "--iface eth0 --known-timeout 1d2h" "--iface eth0 --known-size 0"
    "--iface eth0 --known-size 65537" "--iface eth0 --learn-rate 1/week" "--iface eth0 --learn-burst 0"
    "--iface eth0 --learn-rate 1/day --learn-burst 106752" "--iface eth0 --storm-timeout 2h"
    "--iface eth0 --storm-timeout 0m" "--iface eth0 --iface-rate automatic" "--iface eth0 --peer-rate 0"
    "--iface eth0 --peer-burst x" "--iface eth0 --no-broadcast" "--iface eth0 --peers 192.0.2.1,,192.0.2.2"
  )
  # Once with nothing installed, once over an existing installation.
  for round in empty installed; do
    if [[ $round == installed ]]; then pmtud h install --iface eth9 --group 5 --config "$CONF" 2>/dev/null; fi
    state >"$BATS_TEST_TMPDIR/before"
    for args in "${bad[@]}"; do
      # shellcheck disable=SC2086 # word splitting is the point
      run pmtud h install $args --config "$CONF"
      if [ "$status" -ne 64 ] || [ "${#lines[@]}" -ne 1 ] || [[ ${lines[0]} != "pmtud-setup: "* ]]; then
        echo "install $args: status $status, output: $output"
        return 1
      fi
      state >"$BATS_TEST_TMPDIR/after"
      diff -u "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
    done
  done
  for cmd in "install --iface eth0 --config $BATS_TEST_TMPDIR" "install --iface eth0 --config /dev/null/x" \
    "frobnicate" "status --bogus" "check --json" "uninstall --iface eth0" "apply --config"; do
    # shellcheck disable=SC2086
    run pmtud h $cmd
    [ "$status" -eq 64 ]
  done
}

@test "--dry-run prints config and ruleset and changes nothing" {
  state >"$BATS_TEST_TMPDIR/before"
  run pmtud h install --iface eth0 --config "$CONF" --dry-run
  [ "$status" -eq 0 ]
  [[ $output == *"group = 33"* && $output == *"table inet pmtud {"* ]]
  state >"$BATS_TEST_TMPDIR/after"
  diff -u "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"

  pmtud h install --iface eth1 --config "$CONF" 2>/dev/null
  state >"$BATS_TEST_TMPDIR/before"
  run pmtud h install --iface eth0 --group 44 --strict --config "$CONF" --dry-run
  [ "$status" -eq 0 ]
  state >"$BATS_TEST_TMPDIR/after"
  diff -u "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
}

@test "config: written 0644 under umask 077 in a new directory; router mode turns use_src on" {
  (umask 077 && pmtud h install --iface eth0 --mode router --config "$CONF" 2>/dev/null)
  [ "$(stat -c %a "$CONF")" = 644 ]
  [ "$(stat -c %a "$(dirname "$CONF")")" = 755 ]
  grep -qx 'use_src = yes' "$CONF"
  grep -qx 'mode = router' "$CONF"
  grep -qx 'ports =' "$CONF"
  # Every key is documented by a comment line right above it.
  [ "$(grep -cE '^[a-z_0-9]+ =( |$)' "$CONF")" -eq 26 ]
  [ "$(grep -B1 -E '^[a-z_0-9]+ =( |$)' "$CONF" | grep -c '^# ')" -eq 26 ]
}

@test "apply loads the rules from a hand-edited config; bad configs are refused with exit 78" {
  pmtud h install --iface eth0 --config "$CONF" 2>/dev/null
  # Hand edit: comments after values, odd whitespace, a key given twice (the last one wins).
  sed -i -e 's/^group = 33$/group = 12   # edited/' -e 's/^strict = no$/  strict=yes/' "$CONF"
  echo "group = 13 # the last one wins" >>"$CONF"
  run pmtud h apply --config "$CONF"
  [ "$status" -eq 0 ]
  nsx h nft list table inet pmtud | grep -q 'log prefix "pmtud4 " group 13 queue-threshold 1'
  nsx h nft list table inet pmtud | grep -q 'icmp mtu != 576-1499'

  nsx h nft list ruleset >"$BATS_TEST_TMPDIR/before"
  for bad in "colour = blue" "group = 70000" "ifaces =" "just words" "mode = bridge" "src_rate = 1/fortnight"; do
    cp "$CONF" "$BATS_TEST_TMPDIR/bad.conf"
    echo "$bad" >>"$BATS_TEST_TMPDIR/bad.conf"
    run pmtud h apply --config "$BATS_TEST_TMPDIR/bad.conf"
    [ "$status" -eq 78 ]
    [[ $output == *"bad.conf:"* ]]
  done
  run pmtud h apply --config "$BATS_TEST_TMPDIR/missing.conf"
  [ "$status" -eq 78 ]
  nsx h nft list ruleset >"$BATS_TEST_TMPDIR/after"
  diff -u "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
}

@test "uninstall refuses to delete a file that is not a pmtud config" {
  echo "root:x:0:0::/root:/bin/bash" >"$BATS_TEST_TMPDIR/not-ours"
  run pmtud h uninstall --config "$BATS_TEST_TMPDIR/not-ours"
  [ "$status" -eq 78 ]
  [ -e "$BATS_TEST_TMPDIR/not-ours" ]
}
