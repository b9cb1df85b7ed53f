// The configuration file both pmtud-setup and pmtud-helper read (default /etc/pmtud/pmtud.conf):
// one `key = value` per line, `#` starts a comment, blank lines ignored, unknown keys are errors.
//   group = 33                     NFLOG group, 0..65535
//   ifaces = eth0,eth1             comma-separated interface names
//   mode = host                    host | router
//   src_rate = 1/second            kernel: per-source limit, N/second|minute|hour|day
//   src_burst = 2                  kernel: per-source burst (packets)
//   v6_prefix = 64                 kernel: IPv6 per-source key length, 1..128
//   ceiling_rate = 100/second      kernel: ceiling for new sources, per family
//   ceiling_burst = 50             kernel: ceiling burst (packets)
//   known_ceiling_rate = 100/second  kernel: ceiling of the known-source lane, per family
//   known_ceiling_burst = 50       kernel: its burst (packets)
//   known_timeout = 1d             kernel: a known source is forgotten this long after its last PTB
//   known_size = 4096              kernel: known sources per family, 1..65536
//   learn_rate = 10/minute         kernel: how fast new sources are learned in peace, per family
//   learn_burst = 5                kernel: its burst
//   storm_timeout = 10s            kernel: a family's storm flag outlives its last over-ceiling PTB
//   strict = no                    yes | no: MTU v4 576..1499, v6 1280..1499
//   ports =                        inner source ports relayed, e.g. 80,443,8000-8999; empty = all
//   iface_rate = auto              helper: broadcasts per second per interface and family
//   iface_burst = auto             helper: that bucket's depth
//   use_src = no                   helper: send with the original source MAC
//   broadcast = yes                yes | no: broadcast on the segment (no: peers needed)
//   peers =                        unicast relay: comma-separated peer server addresses
//   peers_file =                   unicast relay: a file of them, one per line; empty = none
//   peer_rate = auto               helper: PTBs relayed to the peers per second, per family
//   peer_burst = auto              helper: that bucket's depth
//   verbose = 0                    helper: 0..3
// Durations are N followed by s, m, h or d (known_timeout 1s..30d, storm_timeout 1s..1h). The
// helper's rates and bursts are `auto` or 1..1000000; auto is the kernel's per-family steady
// state: rate ceil(ceiling_rate + known_ceiling_rate) per second, burst ceiling_burst +
// known_ceiling_burst. Kernel keys are validated here too, so a file the helper accepts is one
// pmtud-setup accepts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/peers.hpp"
#include "core/ports.hpp"

namespace pmtud {

enum class Mode : std::uint8_t { host, router };

// A helper bucket setting: nullopt = auto (derived from the kernel's limits).
using AutoCount = std::optional<std::uint32_t>;

struct Config {
    std::uint16_t group = 33;
    std::vector<std::string> ifaces;
    Mode mode = Mode::host;
    std::string src_rate = "1/second";
    std::uint32_t src_burst = 2;
    std::uint32_t v6_prefix = 64;
    std::string ceiling_rate = "100/second";
    std::uint32_t ceiling_burst = 50;
    std::string known_ceiling_rate = "100/second";
    std::uint32_t known_ceiling_burst = 50;
    std::string known_timeout = "1d";
    std::uint32_t known_size = 4096;
    std::string learn_rate = "10/minute";
    std::uint32_t learn_burst = 5;
    std::string storm_timeout = "10s";
    bool strict = false;
    PortSet ports;
    AutoCount iface_rate;
    AutoCount iface_burst;
    bool use_src = false;
    bool broadcast = true;
    AddressList peers;
    std::string peers_file;  // empty: none
    AutoCount peer_rate;
    AutoCount peer_burst;
    std::uint32_t verbose = 0;

    bool operator==(const Config&) const = default;
};

struct ConfigError {
    int line = 0;  // 1-based; 0 when not tied to a line
    std::string message;
};

// Parses text on top of out (which starts as the defaults or a previous config). A key given
// twice takes its last value. On error out is left unchanged.
bool parse_config(std::string_view text, Config& out, ConfigError& error);

// The file text for c, one `key = value` line per key in the order documented above, ending in
// a newline; parse_config(render_config(c)) reproduces c.
std::string render_config(const Config& c);

// The effective size of a helper bucket (iface: per interface and family; peer: per family).
struct BucketSize {
    std::uint32_t rate_pps = 1;
    std::uint32_t burst = 1;
    bool rate_auto = false;
    bool burst_auto = false;
    bool operator==(const BucketSize&) const = default;
};
BucketSize iface_bucket(const Config& c);
BucketSize peer_bucket(const Config& c);
// "auto=200/s burst auto=100", "10/s burst 10": for the start-up and reload lines.
std::string describe_bucket(const BucketSize& b);

// Value parsers shared by the config file and the command line. Each returns false and sets
// error to a one-line description (without the key or option name) on bad input.
bool parse_u32(std::string_view text, std::uint32_t min, std::uint32_t max, std::uint32_t& out,
               std::string& error);
bool parse_bool(std::string_view text, bool& out, std::string& error);
bool parse_mode(std::string_view text, Mode& out, std::string& error);
// "N/second|minute|hour|day", N in 1..1000000; a bare N means N/second. out gets the normalized
// text ("007/minute" -> "7/minute", "5" -> "5/second").
bool parse_rate(std::string_view text, std::string& out, std::string& error);
// "N" + s|m|h|d, in 1 second..max_seconds; out gets the normalized text ("090s" -> "90s").
bool parse_duration(std::string_view text, std::uint32_t max_seconds, std::string& out,
                    std::string& error);
// "auto" (nullopt) or an integer 1..1000000.
bool parse_auto_count(std::string_view text, AutoCount& out, std::string& error);
bool valid_iface_name(std::string_view name) noexcept;
// "eth0,eth1" (spaces around names allowed; "" = none); a repeated name is kept once.
bool parse_iface_list(std::string_view text, std::vector<std::string>& out, std::string& error);

// A normalized rate "N/unit" as N packets per `seconds` seconds.
struct RateParts {
    std::uint64_t n = 1;
    std::uint64_t seconds = 1;
};
RateParts rate_parts(std::string_view rate) noexcept;

}  // namespace pmtud
