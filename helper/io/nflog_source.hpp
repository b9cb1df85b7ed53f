// The NFLOG side: a netlink socket bound to one nfnetlink_log group, configured for a full
// packet copy, sub-millisecond delivery and sequence numbers (so losses are counted exactly).
// Receives whole datagrams (one kernel batch each) into a buffer larger than any batch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

struct mnl_socket;
struct nlmsghdr;

namespace pmtud::io {

class NflogSource {
public:
    // Kernel maximum for NFULA_CFG_NLBUFSIZ (larger values are silently ignored).
    static constexpr std::uint32_t kNlBufSize = 131072;
    // One datagram is at most kNlBufSize, or one message when a single packet is larger.
    static constexpr std::size_t kRecvBufferSize = 256 * 1024;
    static constexpr int kSocketRcvBuf = 8 << 20;

    enum class OpenStatus : std::uint8_t { ok, busy, no_permission, unavailable };

    NflogSource();
    ~NflogSource();
    NflogSource(const NflogSource&) = delete;
    NflogSource& operator=(const NflogSource&) = delete;

    // Binds and configures group; on failure error is one line saying what and why.
    OpenStatus open(std::uint16_t group, std::string& error);
    int fd() const noexcept;

    struct Datagram {
        std::span<const std::uint8_t> bytes;  // empty: nothing left to read (EAGAIN)
        bool truncated = false;               // did not fit the buffer: its packets are lost
        int error = 0;                        // errno of a failed recv (not EAGAIN)
    };
    // Non-blocking; the bytes stay valid until the next call.
    Datagram receive() noexcept;

private:
    int configure(nlmsghdr* message);  // sends with NLM_F_ACK, returns the ACK's errno (0 = ok)

    mnl_socket* socket_ = nullptr;
    std::unique_ptr<std::uint8_t[]> buffer_;
    std::uint32_t portid_ = 0;
    std::uint32_t seq_ = 0;
    std::uint16_t group_ = 0;
};

}  // namespace pmtud::io
