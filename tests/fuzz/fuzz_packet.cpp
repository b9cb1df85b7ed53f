// libFuzzer target: arbitrary bytes through parse -> policy -> frame, as the helper runs them.
// Input layout: byte 0 selects the link-layer context and the policy, the rest is the L3 packet.
// Properties checked on every input (a violation aborts, which libFuzzer reports as a crash):
//  - a parsed PTB is a view of exactly the input, re-parses to the same fields, and verifies
//    against an independent plain 16-bit checksum loop; its ICMP message ends the input;
//  - a frame is never longer than the input plus 14 and carries the input verbatim.
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "core/frame.hpp"
#include "core/policy.hpp"

namespace {

using namespace pmtud;

void check(bool ok) {
    if (!ok) std::abort();
}

// RFC 1071 the slow, obvious way (network order, odd byte padded).
std::uint32_t plain_sum(const std::uint8_t* p, std::size_t n, std::uint32_t sum) {
    for (std::size_t i = 0; i + 1 < n; i += 2) sum += std::uint32_t(p[i] << 8 | p[i + 1]);
    if (n & 1) sum += std::uint32_t(p[n - 1] << 8);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return sum;
}

bool independently_verified(const Ptb& ptb) {
    const std::uint8_t* ip = ptb.l3.data();
    if (ptb.family == Family::v4) {
        const std::size_t ihl = std::size_t(ip[0] & 0xf) * 4;
        return plain_sum(ip + ihl, ptb.l3.size() - ihl, 0) == 0xffff;
    }
    // Find the ICMPv6 header the way a reader of RFC 8200 would: walk 0, 43, 60.
    std::size_t off = 40;
    std::uint8_t nh = ip[6];
    while (nh != 58) {
        nh = ip[off];
        off += (std::size_t(ip[off + 1]) + 1) * 8;
    }
    const std::size_t len = ptb.l3.size() - off;
    std::uint32_t sum = plain_sum(ip + 8, 32, 0);
    sum += std::uint32_t(len >> 16) + std::uint32_t(len & 0xffff) + 58;
    return plain_sum(ip + off, len, sum) == 0xffff;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::uint8_t mode = data[0];
    const Bytes l3(data + 1, size - 1);

    static const std::uint8_t kHw[3][14] = {
        {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00},  // unicast
        {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00},
        {0x33, 0x33, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 1, 0x86, 0xdd},
    };
    PacketIn in;
    in.l3 = l3;
    if (mode & 0x3) in.hwheader = Bytes(kHw[(mode & 0x3) - 1], 14);
    static const std::uint16_t kProto[4] = {0, kEtherTypeIPv4, kEtherTypeIPv6, 0x0806};
    in.hw_protocol = kProto[(mode >> 2) & 0x3];

    const Result<Ptb> r = parse_ptb(in);
    if (!r) {
        check(reason_name(r.reason()) != "unknown");
        return 0;
    }
    const Ptb& ptb = *r;
    check(ptb.l3.data() == l3.data() && ptb.l3.size() == l3.size());
    check((l3[0] >> 4) == (ptb.family == Family::v4 ? 4 : 6));
    check(in.hwheader.empty() || (in.hwheader[0] & 1) == 0);
    check(independently_verified(ptb));
    // The unicast copy: the ICMP message, to the end of the packet, after the IP headers.
    check(ptb.icmp.data() > l3.data() &&
          ptb.icmp.data() + ptb.icmp.size() == l3.data() + l3.size());
    check(ptb.icmp.size() >= 8 && ptb.icmp[0] == (ptb.family == Family::v4 ? 3 : 2));
    const Result<Ptb> again = parse_ptb(in);
    check(again && again->mtu == ptb.mtu && again->sport == ptb.sport &&
          again->has_port == ptb.has_port && again->inner_proto == ptb.inner_proto &&
          again->src == ptb.src);

    PolicySettings settings;
    settings.strict = (mode & 0x10) != 0;
    if (mode & 0x20) settings.ports.allow(443, 443);
    TokenBucket bucket(10, 1);
    const auto why = decide(settings, ptb, bucket, 1'000'000'000);
    if (why) {
        check(*why == Reason::mtu_out_of_range || *why == Reason::mtu_not_strict ||
              *why == Reason::port_not_allowed || *why == Reason::no_port);
        return 0;
    }
    check(!check_mtu(ptb.family, ptb.mtu, settings.strict));

    static std::array<std::uint8_t, 65536 + 14> frame;
    const Mac mac = {0x02, 0, 0, 0, 0, 9};
    const std::size_t n = build_frame(frame, ptb, mac);
    check(n == l3.size() + kEthHeaderLen && n <= size + kEthHeaderLen);
    check(std::memcmp(frame.data() + kEthHeaderLen, l3.data(), l3.size()) == 0);
    check(frame[0] == 0xff && frame[5] == 0xff && frame[11] == 9);
    check(frame[12] == (ptb.family == Family::v4 ? 0x08 : 0x86));
    return 0;
}
