#include "core/reasons.hpp"

#include <array>

namespace pmtud {
namespace {

constexpr std::array<std::string_view, kReasonCount> kNames = {
    "link_multicast",     "family_mismatch",
    "truncated",          "bad_ip_version",
    "bad_ip_header",      "length_mismatch",
    "outer_fragment",     "outer_ext_header",
    "not_icmp",           "not_ptb",
    "bad_checksum",       "inner_truncated",
    "inner_bad_header",   "inner_ext_header",
    "mtu_out_of_range",   "mtu_not_strict",
    "port_not_allowed",   "no_port",
    "iface_rate_limited", "from_peer",
    "peer_rate_limited",  "iface_not_configured",
    "nflog_malformed",    "frame_too_long",
};

}  // namespace

std::string_view reason_name(Reason r) noexcept {
    const auto i = static_cast<std::size_t>(r);
    return i < kNames.size() ? kNames[i] : std::string_view{"unknown"};
}

std::optional<Reason> reason_from_name(std::string_view name) noexcept {
    for (std::size_t i = 0; i < kNames.size(); ++i) {
        if (kNames[i] == name) return static_cast<Reason>(i);
    }
    return std::nullopt;
}

}  // namespace pmtud
