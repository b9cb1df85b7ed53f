// The unicast relay's sending side (L3 fabrics, where no two servers share a segment): two
// send-only raw sockets, ICMP and ICMPv6, that carry a PTB's ICMP message unchanged to every
// peer of its family. The kernel adds the IP header with this server's own source (the socket
// is bound to its address on the peers list, so receivers recognise the copy) and, for ICMPv6,
// the checksum over the new pseudo-header. One PTB to N peers is one sendmmsg per 1024 peers,
// from messages built when the list was loaded: no allocation per packet. A failing peer costs
// only its own copy (counted, never fatal, never a line per packet).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/peers.hpp"

namespace pmtud::io {

class UnicastSink {
public:
    // sendmmsg sends at most UIO_MAXIOV messages per call.
    static constexpr std::size_t kMaxBatch = 1024;

    enum class OpenStatus : std::uint8_t { ok, no_permission, failed };

    struct SendResult {
        std::uint32_t sent = 0;
        std::uint32_t failed = 0;
    };

    UnicastSink() = default;
    ~UnicastSink();
    UnicastSink(const UnicastSink&) = delete;
    UnicastSink& operator=(const UnicastSink&) = delete;

    // Both sockets (CAP_NET_RAW: before privileges are dropped), receiving nothing.
    OpenStatus open(std::string& error);
    bool is_open() const noexcept { return v4_.fd >= 0; }

    // The peers to send to and the source addresses to bind; allocates (at load, never per
    // packet). Logs a line when a family's binding changes or fails.
    void set_targets(const PeerSelection& selection);
    // Binds again where the last attempt failed (an address still tentative, say); from the
    // 1 s timer.
    void retry_bind() noexcept;

    std::size_t targets(Family family) const noexcept {
        return family == Family::v4 ? v4_.messages.size() : v6_.messages.size();
    }

    // icmp to every target of family. MSG_DONTWAIT: a full socket buffer (EAGAIN, ENOBUFS)
    // fails the rest of this PTB's copies at once rather than spinning.
    SendResult send(Family family, Bytes icmp) noexcept;

private:
    struct Side {
        explicit Side(const char* family_name) : name(family_name) {}
        const char* name;
        int fd = -1;
        int domain = 0;
        std::vector<sockaddr_storage> addresses;  // one per target
        std::vector<mmsghdr> messages;            // point into addresses and at iov
        iovec iov{};
        sockaddr_storage source{};  // wanted binding; ss_family 0 = none (any)
        bool bound = false;         // source is what the socket is bound to
        int failing_errno = 0;      // logged once per change
    };

    // 0 or the errno of the step that failed (error says which).
    static int open_side(Side& side, int domain, int protocol, std::string& error);
    static void bind_source(Side& side, bool log_failure) noexcept;
    static SendResult send_side(Side& side, Bytes icmp) noexcept;

    Side v4_{"IPv4"};
    Side v6_{"IPv6"};
};

}  // namespace pmtud::io
