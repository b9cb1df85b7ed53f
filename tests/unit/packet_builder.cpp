#include "packet_builder.hpp"

#include <stdexcept>

namespace pmtud::testing {
namespace {

void put16(std::vector<std::uint8_t>& v, std::size_t at, std::uint16_t x) {
    v[at] = static_cast<std::uint8_t>(x >> 8);
    v[at + 1] = static_cast<std::uint8_t>(x);
}
void put32(std::vector<std::uint8_t>& v, std::size_t at, std::uint32_t x) {
    put16(v, at, static_cast<std::uint16_t>(x >> 16));
    put16(v, at + 2, static_cast<std::uint16_t>(x));
}

// Appends a chain of extension headers; next_after is the protocol that follows the chain.
// Returns the first next-header value.
std::uint8_t append_ext(std::vector<std::uint8_t>& v, const std::vector<ExtHeader>& chain,
                        std::uint8_t next_after) {
    for (std::size_t i = 0; i < chain.size(); ++i) {
        const ExtHeader& h = chain[i];
        const std::uint8_t nh = i + 1 < chain.size() ? chain[i + 1].type : next_after;
        const std::size_t at = v.size();
        if (h.type == 44) {
            v.resize(at + 8, 0);
            v[at] = nh;
            put16(v, at + 2, static_cast<std::uint16_t>(h.frag_offset << 3 | 1));
            put32(v, at + 4, 0x1234);
        } else {
            const std::size_t len = (std::size_t{h.len_units} + 1) * 8;
            v.resize(at + len, 0);
            v[at] = nh;
            v[at + 1] = h.len_units;
            if (h.type == 43) {
                v[at + 2] = 4;  // segment routing type; content irrelevant here
                v[at + 3] = h.segments_left;
            } else {
                v[at + 2] = 1;  // PadN option filling the header
                v[at + 3] = static_cast<std::uint8_t>(len - 4);
            }
        }
    }
    return chain.empty() ? next_after : chain[0].type;
}

std::vector<std::uint8_t> inner_packet(const PtbSpec& s) {
    std::vector<std::uint8_t> v;
    if (s.family == 4) {
        const std::size_t ihl = 20 + (s.inner_options.size() + 3) / 4 * 4;
        v.resize(ihl, 0);
        v[0] = static_cast<std::uint8_t>(0x40 | ihl / 4);
        put16(v, 2, 1500);
        put16(v, 6, static_cast<std::uint16_t>(0x4000 | s.inner_frag));
        v[8] = 63;
        v[9] = s.inner_proto;
        put32(v, 12, 0xcb00710a);  // 203.0.113.10
        put32(v, 16, 0xc6336414);  // 198.51.100.20
        for (std::size_t i = 0; i < s.inner_options.size(); ++i) v[20 + i] = s.inner_options[i];
        put16(v, 10, reference_checksum(v, 0, ihl));
    } else {
        v.resize(40, 0);
        v[0] = 0x60;
        put16(v, 4, 1460);
        v[7] = 63;
        const std::uint8_t src[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0xff, 0, 0,
                                      0,    0,    0,    0,    0, 0,    0, 0x10};
        const std::uint8_t dst[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x0c, 0, 0,
                                      0,    0,    0,    0,    0, 0,    0, 0x20};
        for (int i = 0; i < 16; ++i) v[8 + i] = src[i], v[24 + i] = dst[i];
        v[6] = append_ext(v, s.inner_ext, s.inner_proto);
    }
    const std::size_t l4 = v.size();
    v.resize(l4 + s.l4_bytes, 0);
    if (s.l4_bytes >= 2) put16(v, l4, s.sport);
    if (s.l4_bytes >= 4) put16(v, l4 + 2, s.dport);
    for (std::size_t i = 4; i < s.l4_bytes; ++i) v[l4 + i] = static_cast<std::uint8_t>(i * 7);
    return v;
}

}  // namespace

std::uint16_t reference_checksum(const std::vector<std::uint8_t>& d, std::size_t from,
                                 std::size_t to, std::uint32_t sum) {
    for (std::size_t i = from; i < to; i += 2) {
        std::uint32_t w = std::uint32_t{d[i]} << 8;
        if (i + 1 < to) w |= d[i + 1];
        sum += w;
    }
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum & 0xffff);
}

