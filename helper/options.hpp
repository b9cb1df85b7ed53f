// The helper's command line and how it combines with the config file: the file (written by
// pmtud-setup) is read first, then every option given on the command line overrides it. The
// same combination is redone on SIGHUP, so an option given at start keeps winning.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/ports.hpp"

namespace pmtud {

inline constexpr const char* kDefaultConfigPath = "/etc/pmtud/pmtud.conf";
// node_exporter's textfile collector directory on Debian.
inline constexpr const char* kDefaultMetricsPath = "/var/lib/prometheus/node-exporter/pmtud.prom";
inline constexpr std::uint32_t kDefaultMetricsIntervalS = 5;

// sysexits(3) codes, documented in --help.
inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 64;        // bad option or value
inline constexpr int kExitUnavailable = 69;  // interface missing, NFLOG group already bound
inline constexpr int kExitOsError = 71;      // an unexpected system call failure
inline constexpr int kExitNoPermission = 77;
inline constexpr int kExitConfig = 78;  // config file missing or invalid

struct CommandLine {
    enum class Action : std::uint8_t { run, help, version, list_peers };
    Action action = Action::run;
    std::string config_path = kDefaultConfigPath;
    bool config_given = false;
    std::vector<std::string> ifaces;  // empty: from the file
    std::optional<std::uint16_t> group;
    std::optional<std::uint32_t> iface_rate;
    std::optional<std::uint32_t> iface_burst;
    std::optional<PortSet> ports;
    bool strict = false;
    bool use_src = false;
    bool dry_run = false;
    std::optional<std::uint32_t> cpu;
    std::uint32_t verbose = 0;                       // number of -v; 0: from the file
    std::string metrics_file = kDefaultMetricsPath;  // empty: no metrics file
    bool metrics_file_given = false;
    std::uint32_t metrics_interval_s = kDefaultMetricsIntervalS;
    bool kernel_stats = true;  // read table inet pmtud's counters (keeps CAP_NET_ADMIN)
    std::string user;          // switch to this user once the sockets are open
};

// false with a one-line error (usage problem, exit 64).
bool parse_command_line(int argc, char** argv, CommandLine& out, std::string& error);

std::string usage_text();

// Reads path into a fresh Config (defaults, then the file, then the command line).
// Returns false with a one-line error naming the file (and line). A missing default file is
// accepted when the command line names at least one interface: the built-in defaults apply.
bool load_config(const CommandLine& cl, Config& out, std::string& error);

}  // namespace pmtud
