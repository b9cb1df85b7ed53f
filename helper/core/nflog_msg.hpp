// Decode one NFLOG datagram (one recv(): N packet messages, plus an NLMSG_DONE trailer when
// N > 1) into packet views that point into the datagram. Pure over bytes: no socket, no copy,
// no allocation; unit tests feed it hand-built netlink messages.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/bytes.hpp"
#include "core/ptb.hpp"

namespace pmtud {

struct NflogPacket {
    std::uint16_t group{};    // nfgenmsg res_id
    std::uint8_t nfproto{};   // nfgenmsg family: 2 (inet v4), 10 (v6), 5 (netdev)
    std::uint8_t hook{};      // NFULA_PACKET_HDR hook
    std::uint32_t indev{};    // NFULA_IFINDEX_INDEV; 0 when absent
    bool has_seq{};           // NFULA_SEQ present (NFULNL_CFG_F_SEQ)
    std::uint32_t seq{};      // per-instance sequence number
    std::string_view prefix;  // NFULA_PREFIX without its NUL; empty when absent
    PacketIn packet;          // payload, hardware header, hw_protocol
};

class NflogBatchReader {
public:
    enum class Status : std::uint8_t {
        packet,     // out holds a packet message
        malformed,  // a packet message whose attributes did not parse, or without a payload
        error,      // an NLMSG_ERROR with a non-zero code (error_code() tells which)
        end,        // nothing more in this datagram
    };

    explicit NflogBatchReader(Bytes datagram) noexcept;
    // Advances to the next interesting message; skips NLMSG_DONE, NOOP and ACKs.
    Status next(NflogPacket& out) noexcept;
    // Positive errno of the last Status::error.
    int error_code() const noexcept { return error_code_; }

private:
    const std::uint8_t* cursor_;
    std::size_t remaining_;
    int error_code_ = 0;
};

// Counts messages lost between this helper and the kernel from gaps in NFULA_SEQ.
class SeqTracker {
public:
    // Returns how many sequence numbers were skipped before seq (0 for the first one seen).
    std::uint64_t observe(std::uint32_t seq) noexcept;

private:
    bool started_ = false;
    std::uint32_t expected_ = 0;
};

}  // namespace pmtud