void fix_lengths_and_checksum(std::vector<std::uint8_t>& p) {
    if (p.empty()) return;
    if (p[0] >> 4 == 4) {
        if (p.size() < 20) return;
        put16(p, 2, static_cast<std::uint16_t>(p.size()));
        const std::size_t ihl = std::size_t{p[0] & 0xfu} * 4;
        p[10] = p[11] = 0;
        put16(p, 10, reference_checksum(p, 0, std::min(ihl, p.size())));
        if (p.size() >= ihl + 4) {
            p[ihl + 2] = p[ihl + 3] = 0;
            put16(p, ihl + 2, reference_checksum(p, ihl, p.size()));
        }
        return;
    }
    if (p.size() < 40) return;
    put16(p, 4, static_cast<std::uint16_t>(p.size() - 40));
    // Find the ICMPv6 header after any walkable extension headers.
    std::size_t off = 40;
    std::uint8_t nh = p[6];
    while ((nh == 0 || nh == 60 || nh == 43) && off + 8 <= p.size()) {
        const std::size_t len = (std::size_t{p[off + 1]} + 1) * 8;
        nh = p[off];
        off += len;
    }
    if (nh != 58 || off + 4 > p.size()) return;
    p[off + 2] = p[off + 3] = 0;
    std::uint32_t sum = 0;
    for (std::size_t i = 8; i < 40; i += 2) sum += std::uint32_t{p[i]} << 8 | p[i + 1];
    const std::size_t upper = p.size() - off;
    sum += static_cast<std::uint32_t>(upper >> 16) + static_cast<std::uint32_t>(upper & 0xffff);
    sum += 58;
    put16(p, off + 2, reference_checksum(p, off, p.size(), sum));
}

std::vector<std::uint8_t> build_ptb(const PtbSpec& s) {
    const std::vector<std::uint8_t> inner = inner_packet(s);
    std::vector<std::uint8_t> p;
    std::size_t icmp_at = 0;
    if (s.family == 4) {
        const std::size_t ihl = 20 + (s.outer_options.size() + 3) / 4 * 4;
        p.resize(ihl, 0);
        p[0] = static_cast<std::uint8_t>(0x40 | ihl / 4);
        put16(p, 6, s.outer_frag);
        p[8] = 64;
        p[9] = s.outer_proto_override ? s.outer_proto_override : 1;
        put32(p, 12, 0xc6336401);  // 198.51.100.1
        put32(p, 16, 0xcb00710a);  // 203.0.113.10
        for (std::size_t i = 0; i < s.outer_options.size(); ++i) p[20 + i] = s.outer_options[i];
        icmp_at = ihl;
        p.resize(icmp_at + 8, 0);
        p[icmp_at] = s.default_type ? 3 : s.type;
        p[icmp_at + 1] = s.default_type ? 4 : s.code;
        put16(p, icmp_at + 6, static_cast<std::uint16_t>(s.mtu));
    } else {
        p.resize(40, 0);
        p[0] = 0x60;
        p[7] = 64;
        const std::uint8_t src[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x0e, 0, 0,
                                      0,    0,    0,    0,    0, 0,    0, 0x01};
        const std::uint8_t dst[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0xff, 0, 0,
                                      0,    0,    0,    0,    0, 0,    0, 0x10};
        for (int i = 0; i < 16; ++i) p[8 + i] = src[i], p[24 + i] = dst[i];
        p[6] = append_ext(p, s.outer_ext, s.outer_proto_override ? s.outer_proto_override : 58);
        icmp_at = p.size();
        p.resize(icmp_at + 8, 0);
        p[icmp_at] = s.default_type ? 2 : s.type;
        p[icmp_at + 1] = s.default_type ? 0 : s.code;
        put32(p, icmp_at + 4, s.mtu);
    }
    p.insert(p.end(), inner.begin(), inner.end());
    if (p.size() > 0xffff) throw std::length_error("PTB too long");
    // Lengths and checksums the way a router writes them.
    if (s.family == 4) {
        put16(p, 2, static_cast<std::uint16_t>(p.size()));
        put16(p, 10, reference_checksum(p, 0, icmp_at));
        put16(p, icmp_at + 2, reference_checksum(p, icmp_at, p.size()));
    } else {
        fix_lengths_and_checksum(p);
    }
    if (s.bad_checksum) p[icmp_at + 2] ^= 0x5a;
    return p;
}

std::vector<std::uint8_t> eth_header(const std::uint8_t dst[6], const std::uint8_t src[6],
                                     std::uint16_t type) {
    std::vector<std::uint8_t> v(14);
    for (int i = 0; i < 6; ++i) v[i] = dst[i], v[6 + i] = src[i];
    v[12] = static_cast<std::uint8_t>(type >> 8);
    v[13] = static_cast<std::uint8_t>(type);
    return v;
}

}  // namespace pmtud::testing
