// Parse one captured packet into a view of an ICMP "fragmentation needed" (IPv4 3/4) or
// ICMPv6 "packet too big" (2/0), or the precise Reason it is not one we may re-send.
// Pure: no I/O, no allocation; every field is bounds-checked before it is read.
#pragma once

#include <array>
#include <cstdint>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace pmtud {

enum class Family : std::uint8_t { v4, v6 };

inline constexpr std::uint16_t kEtherTypeIPv4 = 0x0800;
inline constexpr std::uint16_t kEtherTypeIPv6 = 0x86DD;

// What NFLOG delivers for one packet.
struct PacketIn {
    Bytes l3;                     // NFULA_PAYLOAD: starts at the outer IP header
    Bytes hwheader;               // NFULA_HWHEADER (Ethernet: dst, src, type); empty when absent
    std::uint16_t hw_protocol{};  // NFULA_PACKET_HDR hw_protocol, host order; 0 = unknown
};

struct Ptb {
    Family family{};
    Bytes l3;                            // the whole outer packet, to be re-sent verbatim
    Bytes icmp;                          // the ICMP message: l3 after the IP header (v4 options
                                         // and v6 extension headers excluded), for the peers
    std::array<std::uint8_t, 16> src{};  // outer source address (IPv4 uses the first 4 bytes)
    std::array<std::uint8_t, 16> dst{};  // outer destination address
    std::uint32_t mtu{};                 // next-hop MTU announced by the router
    std::uint8_t inner_proto{};          // quoted packet's L4 protocol (after v6 extension headers)
    bool has_port{};                     // quoted L4 protocol carries a source port we could read
    std::uint16_t sport{};               // quoted L4 source port (valid when has_port)
};

Result<Ptb> parse_ptb(const PacketIn& in) noexcept;

// Internet checksum (RFC 1071) over data, starting from a partial 32-bit sum. data must start
// at an even offset of the checksummed stream (callers chain even-length pieces).
std::uint32_t checksum_partial(Bytes data, std::uint32_t sum = 0) noexcept;
std::uint16_t checksum_fold(std::uint32_t sum) noexcept;

namespace detail {
// The same sum without the AVX2 loop, so tests cover the SSE2/scalar path on any CPU.
std::uint32_t checksum_partial_baseline(Bytes data, std::uint32_t sum = 0) noexcept;
}  // namespace detail

}  // namespace pmtud
