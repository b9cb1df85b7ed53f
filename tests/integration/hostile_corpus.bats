#!/usr/bin/env bats
# Malformed and borderline PTBs through the real path: frames from a router namespace r to a server
# namespace h over one veth (r0 <-> h0); h runs pmtud-setup's rules and the real pmtud-helper. One
# row of the table below per case. Each row has its own outer source address and is sent alone, then
# its outcome is read back:
#   - the named counters of table inet pmtud (rx4, bad4, logged4, ...), or the IP stack's SNMP
#     counters when the kernel drops the packet before any netfilter hook sees it;
#   - the helper's per-packet line (-vv) for the row's source;
# and at the end every broadcast on the wire (captured in r) and the helper's summary line.
#
# Outcome words:
#   fwd            logged and re-broadcast, byte for byte
#   <reason>       logged, then dropped by the helper for that reason (helper/core/reasons.hpp)
#   bad4, bad6     eligible, counted bad by the rules (length, fragment, next-hop MTU), not logged
#   none           not eligible (broadcast, not for us, not a PTB, ...): no counter moves, nothing logged
#   peer4, peer6   a copy relayed by a peer (source or destination on the peers list): from_peer4|6
#                  counts it, nothing is logged; peer4-drop, peer6-drop: it quotes a flow of an
#                  address h does not have, so not_local4|6 counts it too and the rules drop it
#   stack:C[,C]    dropped by the IP stack before prerouting; those nstat counters go up by one
# Column 2 is the outcome with a ruleset that logs every ICMP packet arriving on h0, without any of
# the rules' checks: what the helper refuses on its own (defence in depth).
#
# The helper filters ports 443,8000-8999; kernel and helper limits are far above what is sent. The
# peers list is 192.0.2.201-202, 2001:db8:1::201-202 and h's own addresses; the helper's copies to
# the others go to a MAC nobody has (static neighbours), so only h's broadcasts are on the wire.

