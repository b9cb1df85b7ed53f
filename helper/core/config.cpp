#include "core/config.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>

namespace pmtud {
namespace {

constexpr std::uint32_t kMaxCount = 1000000;    // rates and bursts
constexpr std::size_t kMaxIfaceNameBytes = 15;  // IFNAMSIZ - 1

// A piece of the file (or of an option) in an error message: control and non-ASCII bytes as
// \xNN, at most kMaxQuoted bytes of it, so that a binary or mangled file still gives one short,
// readable line (a NUL would cut the message, an ESC would reach the terminal).
constexpr std::size_t kMaxQuoted = 64;

std::string quoted(std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "\"";
    for (const char ch : s.substr(0, kMaxQuoted)) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c >= 0x7f) {
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 0xf];
        } else {
            out += ch;
        }
    }
    if (s.size() > kMaxQuoted) out += "...";
    out += '"';
    return out;
}

// The C-locale isspace set, which is also what the kernel refuses in interface names.
bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

// Decimal digits only (no sign, no space), within [min, max]; no overflow.
bool read_u32(std::string_view text, std::uint32_t min, std::uint32_t max, std::uint32_t& out) {
    if (text.empty()) return false;
    for (const char c : text) {
        if (c < '0' || c > '9') return false;
    }
    std::uint32_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) return false;
    if (value < min || value > max) return false;
    out = value;
    return true;
}

// One setter per key: parse value into c, or set error (without the key).
using Setter = bool (*)(std::string_view value, Config& c, std::string& error);

struct KeyHandler {
    std::string_view key;
    Setter set;
};

constexpr std::array<KeyHandler, 14> kKeys = {{
    {"group",
     [](std::string_view v, Config& c, std::string& e) {
         std::uint32_t g = 0;
         if (!parse_u32(v, 0, 65535, g, e)) return false;
         c.group = static_cast<std::uint16_t>(g);
         return true;
     }},
    {"ifaces", [](std::string_view v, Config& c,
                  std::string& e) { return parse_iface_list(v, c.ifaces, e); }},
    {"mode",
     [](std::string_view v, Config& c, std::string& e) { return parse_mode(v, c.mode, e); }},
    {"src_rate",
     [](std::string_view v, Config& c, std::string& e) { return parse_rate(v, c.src_rate, e); }},
    {"src_burst", [](std::string_view v, Config& c,
                     std::string& e) { return parse_u32(v, 1, kMaxCount, c.src_burst, e); }},
    {"v6_prefix", [](std::string_view v, Config& c,
                     std::string& e) { return parse_u32(v, 1, 128, c.v6_prefix, e); }},
    {"ceiling_rate", [](std::string_view v, Config& c,
                        std::string& e) { return parse_rate(v, c.ceiling_rate, e); }},
    {"ceiling_burst",
     [](std::string_view v, Config& c, std::string& e) {
         return parse_u32(v, 1, kMaxCount, c.ceiling_burst, e);
     }},
    {"strict",
     [](std::string_view v, Config& c, std::string& e) { return parse_bool(v, c.strict, e); }},
    {"ports",
     [](std::string_view v, Config& c, std::string& e) { return parse_ports(v, c.ports, e); }},
    {"iface_rate", [](std::string_view v, Config& c,
                      std::string& e) { return parse_u32(v, 1, kMaxCount, c.iface_rate, e); }},
    {"iface_burst", [](std::string_view v, Config& c,
                       std::string& e) { return parse_u32(v, 1, kMaxCount, c.iface_burst, e); }},
    {"use_src",
     [](std::string_view v, Config& c, std::string& e) { return parse_bool(v, c.use_src, e); }},
    {"verbose", [](std::string_view v, Config& c,
                   std::string& e) { return parse_u32(v, 0, 3, c.verbose, e); }},
}};

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
    const auto fits = [](const std::string& rate, std::uint32_t burst) {
        const auto slash = rate.find('/');
        const std::uint64_t n = std::stoull(rate.substr(0, slash));
        const std::string unit = rate.substr(slash + 1);
        const std::uint64_t seconds = unit == "day"      ? 86400
                                      : unit == "hour"   ? 3600
                                      : unit == "minute" ? 60
                                                         : 1;
        const std::uint64_t cost = seconds * 1'000'000'000ULL / n;
        return burst <= 0x7fffffffffffffffULL / cost;
    };
    if (!fits(c.src_rate, c.src_burst)) {
        error = "src_rate/src_burst: a burst of " + std::to_string(c.src_burst) + " at " +
                c.src_rate + " overflows the kernel's 64-bit token count";
        return false;
    }
    if (!fits(c.ceiling_rate, c.ceiling_burst)) {
        error = "ceiling_rate/ceiling_burst: a burst of " + std::to_string(c.ceiling_burst) +
                " at " + c.ceiling_rate + " overflows the kernel's 64-bit token count";
        return false;
    }
    return true;
}

}  // namespace

