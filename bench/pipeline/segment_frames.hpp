// TCP segments and UDP datagrams for ptb-send's non-PTB floods (bench/pipeline/nonptb): what
// every packet a server receives costs in table inet pmtud's prerouting chain.
//
// Built once per family and rewritten per packet like the PTBs: the source address, the source
// port (clients' ephemeral ports, 32768-60999, one per packet in turn: many flows, as a busy
// server sees) and, for IPv4, the IP ID; checksums are updated incrementally (RFC 1624).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ptb_frames.hpp"

namespace pmtud::bench {

enum class Proto : std::uint8_t { ptb, tcp, udp };

// TCP flag bits as on the wire.
constexpr std::uint8_t kTcpFin = 0x01, kTcpSyn = 0x02, kTcpRst = 0x04, kTcpPsh = 0x08,
                       kTcpAck = 0x10;

struct SegmentSpec {
    int family = 4;
    Proto proto = Proto::tcp;
    std::size_t l3_bytes = 52;  // v4 52 / v6 72: a pure ACK with the timestamp option
    std::uint16_t dport = 443;
    std::uint8_t tcp_flags = kTcpAck;
    Addr dst{};
    Mac dst_mac{}, src_mac{};
};

// The smallest L3 size of a family and protocol: IP header + TCP (20) or UDP (8) header.
std::size_t min_segment_bytes(int family, Proto proto) noexcept;

class SegmentTemplate final : public FrameTemplate {
public:
    // Empty error on success.
    SegmentTemplate(const SegmentSpec& spec, std::string& error);

    std::size_t size() const noexcept override { return frame_.size(); }
    void write(std::uint8_t* out, std::uint64_t index, const Addr& src) const noexcept override;
    bool verify(const std::uint8_t* frame) const override;

private:
    int family_ = 4;
    Proto proto_ = Proto::tcp;
    std::vector<std::uint8_t> frame_;
    std::size_t l4_at_ = 0;  // offset in frame_
};

}  // namespace pmtud::bench
