#include "options.hpp"

#include <getopt.h>
#include <sched.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "io/text_file.hpp"

namespace pmtud {
namespace {

constexpr std::uint32_t kMaxRate = 1000000;
constexpr std::size_t kMaxConfigBytes = 1U << 20;  // a few lines; anything over 1 MiB is refused

enum Long : int {
    kConfig = 1000,
    kNflog,
    kIfaceRate,
    kIfaceBurst,
    kPorts,
    kStrict,
    kUseSrc,
    kDryRun,
    kCpu,
    kVersion,
    kSrcRate,
    kSrcBurst,
    kMetricsFile,
    kMetricsInterval,
    kNoKernelStats,
    kUser,
    kListPeers,
};

const option kOptions[] = {
    {"config", required_argument, nullptr, kConfig},
    {"iface", required_argument, nullptr, 'i'},
    {"nflog", required_argument, nullptr, kNflog},
    {"iface-rate", required_argument, nullptr, kIfaceRate},
    {"iface-burst", required_argument, nullptr, kIfaceBurst},
    {"ports", required_argument, nullptr, kPorts},
    {"strict", no_argument, nullptr, kStrict},
    {"use-src", no_argument, nullptr, kUseSrc},
    {"dry-run", no_argument, nullptr, kDryRun},
    {"cpu", required_argument, nullptr, kCpu},
    {"verbose", no_argument, nullptr, 'v'},
    {"help", no_argument, nullptr, 'h'},
    {"version", no_argument, nullptr, kVersion},
    {"src-rate", required_argument, nullptr, kSrcRate},
    {"src-burst", required_argument, nullptr, kSrcBurst},
    {"metrics-file", required_argument, nullptr, kMetricsFile},
    {"metrics-interval", required_argument, nullptr, kMetricsInterval},
    {"no-kernel-stats", no_argument, nullptr, kNoKernelStats},
    {"user", required_argument, nullptr, kUser},
    {"list-peers", no_argument, nullptr, kListPeers},
    {nullptr, 0, nullptr, 0},
};

bool value_error(const char* option, const std::string& why, std::string& error) {
    error = std::string("--") + option + ": " + why;
    return false;
}

}  // namespace

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

bool parse_command_line(int argc, char** argv, CommandLine& out, std::string& error) {
    opterr = 0;  // errors are reported here, as one line
    optind = 1;
    for (;;) {
        const int prev = optind;
        const int c = getopt_long(argc, argv, ":i:vh", kOptions, nullptr);
        if (c == -1) break;
        std::string why;
        std::uint32_t n = 0;
        switch (c) {
            case kConfig:
                out.config_path = optarg;
                out.config_given = true;
                break;
            case 'i':
                if (!valid_iface_name(optarg)) {
                    return value_error(
                        "iface", std::string("invalid interface name '") + optarg + "'", error);
                }
                out.ifaces.emplace_back(optarg);
                break;
            case kNflog:
                if (!parse_u32(optarg, 0, 65535, n, why)) return value_error("nflog", why, error);
                out.group = static_cast<std::uint16_t>(n);
                break;
            case kIfaceRate:
                if (!parse_u32(optarg, 1, kMaxRate, n, why)) {
                    return value_error("iface-rate", why, error);
                }
                out.iface_rate = n;
                break;
            case kIfaceBurst:
                if (!parse_u32(optarg, 1, kMaxRate, n, why)) {
                    return value_error("iface-burst", why, error);
                }
                out.iface_burst = n;
                break;
            case kPorts: {
                PortSet ports;
                if (!parse_ports(optarg, ports, why)) return value_error("ports", why, error);
                out.ports = ports;
                break;
            }
            case kStrict:
                out.strict = true;
                break;
            case kUseSrc:
                out.use_src = true;
                break;
            case kDryRun:
                out.dry_run = true;
                break;
            case kCpu:
                if (!parse_u32(optarg, 0, CPU_SETSIZE - 1, n, why)) {
                    return value_error("cpu", why, error);
                }
                out.cpu = n;
                break;
            case 'v':
                ++out.verbose;
                break;
            case 'h':
                out.action = CommandLine::Action::help;
                return true;
            case kVersion:
                out.action = CommandLine::Action::version;
                return true;
            case kListPeers:
                out.action = CommandLine::Action::list_peers;
                break;
            case kMetricsFile:
                out.metrics_file = optarg;
                if (out.metrics_file == "none") out.metrics_file.clear();
                if (!out.metrics_file.empty() && (out.metrics_file.back() == '/')) {
                    return value_error("metrics-file", "'" + out.metrics_file + "' is a directory",
                                       error);
                }
                out.metrics_file_given = true;
                break;
            case kMetricsInterval:
                if (!parse_u32(optarg, 1, 3600, n, why)) {
                    return value_error("metrics-interval", why, error);
                }
                out.metrics_interval_s = n;
                break;
            case kNoKernelStats:
                out.kernel_stats = false;
                break;
            case kUser:
                if (*optarg == '\0') return value_error("user", "empty user name", error);
                out.user = optarg;
                break;
            case kSrcRate:
            case kSrcBurst:
                error = std::string(c == kSrcRate ? "--src-rate" : "--src-burst") +
                        " is no longer a helper option: per-source limits live in the kernel "
                        "rules; use pmtud-setup install " +
                        (c == kSrcRate ? "--src-rate" : "--src-burst");
                return false;
            case ':':
                error = std::string("option ") + argv[prev] + " needs a value";
                return false;
            default:
                error = std::string("unknown option ") + argv[prev];
                return false;
        }
    }
    if (optind < argc) {
        error = std::string("unexpected argument '") + argv[optind] + "'";
        return false;
    }
    if (out.verbose > 3) out.verbose = 3;
    return true;
}

bool load_config(const CommandLine& cl, Config& out, std::string& error) {
    out = Config{};
    std::string text;
    if (const int err = io::read_text_file(cl.config_path, text, kMaxConfigBytes); err != 0) {
        if (err == ENOENT && !cl.config_given && !cl.ifaces.empty()) {
            // No file: pmtud-setup was not run here; the command line says enough.
        } else {
            error = cl.config_path + ": " + std::strerror(err);
            if (err == ENOENT && !cl.config_given) {
                error += " (run pmtud-setup install, or give --iface)";
            }
            return false;
        }
    } else {
        ConfigError parse_error;
        if (!parse_config(text, out, parse_error)) {
            error = cl.config_path;
            if (parse_error.line > 0) error += ":" + std::to_string(parse_error.line);
            error += ": " + parse_error.message;
            return false;
        }
    }
    if (!cl.ifaces.empty()) out.ifaces = cl.ifaces;
    if (cl.group) out.group = *cl.group;
    if (cl.iface_rate) out.iface_rate = *cl.iface_rate;
    if (cl.iface_burst) out.iface_burst = *cl.iface_burst;
    if (cl.ports) out.ports = *cl.ports;
    if (cl.strict) out.strict = true;
    if (cl.use_src) out.use_src = true;
    if (cl.verbose != 0) out.verbose = cl.verbose;
    if (out.ifaces.empty() && cl.action == CommandLine::Action::run) {
        error = cl.config_path + ": no interface (set ifaces, or give --iface)";
        return false;
    }
    return true;
}

}  // namespace pmtud
