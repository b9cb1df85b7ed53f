// The configuration file both pmtud-setup and pmtud-helper read (default /etc/pmtud/pmtud.conf):
// one `key = value` per line, `#` starts a comment, blank lines ignored, unknown keys are errors.
//   group = 33                 NFLOG group, 0..65535
//   ifaces = eth0,eth1         comma-separated interface names
//   mode = host                host | router
//   src_rate = 1/second        kernel: per-source limit, N/second|minute|hour|day
//   src_burst = 2              kernel: per-source burst (packets)
//   v6_prefix = 64             kernel: IPv6 per-source key length, 1..128
//   ceiling_rate = 100/second  kernel: global ceiling shared by v4 and v6
//   ceiling_burst = 50         kernel: ceiling burst (packets)
//   strict = no                yes | no: MTU v4 576..1499, v6 1280..1499
//   ports =                    inner source ports re-broadcast, e.g. 80,443,8000-8999; empty = all
//   iface_rate = 10            helper: re-broadcasts per second per interface
//   iface_burst = 10           helper: bucket depth
//   use_src = no               helper: send with the original source MAC
//   verbose = 0                helper: 0..3
// Kernel keys are validated here too, so a file the helper accepts is one pmtud-setup accepts.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/ports.hpp"

namespace pmtud {

enum class Mode : std::uint8_t { host, router };

struct Config {
    std::uint16_t group = 33;
    std::vector<std::string> ifaces;
    Mode mode = Mode::host;
    std::string src_rate = "1/second";
    std::uint32_t src_burst = 2;
    std::uint32_t v6_prefix = 64;
    std::string ceiling_rate = "100/second";
    std::uint32_t ceiling_burst = 50;
    bool strict = false;
    PortSet ports;
    std::uint32_t iface_rate = 10;
    std::uint32_t iface_burst = 10;
    bool use_src = false;
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

// Value parsers shared by the config file and the command line. Each returns false and sets
// error to a one-line description (without the key or option name) on bad input.
bool parse_u32(std::string_view text, std::uint32_t min, std::uint32_t max, std::uint32_t& out,
               std::string& error);
bool parse_bool(std::string_view text, bool& out, std::string& error);
bool parse_mode(std::string_view text, Mode& out, std::string& error);
// "N/second|minute|hour|day", N in 1..1000000; a bare N means N/second. out gets the normalized
// text ("007/minute" -> "7/minute", "5" -> "5/second").
bool parse_rate(std::string_view text, std::string& out, std::string& error);
bool valid_iface_name(std::string_view name) noexcept;
// "eth0,eth1" (spaces around names allowed; "" = none); a repeated name is kept once.
bool parse_iface_list(std::string_view text, std::vector<std::string>& out, std::string& error);

}  // namespace pmtud
