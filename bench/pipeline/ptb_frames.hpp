// Frames for the pipeline benchmark's PTB sender (bench/pipeline/ptb_send.cpp).
//
// A template per family is built once by testing::build_ptb (lengths and checksums computed
// independently of pmtud's parser), made to quote a realistic TCP segment, and then rewritten
// per packet: the outer source, the quoted TCP sequence number (each PTB quotes a different
// segment, so every frame on the wire is unique and a capture can pair a PTB with its relay)
// and, for IPv4, the outer IP ID. Checksums are updated incrementally (RFC 1624), so a frame
// costs a copy and a few adds.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace pmtud::bench {

using Addr = std::array<std::uint8_t, 16>;  // IPv4 uses the first 4 bytes
using Mac = std::array<std::uint8_t, 6>;

// Outer sources: one fixed address, N addresses in turn, or a random one per packet. Rotating
// and random sources come from documentation prefixes only: IPv4 198.51.100.0/24 and
// 203.0.113.0/24 (hosts .1-.254, without the colo's VIP 203.0.113.10: 507 addresses), IPv6
// 2001:db8::/32 with random low 96 bits, kept out of 2001:db8:0::/36 where the colo's own /64s
// live (so a spoofed source never shares a /64 with a real router).
enum class SourceMode : std::uint8_t { one, rotate, random };

class SourcePool {
public:
    static constexpr std::size_t kV4PoolSize = 507;

    SourcePool(int family, SourceMode mode, std::size_t rotate_count, const Addr& one,
               std::uint64_t seed);
    // The source of the next packet of this family.
    void next(Addr& out) noexcept;
    // How many distinct sources this pool can produce (an upper bound for random v6).
    double distinct() const noexcept;

private:
    std::uint64_t random() noexcept;

    int family_;
    SourceMode mode_;
    std::size_t rotate_count_;
    Addr one_;
    std::uint64_t state_;
    std::uint64_t index_ = 0;
};

// A frame rewritten per packet from a template (PTBs here, TCP/UDP in segment_frames.hpp).
class FrameTemplate {
public:
    virtual ~FrameTemplate() = default;
    virtual std::size_t size() const noexcept = 0;
    // Writes frame number `index`, sent by `src`, into out (size() bytes).
    virtual void write(std::uint8_t* out, std::uint64_t index, const Addr& src) const noexcept = 0;
    // Checks every checksum of a frame write() produced, from scratch (the sender's self-test).
    virtual bool verify(const std::uint8_t* frame) const = 0;
};

struct FrameSpec {
    int family = 4;
    std::size_t l3_bytes = 576;  // whole PTB: 576 is RFC 1812's v4 maximum, 1280 RFC 4443's
    std::uint32_t mtu = 1280;    // announced next-hop MTU
    std::uint16_t sport = 443;   // the quoted segment's ports: the server's, then the client's
    std::uint16_t dport = 40000;
    Addr dst{};  // outer destination (the VIP)
    Mac dst_mac{}, src_mac{};
};

class PtbTemplate final : public FrameTemplate {
public:
    // Empty error on success.
    PtbTemplate(const FrameSpec& spec, std::string& error);

    std::size_t size() const noexcept override { return frame_.size(); }
    void write(std::uint8_t* out, std::uint64_t index, const Addr& src) const noexcept override;
    bool verify(const std::uint8_t* frame) const override;

private:
    int family_ = 4;
    std::vector<std::uint8_t> frame_;
    std::size_t icmp_at_ = 0;  // offsets in frame_
    std::size_t seq_at_ = 0;
};

}  // namespace pmtud::bench
