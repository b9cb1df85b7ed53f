#include "segment_frames.hpp"

#include <cstring>

#include "frame_sum.hpp"
#include "packet_builder.hpp"

namespace pmtud::bench {
namespace {

constexpr std::size_t kEth = 14;
constexpr std::uint16_t kFirstPort = 32768;  // Linux's default ephemeral range
constexpr std::uint16_t kPorts = 61000 - kFirstPort;

std::size_t ip_bytes(int family) noexcept {
    return family == 4 ? 20 : 40;
}
std::uint8_t proto_number(Proto p) noexcept {
    return p == Proto::tcp ? 6 : 17;
}

// The L4 pseudo-header's sum (RFC 793 / RFC 8200 8.1); l3 holds the addresses.
std::uint32_t pseudo_sum(int family, const std::vector<std::uint8_t>& l3, std::uint8_t proto) {
    const std::size_t addrs = family == 4 ? 12 : 8, len = family == 4 ? 8 : 32;
    return sum_words(&l3[addrs], len, false) + proto +
           static_cast<std::uint32_t>(l3.size() - ip_bytes(family));
}

// A client's segment as a server receives it: timestamps when the size leaves room for them.
void make_tcp(std::uint8_t* tcp, std::size_t l4_bytes, std::uint16_t dport, std::uint8_t flags) {
    store16(tcp + 2, dport);
    store32(tcp + 4, 0x5eed0001);                        // seq
    store32(tcp + 8, flags & kTcpAck ? 0x0badcafe : 0);  // ack
    const bool ts = l4_bytes >= 32;
    tcp[12] = static_cast<std::uint8_t>((ts ? 8 : 5) << 4);  // data offset
    tcp[13] = flags;
    store16(tcp + 14, 502);  // window (scaled)
    if (ts) {
        const std::uint8_t opt[12] = {1, 1, 8, 10, 0, 0, 0x12, 0x34, 0, 0, 0x56, 0x78};
        std::memcpy(tcp + 20, opt, sizeof opt);
    }
}

}  // namespace

std::size_t min_segment_bytes(int family, Proto proto) noexcept {
    return ip_bytes(family) + (proto == Proto::tcp ? 20 : 8);
}

SegmentTemplate::SegmentTemplate(const SegmentSpec& spec, std::string& error)
    : family_(spec.family), proto_(spec.proto) {
    const std::size_t lo = min_segment_bytes(spec.family, spec.proto);
    if (spec.proto == Proto::ptb || spec.l3_bytes < lo || spec.l3_bytes > 1500) {
        error = "size must be " + std::to_string(lo) + "..1500 for IPv" +
                std::to_string(spec.family) + (spec.proto == Proto::tcp ? " TCP" : " UDP");
        return;
    }
    const std::size_t ip = ip_bytes(spec.family), l4_bytes = spec.l3_bytes - ip;
    const std::uint8_t proto = proto_number(spec.proto);
    std::vector<std::uint8_t> l3(spec.l3_bytes, 0);
    if (spec.family == 4) {
        l3[0] = 0x45;
        store16(&l3[2], static_cast<std::uint16_t>(spec.l3_bytes));
        store16(&l3[6], 0x4000);  // DF, as TCP and QUIC send
        l3[8] = 64;
        l3[9] = proto;
        std::memcpy(&l3[16], spec.dst.data(), 4);
        store16(&l3[10], testing::reference_checksum(l3, 0, ip));
    } else {
        l3[0] = 0x60;
        store16(&l3[4], static_cast<std::uint16_t>(l4_bytes));
        l3[6] = proto;
        l3[7] = 64;
        std::memcpy(&l3[24], spec.dst.data(), 16);
    }
    std::uint8_t* l4 = &l3[ip];
    for (std::size_t i = 8; i < l4_bytes; ++i) l4[i] = static_cast<std::uint8_t>(i * 13);
    std::size_t checksum_at = 6;
    if (spec.proto == Proto::tcp) {
        make_tcp(l4, l4_bytes, spec.dport, spec.tcp_flags);
        checksum_at = 16;
    } else {
        store16(l4 + 2, spec.dport);
        store16(l4 + 4, static_cast<std::uint16_t>(l4_bytes));
        store16(l4 + 6, 0);
    }
    store16(l4 + checksum_at, 0);
    std::uint16_t c =
        testing::reference_checksum(l3, ip, l3.size(), pseudo_sum(spec.family, l3, proto));
    if (c == 0 && spec.proto == Proto::udp) c = 0xffff;  // 0 means "no checksum" in UDP
    store16(l4 + checksum_at, c);

    frame_.assign(kEth, 0);
    std::memcpy(frame_.data(), spec.dst_mac.data(), 6);
    std::memcpy(frame_.data() + 6, spec.src_mac.data(), 6);
    store16(&frame_[12], spec.family == 4 ? 0x0800 : 0x86dd);
    frame_.insert(frame_.end(), l3.begin(), l3.end());
    l4_at_ = kEth + ip;
}

void SegmentTemplate::write(std::uint8_t* out, std::uint64_t index,
                            const Addr& src) const noexcept {
    std::memcpy(out, frame_.data(), frame_.size());
    std::uint8_t* l3 = out + kEth;
    const std::uint8_t* old_l3 = frame_.data() + kEth;
    std::uint8_t* l4 = out + l4_at_;
    store16(l4, static_cast<std::uint16_t>(kFirstPort + index % kPorts));
    std::uint32_t sum = sum_words(frame_.data() + l4_at_, 2, true) + sum_words(l4, 2, false);
    if (family_ == 4) {
        std::memcpy(l3 + 12, src.data(), 4);
        store16(l3 + 4, static_cast<std::uint16_t>(index));  // IP ID
        const std::uint32_t ip = sum_words(old_l3 + 12, 4, true) + sum_words(old_l3 + 4, 2, true) +
                                 sum_words(l3 + 12, 4, false) + sum_words(l3 + 4, 2, false);
        store16(l3 + 10, update_checksum(load16(old_l3 + 10), ip));
        sum += sum_words(old_l3 + 12, 4, true) + sum_words(l3 + 12, 4, false);
    } else {
        std::memcpy(l3 + 8, src.data(), 16);
        sum += sum_words(old_l3 + 8, 16, true) + sum_words(l3 + 8, 16, false);
    }
    const std::size_t at = l4_at_ + (proto_ == Proto::tcp ? 16 : 6);
    std::uint16_t c = update_checksum(load16(frame_.data() + at), sum);
    if (c == 0 && proto_ == Proto::udp) c = 0xffff;
    store16(out + at, c);
}

bool SegmentTemplate::verify(const std::uint8_t* frame) const {
    const std::vector<std::uint8_t> l3(frame + kEth, frame + frame_.size());
    const std::size_t ip = ip_bytes(family_);
    if (family_ == 4 && testing::reference_checksum(l3, 0, ip) != 0) return false;
    const std::uint8_t proto = proto_number(proto_);
    if (proto_ == Proto::udp && load16(&l3[ip + 6]) == 0) return false;
    return testing::reference_checksum(l3, ip, l3.size(), pseudo_sum(family_, l3, proto)) == 0;
}

}  // namespace pmtud::bench
