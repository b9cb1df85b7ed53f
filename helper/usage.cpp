// The --help text: the options, the log lines, the metrics, the signals and the exit codes.
#include "options.hpp"

namespace pmtud {

std::string usage_text() {
    return R"(Usage: pmtud-helper [options]
       pmtud-helper --list-peers [--config PATH]

Re-sends ICMP "fragmentation needed" / ICMPv6 "packet too big" messages that the nftables
table inet pmtud logs to an NFLOG group, verbatim, in an Ethernet broadcast frame on the
interface each one arrived on, so the server that owns the flow learns the path MTU. With
peers (config keys peers, peers_file), each one is also copied by unicast to every peer
server: its ICMP message unchanged, from this server's own address (broadcast = no: only
that). Settings come from the config file pmtud-setup writes; options given here override it.

Options:
  --config PATH       config file (default /etc/pmtud/pmtud.conf). A missing default file
                      is fine when --iface is given (built-in defaults apply); a missing
                      --config file is an error.
  -i, --iface IF      interface to re-broadcast on (repeatable; replaces the file's ifaces)
  --nflog GROUP       NFLOG group to bind, 0..65535 (default 33)
  --iface-rate N      broadcasts per second per interface and family (default: the
                      file's iface_rate, auto = ceiling_rate + known_ceiling_rate)
  --iface-burst N     that bucket's depth (default: iface_burst, auto = ceiling_burst +
                      known_ceiling_burst)
  --ports LIST        inner source ports to re-broadcast, e.g. 80,443,8000-8999 (default all)
  --strict            accept only MTUs v4 576..1499, v6 1280..1499
  --use-src           send with the original frame's source MAC instead of our own
  --dry-run           decide and log (as with -v), send nothing
  --cpu N             pin the helper to CPU N
  --metrics-file PATH Prometheus text file, rewritten atomically every interval (default
                      /var/lib/prometheus/node-exporter/pmtud.prom, node_exporter's textfile
                      directory; '' or none: no file)
  --metrics-interval S  seconds between metrics writes, 1..3600 (default 5)
  --no-kernel-stats   do not read table inet pmtud's counters and sets, and so keep no
                      capability at all (by default CAP_NET_ADMIN is kept for those reads)
  --user NAME         switch to user NAME (its primary group, no supplementary groups)
                      once the sockets are open; needs root
  -v, --verbose       one line per forwarded PTB; -vv also dropped ones with the reason;
                      -vvv also the packet in hex
  --list-peers        print the peers list of the config file (peers and peers_file, own
                      addresses included, IPv4 first, each family sorted), one address a
                      line, and exit 0; or one error line and exit 78
  -h, --help          this text
  --version           the version
  --src-rate and --src-burst are refused: per-source limits live in the kernel rules
                      (pmtud-setup install --src-rate R --src-burst B).

Per-packet line (stderr):
  <outer src> <forwarded|dropped> reason=<r> mtu=<m> sport=<p> iface=<if>
  [broadcast=0|1 copies=N] [hex=<L3 bytes>]
  reason is ok (dry_run in a dry run) when forwarded, else why it was dropped (bad_checksum,
  port_not_allowed, iface_rate_limited, from_peer, ...); a field that could not be read is "-";
  with peers, broadcast and copies say what went out.
Summary line (stderr), on SIGUSR1 and at exit:
  summary: received=N forwarded=N (IF v4=N v6=N) dropped=N (REASON=N ...) nflog_lost=N
  send_errors=N [peers=v4:N,v6:N copies=N peer_send_errors=N]
  rules=present|missing|unknown rules_removed=N
  rules: whether table inet pmtud is loaded (followed through nftables notifications);
  rules_removed: how often it was removed (e.g. nft flush ruleset) while the helper ran. A
  removal is logged as a warning, and so is a missing table at start.

Metrics file (Prometheus text format, for node_exporter's textfile collector):
  pmtud_build_info{version}, pmtud_packets_received_total,
  pmtud_packets_forwarded_total{iface,family}, pmtud_packets_dropped_total{reason},
  pmtud_nflog_lost_total, pmtud_send_errors_total{iface}, pmtud_peers{family},
  pmtud_peer_copies_total{family}, pmtud_peer_send_errors_total{family},
  pmtud_peers_file_last_load_timestamp_seconds, pmtud_peers_file_last_error_timestamp_seconds,
  pmtud_peers_file_error{error} (only while the last load failed); read from the kernel:
  pmtud_rules_present, pmtud_kernel_packets_total{outcome}, pmtud_kernel_tracked_sources{family},
  pmtud_kernel_known_sources{family}, pmtud_kernel_storm{family},
  pmtud_kernel_storm_since_timestamp_seconds{family}
Under systemd (Type=notify): READY=1 once running, STATUS= with the counters and whether the
  rules are loaded, WATCHDOG=1 every second when the unit sets WatchdogSec=.

Signals:
  SIGINT, SIGTERM  stop; print one summary line of counters; exit 0
  SIGUSR1          print the summary line now
  SIGHUP           re-read the config file (ports, rates, strict, use_src, verbose) and
                   the peers; an invalid file is logged and the running configuration
                   kept; the group, interfaces and broadcast need a restart
The peers file is also re-read when it changes (its directory is watched: a rename over
it, a ConfigMap ..data swap); an invalid one is a warning and the list in use stays.

Exit status:
  0   stopped by SIGINT/SIGTERM, or --help/--version
  64  usage: unknown option, bad value, unknown --user, --src-rate
  69  unavailable: an interface does not exist or is not Ethernet, the NFLOG group is
      already bound by another process (see /proc/net/netfilter/nfnetlink_log), or NFLOG
      is not available
  71  an unexpected system error
  77  no permission: CAP_NET_ADMIN (NFLOG) and CAP_NET_RAW (AF_PACKET, raw sockets for
      the peers) are needed, or the --user switch failed
  78  config: the file or the peers list is missing, unreadable or invalid (the message
      names the file and line), or broadcast = no without any peer
)";
}

}  // namespace pmtud
