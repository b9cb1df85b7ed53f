#include "ptb_frames.hpp"

#include <cstring>

#include "frame_sum.hpp"
#include "packet_builder.hpp"

namespace pmtud::bench {
namespace {

constexpr std::size_t kEth = 14;
constexpr std::uint32_t kSeqBase = 0x5eed0000;  // first quoted sequence number
constexpr std::uint32_t kMss = 1448;            // one full segment per PTB

// The quoted segment as a server sends it: ACK|PSH, a scaled window, a checksum, no options.
void make_tcp_header(std::vector<std::uint8_t>& l3, std::size_t l4, std::size_t l4_bytes) {
    std::uint8_t tcp[20] = {};
    store16(tcp, load16(&l3[l4]));
    store16(tcp + 2, load16(&l3[l4 + 2]));
    store32(tcp + 4, kSeqBase);
    store32(tcp + 8, 0x0badcafe);  // ack
    tcp[12] = 0x50;                // data offset 5
    tcp[13] = 0x18;                // PSH|ACK
    store16(tcp + 14, 501);        // window (scaled)
    store16(tcp + 16, 0xa1b2);     // the segment's own checksum: not checked by anyone here
    const std::size_t n = l4_bytes < sizeof tcp ? l4_bytes : sizeof tcp;
    std::memcpy(&l3[l4], tcp, n);
}

}  // namespace

SourcePool::SourcePool(int family, SourceMode mode, std::size_t rotate_count, const Addr& one,
                       std::uint64_t seed)
    : family_(family), mode_(mode), rotate_count_(rotate_count), one_(one), state_(seed) {}

std::uint64_t SourcePool::random() noexcept {  // splitmix64
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void SourcePool::next(Addr& out) noexcept {
    if (mode_ == SourceMode::one) {
        out = one_;
        return;
    }
    const std::uint64_t k = mode_ == SourceMode::rotate ? index_++ % rotate_count_ : random();
    out = {};
    if (family_ == 4) {
        std::uint64_t host = k % kV4PoolSize;  // 198.51.100.1-254, then 203.0.113.1-254 w/o .10
        if (host < 254) {
            out[0] = 198, out[1] = 51, out[2] = 100;
            out[3] = static_cast<std::uint8_t>(host + 1);
        } else {
            host -= 254;
            out[0] = 203, out[1] = 0, out[2] = 113;
            out[3] = static_cast<std::uint8_t>(host + 1 >= 10 ? host + 2 : host + 1);
        }
        return;
    }
    out[0] = 0x20, out[1] = 0x01, out[2] = 0x0d, out[3] = 0xb8;
    if (mode_ == SourceMode::rotate) {  // 2001:db8:1000+k::1, one /64 per source
        store16(&out[4], static_cast<std::uint16_t>(0x1000 + k));
        out[15] = 1;
        return;
    }
    const std::uint64_t hi = random();
    store16(&out[4], static_cast<std::uint16_t>(0x1000 + (k >> 16) % 0xf000));
    store16(&out[6], static_cast<std::uint16_t>(k));
    for (int i = 0; i < 8; ++i) out[8 + i] = static_cast<std::uint8_t>(hi >> (8 * i));
}

double SourcePool::distinct() const noexcept {
    switch (mode_) {
        case SourceMode::one:
            return 1;
        case SourceMode::rotate:
            return static_cast<double>(rotate_count_);
        case SourceMode::random:
            break;
    }
    return family_ == 4 ? double(kV4PoolSize) : 15.0 / 16.0 * 79228162514264337593543950336.0;
}

PtbTemplate::PtbTemplate(const FrameSpec& spec, std::string& error) : family_(spec.family) {
    const std::size_t headers = spec.family == 4 ? 48 : 88;  // outer IP + ICMP + quoted IP
    if (spec.l3_bytes < headers + 8 || spec.l3_bytes > 1500) {
        error = "size must be " + std::to_string(headers + 8) + "..1500 for IPv" +
                std::to_string(spec.family);
        return;
    }
    testing::PtbSpec s;
    s.family = spec.family;
    s.mtu = spec.mtu;
    s.sport = spec.sport;
    s.dport = spec.dport;
    s.l4_bytes = spec.l3_bytes - headers;
    std::vector<std::uint8_t> l3 = testing::build_ptb(s);
    if (spec.family == 4) {
        std::memcpy(&l3[16], spec.dst.data(), 4);
    } else {
        std::memcpy(&l3[24], spec.dst.data(), 16);
    }
    make_tcp_header(l3, headers, s.l4_bytes);
    testing::fix_lengths_and_checksum(l3);

    const std::uint8_t header[kEth] = {};
    frame_.assign(header, header + kEth);
    std::memcpy(frame_.data(), spec.dst_mac.data(), 6);
    std::memcpy(frame_.data() + 6, spec.src_mac.data(), 6);
    store16(&frame_[12], spec.family == 4 ? 0x0800 : 0x86dd);
    frame_.insert(frame_.end(), l3.begin(), l3.end());
    icmp_at_ = kEth + (spec.family == 4 ? 20 : 40);
    seq_at_ = kEth + headers + 4;
}

void PtbTemplate::write(std::uint8_t* out, std::uint64_t index, const Addr& src) const noexcept {
    std::memcpy(out, frame_.data(), frame_.size());
    std::uint8_t* l3 = out + kEth;
    const std::uint8_t* old_l3 = frame_.data() + kEth;
    std::uint8_t* seq = out + seq_at_;
    store32(seq, kSeqBase + static_cast<std::uint32_t>(index) * kMss);
    // The quoted data changed: fix the ICMP checksum (v6: the source is in its pseudo-header).
    std::uint32_t icmp = sum_words(frame_.data() + seq_at_, 4, true) + sum_words(seq, 4, false);
    if (family_ == 4) {
        std::memcpy(l3 + 12, src.data(), 4);
        store16(l3 + 4, static_cast<std::uint16_t>(index));  // IP ID
        const std::uint32_t ip = sum_words(old_l3 + 12, 4, true) + sum_words(old_l3 + 4, 2, true) +
                                 sum_words(l3 + 12, 4, false) + sum_words(l3 + 4, 2, false);
        store16(l3 + 10, update_checksum(load16(old_l3 + 10), ip));
    } else {
        std::memcpy(l3 + 8, src.data(), 16);
        icmp += sum_words(old_l3 + 8, 16, true) + sum_words(l3 + 8, 16, false);
    }
    std::uint8_t* icmp_checksum = out + icmp_at_ + 2;
    store16(icmp_checksum, update_checksum(load16(frame_.data() + icmp_at_ + 2), icmp));
}

bool PtbTemplate::verify(const std::uint8_t* frame) const {
    const std::vector<std::uint8_t> l3(frame + kEth, frame + frame_.size());
    const std::size_t ip_len = family_ == 4 ? 20 : 40;
    if (family_ == 4) {
        return testing::reference_checksum(l3, 0, ip_len) == 0 &&
               testing::reference_checksum(l3, ip_len, l3.size()) == 0;
    }
    std::uint32_t pseudo = sum_words(l3.data() + 8, 32, false);
    pseudo += static_cast<std::uint32_t>(l3.size() - ip_len) + 58;
    return testing::reference_checksum(l3, ip_len, l3.size(), pseudo) == 0;
}

}  // namespace pmtud::bench
