// Why a packet was not re-broadcast. One enum for the parser, the policy and the I/O edge:
// the snake_case names are stable, they become log words and metric labels.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace pmtud {

enum class Reason : std::uint8_t {
    // parse: the packet itself
    link_multicast,    // arrived as link-layer broadcast/multicast: re-sending could loop
    family_mismatch,   // link-layer protocol disagrees with the IP version nibble
    truncated,         // shorter than the outer IP header
    bad_ip_version,    // neither 4 nor 6
    bad_ip_header,     // IHL < 5, or header longer than the packet
    length_mismatch,   // captured length != IP total/payload length (a cut copy)
    outer_fragment,    // outer packet is a fragment: its ICMP cannot be checked
    outer_ext_header,  // IPv6 extension header before ICMPv6 malformed or not walkable
    not_icmp,          // outer L4 is not ICMP / ICMPv6
    not_ptb,           // ICMP but not 3/4 (v4) or 2/0 (v6)
    bad_checksum,      // ICMP / ICMPv6 checksum does not verify
    inner_truncated,   // quoted packet too short for its IP header
    inner_bad_header,  // quoted header has the wrong version or a bad IHL
    inner_ext_header,  // quoted IPv6 extension header chain runs off the end
    // policy
    mtu_out_of_range,    // next-hop MTU outside v4 68..16384 / v6 1280..16384
    mtu_not_strict,      // strict mode: outside v4 576..1499 / v6 1280..1499
    port_not_allowed,    // quoted L4 source port not in the allow-list
    no_port,             // allow-list set, but the quoted packet carries no source port
    iface_rate_limited,  // nothing sent: the broadcast bucket (interface, family) was empty
    from_peer,           // outer source or destination on the peers list: a relayed copy
    peer_rate_limited,   // nothing sent: broadcast = no and the family's peer bucket was empty
    // I/O edge
    iface_not_configured,  // arrived on an interface the helper does not send on
    nflog_malformed,       // NFLOG message without a usable payload
    frame_too_long,        // L3 packet does not fit the interface MTU
};

inline constexpr std::size_t kReasonCount = static_cast<std::size_t>(Reason::frame_too_long) + 1;

// Stable snake_case name ("bad_checksum").
std::string_view reason_name(Reason r) noexcept;

// Inverse of reason_name, for tests and tooling.
std::optional<Reason> reason_from_name(std::string_view name) noexcept;

}  // namespace pmtud
