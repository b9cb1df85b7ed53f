#include "core/ptb.hpp"

#include <cstring>
#include <optional>

namespace pmtud {
namespace {

constexpr std::uint8_t kProtoIcmp = 1, kProtoTcp = 6, kProtoUdp = 17, kProtoDccp = 33;
constexpr std::uint8_t kProtoIcmpv6 = 58, kProtoSctp = 132, kProtoUdpLite = 136;
constexpr std::uint8_t kNhHopByHop = 0, kNhRouting = 43, kNhFragment = 44, kNhDestOpts = 60;
constexpr std::uint8_t kNhEsp = 50, kNhAuth = 51;
constexpr std::size_t kIpv4MinHeader = 20, kIpv6Header = 40, kIcmpHeader = 8;
// Receivers (Linux icmp_socket_deliver, icmpv6_notify) drop a PTB that quotes fewer than
// 8 bytes past the inner IP headers, so so do we: a re-sent PTB must be one they accept.
constexpr std::size_t kInnerL4Min = 8;

bool has_source_port(std::uint8_t proto) noexcept {
    return proto == kProtoTcp || proto == kProtoUdp || proto == kProtoSctp || proto == kProtoDccp ||
           proto == kProtoUdpLite;
}

// The parse steps fill one Ptb in place and return the reason to stop, if any: Ptb is
// 96 bytes and copying it between steps cost more than the parsing itself.
using Step = std::optional<Reason>;

// Fills inner_proto / has_port / sport from the L4 header at quoted[off...].
Step finish_inner(Ptb& ptb, Bytes quoted, std::size_t off, std::uint8_t proto,
                  bool first_fragment) noexcept {
    if (quoted.size() < off || quoted.size() - off < kInnerL4Min) return Reason::inner_truncated;
    ptb.inner_proto = proto;
    ptb.has_port = first_fragment && has_source_port(proto);
    if (ptb.has_port) ptb.sport = load_be16(quoted.data() + off);
    return std::nullopt;
}

Step parse_inner_v4(Ptb& ptb, Bytes quoted) noexcept {
    if (quoted.size() < kIpv4MinHeader) return Reason::inner_truncated;
    const std::uint8_t* ip = quoted.data();
    if ((ip[0] >> 4) != 4) return Reason::inner_bad_header;
    const std::size_t ihl = std::size_t{ip[0] & 0x0fu} * 4;
    if (ihl < kIpv4MinHeader) return Reason::inner_bad_header;
    if (ihl > quoted.size()) return Reason::inner_truncated;
    const bool first_fragment = (load_be16(ip + 6) & 0x1fffu) == 0;
    return finish_inner(ptb, quoted, ihl, ip[9], first_fragment);
}

Step parse_inner_v6(Ptb& ptb, Bytes quoted) noexcept {
    if (quoted.size() < kIpv6Header) return Reason::inner_truncated;
    const std::uint8_t* ip = quoted.data();
    if ((ip[0] >> 4) != 6) return Reason::inner_bad_header;
    std::uint8_t nh = ip[6];
    std::size_t off = kIpv6Header;
    bool first_fragment = true;
    // Each extension header is at least 8 bytes, so the walk ends within quoted.size() / 8 steps.
    while (nh == kNhHopByHop || nh == kNhRouting || nh == kNhDestOpts || nh == kNhFragment) {
        if (quoted.size() - off < 8) return Reason::inner_ext_header;
        const std::uint8_t* h = ip + off;
        std::size_t len = 8;
        if (nh == kNhFragment) {
            first_fragment = (load_be16(h + 2) & 0xfff8u) == 0;
        } else {
            len = (std::size_t{h[1]} + 1) * 8;
        }
        if (quoted.size() - off < len) return Reason::inner_ext_header;
        nh = h[0];
        off += len;
        if (!first_fragment) break;  // a later fragment carries no L4 header to read
    }
    return finish_inner(ptb, quoted, off, nh, first_fragment);
}

Step parse_v4(Bytes l3, Ptb& ptb) noexcept {
    if (l3.size() < kIpv4MinHeader) return Reason::truncated;
    const std::uint8_t* ip = l3.data();
    const std::size_t ihl = std::size_t{ip[0] & 0x0fu} * 4;
    if (ihl < kIpv4MinHeader || ihl > l3.size()) return Reason::bad_ip_header;
    if (load_be16(ip + 2) != l3.size()) return Reason::length_mismatch;
    if ((load_be16(ip + 6) & 0x3fffu) != 0) return Reason::outer_fragment;  // MF or offset
    if (ip[9] != kProtoIcmp) return Reason::not_icmp;
    const Bytes icmp = l3.subspan(ihl);
    if (icmp.size() < kIcmpHeader) return Reason::truncated;
    if (icmp[0] != 3 || icmp[1] != 4) return Reason::not_ptb;
    if (checksum_fold(checksum_partial(icmp)) != 0xffff) return Reason::bad_checksum;

    ptb.family = Family::v4;
    ptb.l3 = l3;
    ptb.icmp = icmp;
    std::memcpy(ptb.src.data(), ip + 12, 4);
    std::memcpy(ptb.dst.data(), ip + 16, 4);
    ptb.mtu = load_be16(icmp.data() + 6);  // RFC 1191 next-hop MTU
    return parse_inner_v4(ptb, icmp.subspan(kIcmpHeader));
}

Step parse_v6(Bytes l3, Ptb& ptb) noexcept {
    if (l3.size() < kIpv6Header) return Reason::truncated;
    const std::uint8_t* ip = l3.data();
    if (std::size_t{load_be16(ip + 4)} + kIpv6Header != l3.size()) return Reason::length_mismatch;
    std::uint8_t nh = ip[6];
    std::size_t off = kIpv6Header;
    while (nh != kProtoIcmpv6) {
        if (nh == kNhFragment) return Reason::outer_fragment;
        // ESP and AH hide (or authenticate) what follows: nothing we could re-send verbatim.
        if (nh == kNhEsp || nh == kNhAuth) return Reason::outer_ext_header;
        if (nh != kNhHopByHop && nh != kNhDestOpts && nh != kNhRouting) return Reason::not_icmp;
        if (l3.size() - off < 8) return Reason::outer_ext_header;
        const std::uint8_t* h = ip + off;
        const std::size_t len = (std::size_t{h[1]} + 1) * 8;
        if (l3.size() - off < len) return Reason::outer_ext_header;
        // With segments left, the destination field is not the final one: the checksum's
        // pseudo-header would be wrong and the packet is not ours to deliver anyway.
        if (nh == kNhRouting && h[3] != 0) return Reason::outer_ext_header;
        nh = h[0];
        off += len;
    }
    const Bytes icmp = l3.subspan(off);
    if (icmp.size() < kIcmpHeader) return Reason::truncated;
    if (icmp[0] != 2 || icmp[1] != 0) return Reason::not_ptb;

    // RFC 8200 §8.1 pseudo-header: source, destination, upper-layer length, next header.
    std::uint8_t tail[8] = {};
    const auto upper_len = static_cast<std::uint32_t>(icmp.size());
    tail[0] = static_cast<std::uint8_t>(upper_len >> 24);
    tail[1] = static_cast<std::uint8_t>(upper_len >> 16);
    tail[2] = static_cast<std::uint8_t>(upper_len >> 8);
    tail[3] = static_cast<std::uint8_t>(upper_len);
    tail[7] = kProtoIcmpv6;
    std::uint32_t sum = checksum_partial(l3.subspan(8, 32));
    sum = checksum_partial(Bytes(tail, sizeof tail), sum);
    if (checksum_fold(checksum_partial(icmp, sum)) != 0xffff) return Reason::bad_checksum;

    ptb.family = Family::v6;
    ptb.l3 = l3;
    ptb.icmp = icmp;
    std::memcpy(ptb.src.data(), ip + 8, 16);
    std::memcpy(ptb.dst.data(), ip + 24, 16);
    ptb.mtu = load_be32(icmp.data() + 4);
    return parse_inner_v6(ptb, icmp.subspan(kIcmpHeader));
}

Step parse_into(const PacketIn& in, Ptb& ptb) noexcept {
    // Second line of loop safety after the kernel's `meta pkttype host`: never re-send a frame
    // that was itself sent to a group address (the I/G bit covers broadcast too).
    if (!in.hwheader.empty() && (in.hwheader[0] & 0x01u) != 0) return Reason::link_multicast;
    if (in.l3.empty()) return Reason::truncated;
    const unsigned version = in.l3[0] >> 4;
    if (version != 4 && version != 6) return Reason::bad_ip_version;
    if (in.hw_protocol != 0 && in.hw_protocol != (version == 4 ? kEtherTypeIPv4 : kEtherTypeIPv6)) {
        return Reason::family_mismatch;
    }
    return version == 4 ? parse_v4(in.l3, ptb) : parse_v6(in.l3, ptb);
}

}  // namespace

Result<Ptb> parse_ptb(const PacketIn& in) noexcept {
    Result<Ptb> result{Ptb{}};
    if (const Step stop = parse_into(in, result.mutable_value())) result.fail(*stop);
    return result;
}

}  // namespace pmtud
