// Hand-built PTB packets for the unit tests, benchmarks and fuzz seeds: every length and
// checksum computed here independently of the parser (a plain 16-bit RFC 1071 loop).
#pragma once

#include <cstdint>
#include <vector>

namespace pmtud::testing {

struct ExtHeader {
    std::uint8_t type;               // 0 hop-by-hop, 43 routing, 44 fragment, 60 dest opts, ...
    std::uint8_t segments_left = 0;  // routing only
    std::uint16_t frag_offset = 0;   // fragment only, in 8-byte units
    std::uint8_t len_units = 0;      // hdr ext len (not for fragment): (len_units + 1) * 8 bytes
};

struct PtbSpec {
    int family = 4;
    std::uint8_t type = 0, code = 0;  // 0,0 = the PTB type/code of the family
    bool default_type = true;
    std::uint32_t mtu = 1280;
    std::vector<std::uint8_t> outer_options;  // v4 outer IP options (padded to 4)
    std::vector<ExtHeader> outer_ext;         // v6 headers between IPv6 and ICMPv6
    std::uint8_t outer_proto_override = 0;    // != 0: outer protocol / last next-header
    std::uint16_t outer_frag = 0;             // v4 outer flags+offset field (0x2000 = MF)
    std::vector<std::uint8_t> inner_options;  // v4 quoted IP options
    std::vector<ExtHeader> inner_ext;         // v6 quoted extension headers
    std::uint8_t inner_proto = 6;
    std::uint16_t inner_frag = 0;  // v4 quoted flags+offset (offset in 8-byte units, low 13 bits)
    std::uint16_t sport = 443, dport = 40000;
    std::size_t l4_bytes = 20;  // bytes of quoted L4 header/data
    bool bad_checksum = false;
};

std::uint16_t reference_checksum(const std::vector<std::uint8_t>& data, std::size_t from,
                                 std::size_t to, std::uint32_t initial = 0);

std::vector<std::uint8_t> build_ptb(const PtbSpec& spec);

// Rewrites the outer length field(s) and the ICMP checksum after the packet was cut or edited.
void fix_lengths_and_checksum(std::vector<std::uint8_t>& pkt);

std::vector<std::uint8_t> eth_header(const std::uint8_t dst[6], const std::uint8_t src[6],
                                     std::uint16_t type);

}  // namespace pmtud::testing
