#include "core/config.hpp"

#include <array>
#include <cstddef>

#include "core/text.hpp"

namespace pmtud {
namespace {

constexpr std::uint32_t kMaxCount = 1000000;             // rates and bursts
constexpr std::uint32_t kMaxKnownTimeoutS = 30 * 86400;  // 30d
constexpr std::uint32_t kMaxStormTimeoutS = 3600;        // 1h
constexpr std::uint32_t kMaxKnownSize = 65536;

// One setter per key: parse value into c, or set error (without the key).
using Setter = bool (*)(std::string_view value, Config& c, std::string& error);

struct KeyHandler {
    std::string_view key;
    Setter set;
};

// A key whose setter is one expression over the value v, the config c and the error e.
// clang-format off
#define PMTUD_KEY(name, expr) \
    {#name, [](std::string_view v, Config& c, std::string& e) { return expr; }}
// clang-format on

constexpr std::array<KeyHandler, 26> kKeys = {{
    {"group",
     [](std::string_view v, Config& c, std::string& e) {
         std::uint32_t g = 0;
         if (!parse_u32(v, 0, 65535, g, e)) return false;
         c.group = static_cast<std::uint16_t>(g);
         return true;
     }},
    PMTUD_KEY(ifaces, parse_iface_list(v, c.ifaces, e)),
    PMTUD_KEY(mode, parse_mode(v, c.mode, e)),
    PMTUD_KEY(src_rate, parse_rate(v, c.src_rate, e)),
    PMTUD_KEY(src_burst, parse_u32(v, 1, kMaxCount, c.src_burst, e)),
    PMTUD_KEY(v6_prefix, parse_u32(v, 1, 128, c.v6_prefix, e)),
    PMTUD_KEY(ceiling_rate, parse_rate(v, c.ceiling_rate, e)),
    PMTUD_KEY(ceiling_burst, parse_u32(v, 1, kMaxCount, c.ceiling_burst, e)),
    PMTUD_KEY(known_ceiling_rate, parse_rate(v, c.known_ceiling_rate, e)),
    PMTUD_KEY(known_ceiling_burst, parse_u32(v, 1, kMaxCount, c.known_ceiling_burst, e)),
    PMTUD_KEY(known_timeout, parse_duration(v, kMaxKnownTimeoutS, c.known_timeout, e)),
    PMTUD_KEY(known_size, parse_u32(v, 1, kMaxKnownSize, c.known_size, e)),
    PMTUD_KEY(learn_rate, parse_rate(v, c.learn_rate, e)),
    PMTUD_KEY(learn_burst, parse_u32(v, 1, kMaxCount, c.learn_burst, e)),
    PMTUD_KEY(storm_timeout, parse_duration(v, kMaxStormTimeoutS, c.storm_timeout, e)),
    PMTUD_KEY(strict, parse_bool(v, c.strict, e)),
    PMTUD_KEY(ports, parse_ports(v, c.ports, e)),
    PMTUD_KEY(iface_rate, parse_auto_count(v, c.iface_rate, e)),
    PMTUD_KEY(iface_burst, parse_auto_count(v, c.iface_burst, e)),
    PMTUD_KEY(use_src, parse_bool(v, c.use_src, e)),
    PMTUD_KEY(broadcast, parse_bool(v, c.broadcast, e)),
    PMTUD_KEY(peers, parse_peer_list(v, c.peers, e)),
    {"peers_file",
     [](std::string_view v, Config& c, std::string&) {
         c.peers_file = std::string(v);  // a relative path is relative to the config file
         return true;
     }},
    PMTUD_KEY(peer_rate, parse_auto_count(v, c.peer_rate, e)),
    PMTUD_KEY(peer_burst, parse_auto_count(v, c.peer_burst, e)),
    PMTUD_KEY(verbose, parse_u32(v, 0, 3, c.verbose, e)),
}};

#undef PMTUD_KEY

const KeyHandler* find_key(std::string_view key) {
    for (const auto& h : kKeys) {
        if (h.key == key) return &h;
    }
    return nullptr;
}

// Parses one line (already stripped of its comment) into c. Blank lines are fine.
bool parse_line(std::string_view line, Config& c, std::string& error) {
    line = trim(line);
    if (line.empty()) return true;
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) {
        error = "expected \"key = value\", got " + quoted(line);
        return false;
    }
    const std::string_view key = trim(line.substr(0, eq));
    const std::string_view value = trim(line.substr(eq + 1));
    if (key.empty()) {
        error = "missing key before \"=\" in " + quoted(line);
        return false;
    }
    const KeyHandler* handler = find_key(key);
    if (handler == nullptr) {
        error = "unknown key " + quoted(key);
        return false;
    }
    // A key given twice: the later line wins, like most key = value formats.
    if (!handler->set(value, c, error)) {
        error = std::string(key) + ": " + error;
        return false;
    }
    return true;
}

// The kernel keeps a limit's bucket as burst x (unit / rate) nanoseconds in 64 bits and refuses
// an overflow (EOVERFLOW); pmtud-setup refuses such a pair with this same check.
bool kernel_limits_fit(const Config& c, std::string& error) {
    struct Pair {
        const char* names;
        const std::string& rate;
        std::uint32_t burst;
    };
    const Pair pairs[] = {
        {"src_rate/src_burst", c.src_rate, c.src_burst},
        {"ceiling_rate/ceiling_burst", c.ceiling_rate, c.ceiling_burst},
        {"known_ceiling_rate/known_ceiling_burst", c.known_ceiling_rate, c.known_ceiling_burst},
        {"learn_rate/learn_burst", c.learn_rate, c.learn_burst},
    };
    for (const Pair& p : pairs) {
        const RateParts r = rate_parts(p.rate);
        const std::uint64_t cost = r.seconds * 1'000'000'000ULL / r.n;
        if (p.burst > 0x7fffffffffffffffULL / cost) {
            error = std::string(p.names) + ": a burst of " + std::to_string(p.burst) + " at " +
                    p.rate + " overflows the kernel's 64-bit token count";
            return false;
        }
    }
    return true;
}

// Settings that only make sense together.
bool consistent(const Config& c, std::string& error) {
    if (!c.broadcast && c.peers.empty() && c.peers_file.empty()) {
        error = "broadcast = no needs peers or peers_file (else nothing is relayed)";
        return false;
    }
    return kernel_limits_fit(c, error);
}

// ceil(ceiling_rate + known_ceiling_rate) in packets per second, at least 1; exact in integers
// (1/minute + 1/hour is 61/3600, ceil 1).
std::uint32_t auto_rate_pps(const Config& c) {
    const RateParts a = rate_parts(c.ceiling_rate), b = rate_parts(c.known_ceiling_rate);
    const std::uint64_t num = a.n * b.seconds + b.n * a.seconds, den = a.seconds * b.seconds;
    const std::uint64_t pps = (num + den - 1) / den;
    return static_cast<std::uint32_t>(pps < 1 ? 1 : pps);
}

BucketSize bucket(const Config& c, const AutoCount& rate, const AutoCount& burst) {
    BucketSize b;
    b.rate_auto = !rate.has_value();
    b.burst_auto = !burst.has_value();
    b.rate_pps = rate.value_or(auto_rate_pps(c));
    b.burst = burst.value_or(c.ceiling_burst + c.known_ceiling_burst);
    return b;
}

std::string auto_count_text(const AutoCount& n) {
    return n ? std::to_string(*n) : std::string("auto");
}

}  // namespace

bool parse_config(std::string_view text, Config& out, ConfigError& error) {
    Config next = out;
    const bool ok = for_each_line(text, [&](int line_no, std::string_view line) {
        std::string message;
        if (parse_line(line, next, message)) return true;
        error = ConfigError{line_no, std::move(message)};
        return false;
    });
    if (!ok) return false;
    if (std::string message; !consistent(next, message)) {
        error = ConfigError{0, std::move(message)};
        return false;
    }
    out = std::move(next);
    return true;
}

std::string render_config(const Config& c) {
    std::string ifaces;
    for (const auto& name : c.ifaces) {
        if (!ifaces.empty()) ifaces += ',';
        ifaces += name;
    }
    const auto yes_no = [](bool b) { return b ? "yes" : "no"; };
    std::string text;
    const auto line = [&text](std::string_view key, std::string_view value) {
        text += key;
        text += value.empty() ? " =" : " = ";
        text += value;
        text += '\n';
    };
    line("group", std::to_string(c.group));
    line("ifaces", ifaces);
    line("mode", c.mode == Mode::router ? "router" : "host");
    line("src_rate", c.src_rate);
    line("src_burst", std::to_string(c.src_burst));
    line("v6_prefix", std::to_string(c.v6_prefix));
    line("ceiling_rate", c.ceiling_rate);
    line("ceiling_burst", std::to_string(c.ceiling_burst));
    line("known_ceiling_rate", c.known_ceiling_rate);
    line("known_ceiling_burst", std::to_string(c.known_ceiling_burst));
    line("known_timeout", c.known_timeout);
    line("known_size", std::to_string(c.known_size));
    line("learn_rate", c.learn_rate);
    line("learn_burst", std::to_string(c.learn_burst));
    line("storm_timeout", c.storm_timeout);
    line("strict", yes_no(c.strict));
    line("ports", c.ports.to_string());
    line("iface_rate", auto_count_text(c.iface_rate));
    line("iface_burst", auto_count_text(c.iface_burst));
    line("use_src", yes_no(c.use_src));
    line("broadcast", yes_no(c.broadcast));
    line("peers", join_peers(c.peers));
    line("peers_file", c.peers_file);
    line("peer_rate", auto_count_text(c.peer_rate));
    line("peer_burst", auto_count_text(c.peer_burst));
    line("verbose", std::to_string(c.verbose));
    return text;
}

BucketSize iface_bucket(const Config& c) {
    return bucket(c, c.iface_rate, c.iface_burst);
}

BucketSize peer_bucket(const Config& c) {
    return bucket(c, c.peer_rate, c.peer_burst);
}

std::string describe_bucket(const BucketSize& b) {
    return std::string(b.rate_auto ? "auto=" : "") + std::to_string(b.rate_pps) + "/s burst " +
           (b.burst_auto ? "auto=" : "") + std::to_string(b.burst);
}

}  // namespace pmtud