bool parse_config(std::string_view text, Config& out, ConfigError& error) {
    Config next = out;
    int line_no = 0;
    std::size_t start = 0;
    while (start < text.size()) {
        ++line_no;
        const std::size_t nl = text.find('\n', start);
        const std::size_t stop = nl == std::string_view::npos ? text.size() : nl;
        std::string_view line = text.substr(start, stop - start);
        if (const auto hash = line.find('#'); hash != std::string_view::npos) {
            line = line.substr(0, hash);
        }
        std::string message;
        if (!parse_line(line, next, message)) {
            error = ConfigError{line_no, std::move(message)};
            return false;
        }
        start = stop + 1;
    }
    if (std::string message; !kernel_limits_fit(next, message)) {
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
    line("strict", yes_no(c.strict));
    line("ports", c.ports.to_string());
    line("iface_rate", std::to_string(c.iface_rate));
    line("iface_burst", std::to_string(c.iface_burst));
    line("use_src", yes_no(c.use_src));
    line("verbose", std::to_string(c.verbose));
    return text;
}

bool parse_u32(std::string_view text, std::uint32_t min, std::uint32_t max, std::uint32_t& out,
               std::string& error) {
    if (!read_u32(text, min, max, out)) {
        error = quoted(text) + " is not an integer in " + std::to_string(min) + ".." +
                std::to_string(max);
        return false;
    }
    return true;
}

bool parse_bool(std::string_view text, bool& out, std::string& error) {
    static constexpr std::array<std::string_view, 4> kYes = {"yes", "true", "on", "1"};
    static constexpr std::array<std::string_view, 4> kNo = {"no", "false", "off", "0"};
    if (std::find(kYes.begin(), kYes.end(), text) != kYes.end()) {
        out = true;
        return true;
    }
    if (std::find(kNo.begin(), kNo.end(), text) != kNo.end()) {
        out = false;
        return true;
    }
    error = quoted(text) + " is not yes or no (or true/false, on/off, 1/0)";
    return false;
}

bool parse_mode(std::string_view text, Mode& out, std::string& error) {
    if (text == "host") {
        out = Mode::host;
        return true;
    }
    if (text == "router") {
        out = Mode::router;
        return true;
    }
    error = quoted(text) + " is not host or router";
    return false;
}

bool parse_rate(std::string_view text, std::string& out, std::string& error) {
    static constexpr std::array<std::string_view, 4> kUnits = {"second", "minute", "hour", "day"};
    // A bare N means N/second, as pmtud-setup reads it.
    const auto slash = text.find('/');
    const std::string_view unit =
        slash == std::string_view::npos ? std::string_view{"second"} : text.substr(slash + 1);
    std::uint32_t n = 0;
    if (read_u32(text.substr(0, slash), 1, kMaxCount, n) &&
        std::find(kUnits.begin(), kUnits.end(), unit) != kUnits.end()) {
        out = std::to_string(n) + "/" + std::string(unit);  // "007/second" -> "7/second"
        return true;
    }
    error = quoted(text) + " is not a rate N/second|minute|hour|day with N in 1..1000000";
    return false;
}

// Linux accepts 1..15 bytes, not . or .., without '/', ':' or whitespace. Refused as well, exactly
// as pmtud-setup does: ',' and '#' (the list separator and the comment), '"' and '\' (nft string
// quoting), '*' (an nft wildcard), and anything outside printable ASCII.
bool valid_iface_name(std::string_view name) noexcept {
    if (name.empty() || name.size() > kMaxIfaceNameBytes) return false;
    if (name == "." || name == "..") return false;
    for (const char c : name) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x21 || u > 0x7e) return false;
        if (std::string_view("/:,#\"\\*").find(c) != std::string_view::npos) return false;
    }
    return true;
}

bool parse_iface_list(std::string_view text, std::vector<std::string>& out, std::string& error) {
    std::vector<std::string> names;
    text = trim(text);
    if (text.empty()) {
        out.clear();
        return true;
    }
    std::size_t start = 0;
    for (std::size_t index = 1;; ++index) {
        const std::size_t comma = text.find(',', start);
        const std::string_view name = trim(text.substr(
            start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
        if (name.empty()) {
            error = "element " + std::to_string(index) + " of " + quoted(text) + " is empty";
            return false;
        }
        if (!valid_iface_name(name)) {
            error = quoted(name) +
                    " is not an interface name (1..15 printable ASCII characters, none of / : , # "
                    "\" \\ *, "
                    "not . or ..)";
            return false;
        }
        // A repeated name is dropped (first position kept), as pmtud-setup does.
        if (std::find(names.begin(), names.end(), name) == names.end()) names.emplace_back(name);
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    out = std::move(names);
    return true;
}

}  // namespace pmtud
