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
