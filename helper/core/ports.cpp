#include "core/ports.hpp"

#include <charconv>
#include <cstddef>
#include <cstdint>

namespace pmtud {
namespace {

constexpr std::uint32_t kMaxPort = 65535;

// Digits only: from_chars alone would accept a leading '-'.
bool parse_port_number(std::string_view text, std::uint32_t& out) {
    if (text.empty()) return false;
    for (const char c : text) {
        if (c < '0' || c > '9') return false;
    }
    std::uint32_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || value > kMaxPort) return false;
    out = value;
    return true;
}

std::string quoted(std::string_view s) {
    return "\"" + std::string(s) + "\"";
}

// One element: "N" or "LO-HI".
bool parse_element(std::string_view element, PortSet& out, std::string& error) {
    std::string_view lo_text = element, hi_text = element;
    if (const auto dash = element.find('-'); dash != std::string_view::npos) {
        lo_text = element.substr(0, dash);
        hi_text = element.substr(dash + 1);
    }
    std::uint32_t lo = 0, hi = 0;
    if (!parse_port_number(lo_text, lo) || !parse_port_number(hi_text, hi)) {
        error = quoted(element) + " is not a port or range LO-HI in 0..65535";
        return false;
    }
    if (lo > hi) {
        error = quoted(element) + " is a range whose start is greater than its end";
        return false;
    }
    out.allow(static_cast<std::uint16_t>(lo), static_cast<std::uint16_t>(hi));
    return true;
}

}  // namespace

void PortSet::allow(std::uint16_t lo, std::uint16_t hi) noexcept {
    if (lo > hi) return;
    for (std::uint32_t p = lo; p <= hi; ++p) {
        if (!bits_.test(p)) {
            bits_.set(p);
            ++count_;
        }
    }
}

std::string PortSet::to_string() const {
    std::string text;
    std::uint32_t p = 0;
    while (p <= kMaxPort) {
        if (!bits_.test(p)) {
            ++p;
            continue;
        }
        const std::uint32_t lo = p;
        while (p + 1 <= kMaxPort && bits_.test(p + 1)) ++p;
        if (!text.empty()) text += ',';
        text += std::to_string(lo);
        if (p != lo) text += '-' + std::to_string(p);
        ++p;
    }
    return text;
}

bool parse_ports(std::string_view text, PortSet& out, std::string& error) {
    PortSet result;
    if (text.empty()) {
        out = result;
        return true;
    }
    std::size_t start = 0;
    for (std::size_t index = 1;; ++index) {
        const std::size_t comma = text.find(',', start);
        std::string_view element = text.substr(
            start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        // Spaces are allowed after a comma only ("80, 443").
        if (start > 0) {
            while (!element.empty() && element.front() == ' ') element.remove_prefix(1);
        }
        if (element.empty()) {
            error = "element " + std::to_string(index) + " of " + quoted(text) + " is empty";
            return false;
        }
        if (!parse_element(element, result, error)) return false;
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    out = result;
    return true;
}

}  // namespace pmtud