corpus_table() {
  cat <<'EOF'
# with the rules          | helper alone              | ptb.py options                                   | what it is
# IPv4: sizes and truncations
fwd                       | fwd                       |                                                  | a valid PTB of 576 bytes (control)
fwd                       | fwd                       | --quote 28                                       | 56 bytes: the smallest, 8 bytes of the quoted TCP header
bad4                      | inner_truncated           | --quote 27                                       | 55 bytes: one byte of the quoted L4 header missing
bad4                      | inner_truncated           | --quote 0                                        | 28 bytes: no quoted packet at all
bad4                      | truncated                 | --quote 0 --set 2=0018 --truncate 24             | 24 bytes: the ICMP header cut in half
bad4                      | fwd                       | --quote 549                                      | 577 bytes, more than RFC 1812 allows an ICMP error
stack:IpExtInTruncatedPkts | stack:IpExtInTruncatedPkts | --truncate 300                                 | frame cut after 300 bytes, IP total length 576
stack:IpExtInTruncatedPkts | stack:IpExtInTruncatedPkts | --set 2=0300                                   | IP total length 768 in a 576-byte packet
fwd                       | fwd                       | --set 2=0100                                     | IP total length 256 in a 576-byte frame: the rest is padding, 256 bytes relayed
fwd                       | fwd                       | --append 00112233445566778899aabbccddeeff00112233 | 20 bytes of trailer after the packet: not relayed
# IPv4: headers
stack:IpInHdrErrors       | stack:IpInHdrErrors       | --set 0=44                                       | outer IHL 4
stack:IpInHdrErrors       | stack:IpInHdrErrors       | --set 0=55                                       | IP version 5
stack:IpInHdrErrors       | stack:IpInHdrErrors       | --set 2=0010                                     | IP total length 16, shorter than the header
stack:IpInHdrErrors,IpExtInCsumErrors | stack:IpInHdrErrors,IpExtInCsumErrors | --set-raw 10=0000    | outer header checksum wrong
none                      | not_ptb                   | --set 0=4f                                       | outer IHL 15: the options swallow the ICMP header
fwd                       | fwd                       | --outer-options 8 --quote 100                    | outer header with 8 bytes of options
fwd                       | fwd                       | --outer-options 40 --quote 100                   | outer header of 60 bytes, all options
bad_checksum              | bad_checksum              | --bad-checksum                                   | ICMP checksum wrong
bad_checksum              | bad_checksum              | --set-raw 22=0000                                | ICMP checksum left zero
# IPv4: next-hop MTU and fragments
bad4                      | mtu_out_of_range          | --mtu 0                                          | next-hop MTU 0 (a router older than RFC 1191)
bad4                      | mtu_out_of_range          | --mtu 67                                         | next-hop MTU 67, below the IPv4 minimum
fwd                       | fwd                       | --mtu 68                                         | next-hop MTU 68
fwd                       | fwd                       | --mtu 16384                                      | next-hop MTU 16384
bad4                      | mtu_out_of_range          | --mtu 16385                                      | next-hop MTU 16385
bad4                      | mtu_out_of_range          | --mtu 65535                                      | next-hop MTU 65535
bad4                      | outer_fragment            | --outer-frag --quote 100                         | outer first fragment (MF)
bad4                      | outer_fragment            | --set 6=0010 --quote 100                         | outer later fragment (offset 128)
# IPv4: the quoted packet
inner_bad_header          | inner_bad_header          | --set 28=44                                      | quoted IHL 4
inner_bad_header          | inner_bad_header          | --set 28=65                                      | quoted version 6 in an IPv4 PTB
inner_truncated           | inner_truncated           | --quote 28 --set 28=4f                           | quoted IHL 15, 28 bytes quoted
inner_truncated           | inner_truncated           | --inner-options --quote 28                       | quoted header with options fills the quote: no L4 bytes
fwd                       | fwd                       | --inner-options --quote 36                       | quoted header with options and 8 L4 bytes
port_not_allowed          | port_not_allowed          | --proto udp --sport 53                           | quoted UDP from port 53
no_port                   | no_port                   | --proto icmp                                     | quoted ICMP echo: no port
no_port                   | no_port                   | --proto icmp --set 37=32                         | quoted ESP: no port
no_port                   | no_port                   | --set 34=0010                                    | quoted later fragment: no L4 header
fwd                       | fwd                       | --proto sctp                                     | quoted SCTP from port 443
fwd                       | fwd                       | --proto dccp --sport 8080                        | quoted DCCP from port 8080
# IPv4: frames and destinations that are not ours to relay
none                      | link_multicast            | --dst-mac ff:ff:ff:ff:ff:ff                      | in a broadcast frame (another pmtud's relay)
none                      | link_multicast            | --dst-mac 01:00:5e:00:00:01                      | in a multicast frame
none                      | none                      | --dst-mac 02:00:00:00:00:99                      | in a frame for another station
none                      | fwd                       | --dst 192.0.2.99                                 | to another host's address
none                      | fwd                       | --dst 192.0.2.255                                | to the subnet broadcast address
none                      | not_ptb                   | --type 8 --code 0                                | an echo request
none                      | not_ptb                   | --type 3 --code 3                                | a port unreachable
# IPv6: sizes and truncations
fwd                       | fwd                       | --family 6                                       | a valid PTB of 1280 bytes (control)
fwd                       | fwd                       | --family 6 --quote 48                            | 96 bytes: the smallest
bad6                      | inner_truncated           | --family 6 --quote 47                            | 95 bytes
bad6                      | inner_truncated           | --family 6 --quote 30                            | 78 bytes: the quoted IPv6 header cut
bad6                      | fwd                       | --family 6 --quote 1233                          | 1281 bytes, more than RFC 4443 allows
stack:Ip6InTruncatedPkts  | stack:Ip6InTruncatedPkts  | --family 6 --truncate 600                        | frame cut after 600 bytes
bad_checksum              | bad_checksum              | --family 6 --set 4=0100                          | payload length 256 in a 1280-byte frame: cut, the checksum no longer holds
none                      | truncated                 | --family 6 --set 4=0000                          | payload length 0
stack:Ip6InHdrErrors      | stack:Ip6InHdrErrors      | --family 6 --outer-ext-hdrs jumbo --set 4=0000 --quote 100 | a jumbogram of 156 bytes
bad_checksum              | bad_checksum              | --family 6 --bad-checksum                        | ICMPv6 checksum wrong
# IPv6: next-hop MTU, fragments, extension headers before the ICMPv6 header
bad6                      | mtu_out_of_range          | --family 6 --mtu 0                               | next-hop MTU 0
bad6                      | mtu_out_of_range          | --family 6 --mtu 1279                            | next-hop MTU 1279, below the IPv6 minimum
fwd                       | fwd                       | --family 6 --mtu 16384                           | next-hop MTU 16384
bad6                      | mtu_out_of_range          | --family 6 --mtu 16385                           | next-hop MTU 16385
bad6                      | mtu_out_of_range          | --family 6 --mtu 4294967295                      | next-hop MTU 2^32-1
bad6                      | outer_fragment            | --family 6 --outer-frag --quote 100              | outer first fragment
none                      | outer_fragment            | --family 6 --outer-frag --quote 100 --set 42=0010 | outer later fragment: no ICMPv6 header to match
fwd                       | fwd                       | --family 6 --outer-ext-hdrs hop,dst --quote 100  | hop-by-hop and destination options first
fwd                       | fwd                       | --family 6 --outer-ext-hdrs rt --quote 100       | a routing header, no segment left
outer_ext_header          | outer_ext_header          | --family 6 --outer-ext-hdrs rt1 --quote 100      | a routing header with a segment left
none                      | none                      | --family 6 --outer-ext-hdrs ah --quote 100       | AH first: not an ICMPv6 packet to nf_tables
none                      | outer_ext_header          | --family 6 --outer-ext-hdrs dst --quote 100 --set 41=ff | destination options running off the end
stack:Ip6InHdrErrors      | stack:Ip6InHdrErrors      | --family 6 --outer-ext-hdrs hop --quote 100 --set 41=ff | hop-by-hop options running off the end
# IPv6: the quoted packet
fwd                       | fwd                       | --family 6 --ext-hdrs hop,dst,rt                 | quoted extension headers
fwd                       | fwd                       | --family 6 --ext-hdrs hop,dst,dst,dst,dst,rt     | quoted chain of six extension headers
inner_truncated           | inner_truncated           | --family 6 --ext-hdrs hop --quote 48             | quoted chain ends with the quote: no L4 bytes
inner_ext_header          | inner_ext_header          | --family 6 --ext-hdrs hop --quote 52 --set 89=01 | quoted hop-by-hop of 16 bytes, 12 quoted
no_port                   | no_port                   | --family 6 --ext-hdrs frag --set 90=0010         | quoted later fragment
inner_bad_header          | inner_bad_header          | --family 6 --set 48=45                           | quoted IPv4 in an ICMPv6 PTB
port_not_allowed          | port_not_allowed          | --family 6 --proto udp --sport 53                | quoted UDP from port 53
# IPv6: frames and destinations that are not ours to relay
none                      | link_multicast            | --family 6 --dst-mac ff:ff:ff:ff:ff:ff           | in a broadcast frame
none                      | link_multicast            | --family 6 --dst-mac 33:33:00:00:00:01           | in a multicast frame
none                      | not_ptb                   | --family 6 --type 2 --code 1                     | ICMPv6 type 2 code 1
none                      | fwd                       | --family 6 --dst 2001:db8:1::99                  | to another host's address
# Copies relayed by peers: never relayed again
peer4                     | from_peer                 | --src 192.0.2.201                                | a copy from a peer (its source on the peers list)
peer4                     | from_peer                 | --src 198.51.100.240 --dst 192.0.2.2 --inner-src 192.0.2.2 | to h's own address on the peers list
peer4-drop                | from_peer                 | --src 192.0.2.202 --inner-src 203.0.113.99       | a peer's copy quoting a flow of an address h lacks
peer6                     | from_peer                 | --family 6 --src 2001:db8:1::201                 | an IPv6 copy from a peer
peer6                     | from_peer                 | --family 6 --src 2001:db8:e::2f0 --dst 2001:db8:1::2 --inner-src 2001:db8:1::2 | to h's own IPv6 address on the peers list
peer6-drop                | from_peer                 | --family 6 --src 2001:db8:1::202 --inner-src 2001:db8:ff::99 | an IPv6 peer's copy quoting a flow of an address h lacks
EOF
}

setup_file() {
  load ../lib/netns
  load ../lib/relay
  load ../lib/hostile
  ns_init
  pair_topology
  ingress_counter h h0 "$R_MAC"
  # h's own IPv6 address on the peers list; the helper's copies to the other peers leave h0 as
  # unicast frames to a MAC nobody has.
  nsx h ip -6 addr add 2001:db8:1::2/64 dev h0 nodad
  local a
  for a in 192.0.2.201 192.0.2.202 2001:db8:1::201 2001:db8:1::202; do
    nsx h ip neigh replace "$a" lladdr 02:00:00:00:00:77 nud permanent dev h0
  done
  CONF=$NS_REG/pmtud.conf
  ROWS=$NS_REG/rows
  export CONF ROWS
  install_rules
  corpus_rows >"$ROWS"
}

teardown_file() {
  load ../lib/netns
  ns_cleanup
}

setup() {
  load ../lib/netns
  load ../lib/relay
  load ../lib/hostile
  LOG=$BATS_TEST_TMPDIR/helper.log
  CAP=$BATS_TEST_TMPDIR/r0.pcap
  RESULTS=$BATS_TEST_TMPDIR/results
}

teardown() {
  if [[ -n ${HELPER_PID-} ]] && kill -0 "$HELPER_PID" 2>/dev/null; then helper_stop; fi
  if [[ -n ${CAPTURE_PID-} ]] && kill -0 "$CAPTURE_PID" 2>/dev/null; then capture_stop; fi
  if [[ -f $LOG ]]; then tail -n 20 "$LOG"; fi # shown when the test failed
}

install_rules() {
  nsx h "$SETUP" install --iface h0 --config "$CONF" --ports 443,8000-8999 --src-burst 100000 \
    --ceiling 1000000/second --ceiling-burst 100000 --known-ceiling 1000000/second --known-ceiling-burst 100000 \
    --iface-rate 1000000 --iface-burst 1000000 \
    --peers 192.0.2.201,192.0.2.202,192.0.2.2,2001:db8:1::201,2001:db8:1::202,2001:db8:1::2 >/dev/null 2>&1
}

# One line per row: index|family|outer source|frame destination|with rules|alone|what|L3 hex.
# Every row gets its own source, so the helper's line for it can be found; one scapy start for all.
corpus_rows() {
  local i=0 rules alone opts what fam src dst
  local meta=$NS_REG/rows.meta opts_file=$NS_REG/rows.opts
  : >"$meta"
  : >"$opts_file"
  while IFS='|' read -r rules alone opts what; do
    [[ $rules =~ ^[[:space:]]*(#|$) ]] && continue
    i=$((i + 1))
    read -r rules <<<"$rules"
    read -r alone <<<"$alone"
    read -r opts <<<"$opts"
    read -r what <<<"$what"
    fam=4 src=198.51.100.$((10 + i))
    [[ $opts == *"--family 6"* ]] && fam=6 src=2001:db8:e::$(printf %x $((0x100 + i)))
    # A row may name its source (a peer's); it must be unique too.
    if [[ $opts =~ --src\ ([^ ]+) ]]; then src=${BASH_REMATCH[1]}; else opts+=" --src $src"; fi
    dst=$H_MAC
    [[ $opts =~ --dst-mac\ ([^ ]+) ]] && dst=${BASH_REMATCH[1]}
    echo "$i|$fam|$src|$dst|$rules|$alone|$what" >>"$meta"
    echo "$opts" >>"$opts_file"
  done < <(corpus_table)
  "$PY" "$PTB_PY" hexes <"$opts_file" | paste -d'|' "$meta" -
}

is_helper_outcome() { [[ $1 != bad4 && $1 != bad6 && $1 != none && $1 != stack:* && $1 != peer* ]]; }

# The counters a row's outcome moves, sorted: with the rules (rx4 logged4, rx4 bad4, ...), or alone
# (the single counter of the log-everything ruleset).
expected_counters() { # PASS FAMILY OUTCOME
  if is_helper_outcome "$3"; then
    if [[ $1 == alone ]]; then echo alone; else echo "logged$2 rx$2"; fi
  elif [[ $3 == bad* ]]; then
    echo "bad$2 rx$2"
  elif [[ $3 == peer?-drop ]]; then
    echo "from_peer$2 not_local$2"
  elif [[ $3 == peer? ]]; then
    echo "from_peer$2"
  fi
}

_seen_reaches() { (($(named_counters h | counter_of seen) >= $1)); }
_verdict_logged() { grep -qF "pmtud-helper: $2 " "$1"; }

# Sends each row alone and writes "index|what|expected|observed" lines to RESULTS, where both sides
# read "counters=[...] helper=... [stack=...]".
replay_rows() { # PASS
  local pass=$1 i fam src dst e_rules e_alone what hex outcome before after seen0
  local want got moved verdict stack_names stack_before stack_after stack_got stack_list
  : >"$RESULTS"
  while IFS='|' read -r i fam src dst e_rules e_alone what hex; do
    outcome=$e_rules
    [[ $pass == alone ]] && outcome=$e_alone
    stack_names=""
    [[ $outcome == stack:* ]] && stack_names=${outcome#stack:}
    before=$(named_counters h)
    seen0=$(counter_of seen <<<"$before")
    IFS=, read -ra stack_list <<<"$stack_names"
    [[ -n $stack_names ]] && stack_before=$(stack_counters h "${stack_list[@]}")
    blast r r0 "$dst" 1 "$hex"
    wait_for 5 _seen_reaches $((seen0 + 1)) || echo "row $i: the frame never reached h0" >&2
    if is_helper_outcome "$outcome"; then wait_for 5 _verdict_logged "$LOG" "$src" || true; fi
    after=$(named_counters h)
    # Counters that moved, by how much when it is not one. Which lane a logged PTB took (learned,
    # known_logged, new_logged) depends on the rows before it: tests/integration/flood_lanes.bats.
    moved=$(join <(echo "$before") <(echo "$after") |
      awk '$1 != "seen" && $1 !~ /^(learned|known_logged|new_logged)[46]$/ && $3 != $2 {
        printf "%s%s%s", sep, $1, ($3 - $2 == 1 ? "" : "+" ($3 - $2)); sep = " " }')
    verdict=$(helper_verdicts "$LOG" "$src")
    stack_got=""
    if [[ -n $stack_names ]]; then
      stack_after=$(stack_counters h "${stack_list[@]}")
      stack_got=$(join <(sort <<<"$stack_before") <(sort <<<"$stack_after") |
        awk '$3 - $2 == 1 { print $1 }' | paste -sd,)
    fi
    want="counters=[$(expected_counters "$pass" "$fam" "$outcome")] helper=$(is_helper_outcome "$outcome" && echo "$outcome" || echo -)"
    got="counters=[$moved] helper=$verdict"
    if [[ -n $stack_names ]]; then
      want+=" stack=$(tr , '\n' <<<"$stack_names" | sort | paste -sd,)"
      got+=" stack=$stack_got"
    fi
    echo "$i|$what|$outcome|$want|$got" >>"$RESULTS"
  done <"$ROWS"
}

# Fails listing every row whose outcome differs from the table.
check_results() {
  local bad
  bad=$(awk -F'|' '$4 != $5 { printf "row %s (%s): expected %s, got %s\n", $1, $2, $4, $5 }' "$RESULTS")
  if [[ -n $bad ]]; then
    echo "$bad"
    return 1
  fi
}

# The summary line holds exactly the table's helper outcomes (times ROUNDS).
check_summary() { # PASS ROUNDS
  local pass=$1 rounds=$2 line col=5 received forwarded
  [[ $pass == alone ]] && col=6
  line=$(summary "$LOG")
  echo "summary: $line"
  received=$(awk -F'|' -v c=$col '$c != "bad4" && $c != "bad6" && $c != "none" && $c !~ /^(stack:|peer)/' "$ROWS" | wc -l)
  forwarded=$(awk -F'|' -v c=$col '$c == "fwd"' "$ROWS" | wc -l)
  [ "$(summary_field "$line" received)" -eq $((received * rounds)) ]
  [ "$(summary_field "$line" forwarded)" -eq $((forwarded * rounds)) ]
  [ "$(summary_field "$line" nflog_lost)" -eq 0 ]
  [ "$(summary_field "$line" send_errors)" -eq 0 ]
  diff <(summary_reasons "$line" | sort) \
    <(awk -F'|' -v c=$col -v n="$rounds" '$c != "fwd" && $c != "bad4" && $c != "bad6" && $c != "none" &&
        $c !~ /^(stack:|peer)/ { count[$c] += n } END { for (r in count) print r "=" count[r] }' "$ROWS" | sort)
}

# Every broadcast from h on the wire is one of the table's fwd rows, byte for byte (cut to its IP
# length: a frame's trailer is not part of the packet), each exactly ROUNDS times; EtherTypes match.
check_wire() { # PASS ROUNDS
  local col=5 hex
  [[ $1 == alone ]] && col=6
  diff <(bcast_frames "$CAP" "$H_MAC" | awk '{ print $5 }' | sort | uniq -c) \
    <(awk -F'|' -v c=$col '$c == "fwd" { print $8 }' "$ROWS" | while read -r hex; do
      for ((k = 0; k < $2; k++)); do l3_of_wire "$hex"; done
    done | sort | uniq -c)
  [ "$(bcast_frames "$CAP" "$H_MAC" | awk '($4 == "0800") != (substr($5, 1, 1) == "4")' | wc -l)" -eq 0 ]
}

measured() { echo "# measured: $*" >&3; }

tally() { # PASS
  local col=5
  [[ $1 == alone ]] && col=6
  awk -F'|' -v c=$col '{ k = $c; if (k ~ /^stack:/) k = "stack"; else if (k == "bad4" || k == "bad6") k = "bad";
      else if (k ~ /^peer/) k = "peer"; else if (k != "fwd" && k != "none") k = "helper"; n[k]++ }
    END { printf "%d rows: fwd %d, helper drops %d, bad in the rules %d, not eligible %d, copies from peers %d, IP stack drops %d",
      NR, n["fwd"], n["helper"], n["bad"], n["none"], n["peer"], n["stack"] }' "$ROWS"
}

@test "malformed and borderline PTBs through pmtud's rules and the helper: each counted under its reason, only the valid ones re-sent" {
  install_rules
  helper_start h "$LOG" --config "$CONF" -vv
  capture_start r r0 "$CAP"
  replay_rows rules
  kill -0 "$HELPER_PID" # still up after all of it
  capture_stop
  helper_stop
  [ "$HELPER_RC" -eq 0 ]
  measured "with the rules: $(tally rules)"
  check_results
  check_summary rules 1
  summary "$LOG" | grep -q ' rules=present rules_removed=0$'
  check_wire rules 1
}

@test "the corpus 20 times back to back: the kernel and the helper count all of it, only the valid ones reach the wire, 20 times each" {
  install_rules # fresh counters
  helper_start h "$LOG" --config "$CONF"
  # Only h's broadcasts: r's own flood would crowd them out of the capture buffer.
  capture_start r r0 "$CAP" ether src "$H_MAC" and ether broadcast
  local rounds=20 n fwd
  awk -F'|' -v m="$H_MAC" '$4 == m { print $8 }' "$ROWS" >"$BATS_TEST_TMPDIR/hexes"
  n=$(wc -l <"$BATS_TEST_TMPDIR/hexes")
  blast r r0 "$H_MAC" $((n * rounds)) - <"$BATS_TEST_TMPDIR/hexes"
  fwd=$(awk -F'|' '$5 == "fwd"' "$ROWS" | wc -l)
  wait_for 10 _wire_has $((fwd * rounds)) || true
  capture_stop
  kill -0 "$HELPER_PID"
  helper_stop
  [ "$HELPER_RC" -eq 0 ]
  # The rules: every row's counters, times 20 (rows for other stations' MACs were not sent).
  # Each logged PTB took one of the two lanes.
  for f in 4 6; do
    [ "$(named_counters h | counter_of "logged$f")" -eq $(($(named_counters h | counter_of "known_logged$f") +
      $(named_counters h | counter_of "new_logged$f"))) ]
  done
  diff <(named_counters h | awk '$2 != 0 && $1 != "seen" && $1 !~ /^(learned|known_logged|new_logged)[46]$/') \
    <(awk -F'|' -v m="$H_MAC" -v n=$rounds '$4 == m {
        if ($5 == "bad4" || $5 == "bad6") { c["rx" $2] += n; c[$5] += n }
        else if ($5 ~ /^peer/) { c["from_peer" $2] += n; if ($5 ~ /-drop$/) c["not_local" $2] += n }
        else if ($5 != "none" && $5 !~ /^stack:/) { c["rx" $2] += n; c["logged" $2] += n } }
      END { for (k in c) print k, c[k] }' "$ROWS" | sort)
  # Rows for other MACs all expect nothing from the helper, so the table's totals apply as they are.
  [ -z "$(awk -F'|' -v m="$H_MAC" '$4 != m && $5 != "none"' "$ROWS")" ]
  check_summary rules $rounds
  check_wire rules $rounds
  measured "$((n * rounds)) frames: $(summary "$LOG" | sed 's/^pmtud-helper: //')"
}
_wire_has() { (($(bcast_frames "$CAP" "$H_MAC" | wc -l) >= $1)); }

@test "the same corpus with every ICMP packet logged, none of the rules' checks: the helper alone refuses what is malformed" {
  nsx h nft delete table inet pmtud
  nsx h nft -f - <<'EOF'
table inet alone {
	counter alone { comment "every ICMP packet on h0, logged" }
	chain prerouting {
		type filter hook prerouting priority raw; policy accept;
		iifname "h0" meta l4proto { icmp, ipv6-icmp } counter name alone log group 33 queue-threshold 1
	}
}
EOF
  helper_start h "$LOG" --config "$CONF" -vv
  grep -q 'warning: table inet pmtud is not loaded' "$LOG"
  capture_start r r0 "$CAP"
  replay_rows alone
  kill -0 "$HELPER_PID"
  capture_stop
  helper_stop
  nsx h nft delete table inet alone
  install_rules
  [ "$HELPER_RC" -eq 0 ]
  measured "helper alone: $(tally alone)"
  check_results
  check_summary alone 1
  summary "$LOG" | grep -q ' rules=missing rules_removed=0$'
  check_wire alone 1
}
