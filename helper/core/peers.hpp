// The fleet-wide peers list for the unicast relay (L3 fabrics): every server's own unicast
// addresses, the same list on every server. Parsed from the config key `peers` (comma list)
// and from the file `peers_file` (one address per line, # comments, blank lines), refused
// with one line for anything a PTB copy must never be sent to, united and deduplicated. Pure:
// the loader (helper/peers_source) reads the file and the host's own addresses.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ptb.hpp"

namespace pmtud {

inline constexpr std::size_t kMaxPeers = 4096;

using Ipv4Addr = std::array<std::uint8_t, 4>;
using Ipv6Addr = std::array<std::uint8_t, 16>;

// A set of addresses (peers, or this host's own): each family in byte order, no duplicates
// once normalize() ran.
struct AddressList {
    std::vector<Ipv4Addr> v4;
    std::vector<Ipv6Addr> v6;

    std::size_t size() const noexcept { return v4.size() + v6.size(); }
    bool empty() const noexcept { return v4.empty() && v6.empty(); }
    // addr holds 4 (v4) or 16 (v6) bytes. Binary search: no allocation, per-packet safe.
    bool contains(Family family, const std::uint8_t* addr) const noexcept;
    void normalize();
    bool operator==(const AddressList&) const = default;
};

// One address, validated and appended to into (not normalized). Refused: anything inet_pton
// does not read, loopback, link-local, multicast, unspecified, 255.255.255.255, IPv4-mapped
// IPv6; error names the value and the class.
bool parse_peer(std::string_view text, AddressList& into, std::string& error);

// The `peers` value: "a, b,c" ("" = none). out is replaced (normalized) only on success.
bool parse_peer_list(std::string_view text, AddressList& out, std::string& error);

struct PeersFileError {
    int line = 0;  // 1-based; 0 when not tied to a line (too many peers)
    std::string message;
};

// A peers file's text. out is replaced (normalized) only on success.
bool parse_peers_file(std::string_view text, AddressList& out, PeersFileError& error);

// a and b united into out; more than kMaxPeers in all is refused.
bool merge_peers(const AddressList& a, const AddressList& b, AddressList& out, std::string& error);

std::string format_address(const Ipv4Addr& a);
std::string format_address(const Ipv6Addr& a);
// "a\nb\n": IPv4 first, then IPv6 (the --list-peers output and the file format).
std::string render_peer_lines(const AddressList& peers);
// "a,b": the `peers` config value.
std::string join_peers(const AddressList& peers);

// What this server sends to: the list without its own addresses, and the source address to
// bind per family (its lowest own address on the list, so receivers recognise the copy).
struct PeerSelection {
    AddressList targets;
    std::size_t own_skipped = 0;
    std::optional<Ipv4Addr> source_v4;
    std::optional<Ipv6Addr> source_v6;
    bool operator==(const PeerSelection&) const = default;
};

PeerSelection select_peers(const AddressList& peers, const AddressList& own);

}  // namespace pmtud
