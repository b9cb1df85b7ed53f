// The value parsers of config.hpp, shared by the config file and the command line.
#include <algorithm>
#include <array>
#include <charconv>

#include "core/config.hpp"
#include "core/text.hpp"

namespace pmtud {
namespace {

constexpr std::uint32_t kMaxCount = 1000000;    // rates and bursts
constexpr std::size_t kMaxIfaceNameBytes = 15;  // IFNAMSIZ - 1

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

struct DurationUnit {
    char suffix;
    std::uint32_t seconds;
};
constexpr std::array<DurationUnit, 4> kDurationUnits = {
    {{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}}};

// 2592000 -> "30d", 3600 -> "1h": the largest unit that divides it.
std::string format_duration(std::uint32_t seconds) {
    for (const DurationUnit& u : kDurationUnits) {
        if (seconds % u.seconds == 0) return std::to_string(seconds / u.seconds) + u.suffix;
    }
    return std::to_string(seconds) + "s";
}

}  // namespace

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

bool parse_duration(std::string_view text, std::uint32_t max_seconds, std::string& out,
                    std::string& error) {
    if (!text.empty()) {
        const char suffix = text.back();
        for (const DurationUnit& u : kDurationUnits) {
            std::uint32_t n = 0;
            if (u.suffix != suffix ||
                !read_u32(text.substr(0, text.size() - 1), 1, max_seconds / u.seconds, n)) {
                continue;
            }
            out = std::to_string(n) + u.suffix;
            return true;
        }
    }
    error = quoted(text) + " is not a duration N followed by s, m, h or d, from 1s to " +
            format_duration(max_seconds);
    return false;
}

bool parse_auto_count(std::string_view text, AutoCount& out, std::string& error) {
    if (text == "auto") {
        out.reset();
        return true;
    }
    std::uint32_t n = 0;
    if (!read_u32(text, 1, kMaxCount, n)) {
        error = quoted(text) + " is not auto or an integer in 1..1000000";
        return false;
    }
    out = n;
    return true;
}

RateParts rate_parts(std::string_view rate) noexcept {
    RateParts parts;
    const auto slash = rate.find('/');
    std::uint32_t n = 1;
    if (read_u32(rate.substr(0, slash), 1, kMaxCount, n)) parts.n = n;
    const std::string_view unit =
        slash == std::string_view::npos ? std::string_view{} : rate.substr(slash + 1);
    parts.seconds = unit == "day" ? 86400 : unit == "hour" ? 3600 : unit == "minute" ? 60 : 1;
    return parts;
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
                    "\" \\ *, not . or ..)";
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
