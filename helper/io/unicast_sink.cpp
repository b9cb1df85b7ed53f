#include "io/unicast_sink.hpp"

#include <arpa/inet.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/icmp.h>
#include <netinet/icmp6.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "io/log.hpp"
#include "io/privileges.hpp"

namespace pmtud::io {
namespace {

// Copies of a burst of PTBs to thousands of peers queue up behind a slow device: room for
// about 4096 copies of a 576-byte PTB (the default 208 KiB holds 150).
constexpr int kSendBuffer = 4 << 20;

std::string errno_text(const char* what) {
    return std::string(what) + ": " + std::strerror(errno);
}

// These sockets only send, but a raw socket gets a copy of every ICMP packet the host
// receives: block every ICMP type (types >= 32 pass ICMP_FILTER, hence the BPF filter too)
// and keep the receive buffer at its minimum.
bool receive_nothing(int fd, int domain, std::string& error) {
    if (domain == AF_INET) {
        icmp_filter filter{~0U};
        if (::setsockopt(fd, SOL_RAW, ICMP_FILTER, &filter, sizeof filter) != 0) {
            error = errno_text("setsockopt(ICMP_FILTER)");
            return false;
        }
    } else {
        icmp6_filter filter;
        ICMP6_FILTER_SETBLOCKALL(&filter);
        if (::setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter) != 0) {
            error = errno_text("setsockopt(ICMP6_FILTER)");
            return false;
        }
    }
    sock_filter drop_all[] = {BPF_STMT(BPF_RET | BPF_K, 0)};
    const sock_fprog program{1, drop_all};
    if (::setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) != 0) {
        error = errno_text("setsockopt(SO_ATTACH_FILTER)");
        return false;
    }
    const int smallest = 0;
    (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &smallest, sizeof smallest);
    // SO_SNDBUFFORCE passes net.core.wmem_max (CAP_NET_ADMIN); else as much as it allows.
    if (::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &kSendBuffer, sizeof kSendBuffer) != 0) {
        (void)::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &kSendBuffer, sizeof kSendBuffer);
    }
    return true;
}

void format_sockaddr(const void* addr, char (&out)[INET6_ADDRSTRLEN]) noexcept {
    const auto* ss = static_cast<const sockaddr_storage*>(addr);
    std::strcpy(out, "?");
    if (ss->ss_family == AF_INET) {
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(ss)->sin_addr, out, sizeof out);
    } else if (ss->ss_family == AF_INET6) {
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(ss)->sin6_addr, out, sizeof out);
    }
}

sockaddr_storage to_sockaddr(const Ipv4Addr& a) {
    sockaddr_storage ss{};
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    std::memcpy(&sin->sin_addr, a.data(), a.size());
    return ss;
}

sockaddr_storage to_sockaddr(const Ipv6Addr& a) {
    sockaddr_storage ss{};
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    std::memcpy(&sin6->sin6_addr, a.data(), a.size());
    return ss;
}

socklen_t sockaddr_len(int domain) {
    return domain == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
}

bool same_source(const sockaddr_storage& a, const sockaddr_storage& b) {
    return std::memcmp(&a, &b, sizeof a) == 0;
}

}  // namespace

UnicastSink::~UnicastSink() {
    for (const Side* side : {&v4_, &v6_}) {
        if (side->fd >= 0) ::close(side->fd);
    }
}

int UnicastSink::open_side(Side& side, int domain, int protocol, std::string& error) {
    side.domain = domain;
    side.fd = ::socket(domain, SOCK_RAW | SOCK_CLOEXEC, protocol);
    if (side.fd < 0) {
        const int err = errno;
        error = std::string("cannot open a raw ") + (domain == AF_INET ? "ICMP" : "ICMPv6") +
                " socket for the peers: " + std::strerror(err);
        return err;
    }
    return receive_nothing(side.fd, domain, error) ? 0 : EINVAL;
}

UnicastSink::OpenStatus UnicastSink::open(std::string& error) {
    int err = open_side(v4_, AF_INET, IPPROTO_ICMP, error);
    if (err == 0) err = open_side(v6_, AF_INET6, IPPROTO_ICMPV6, error);
    if (err == 0) return OpenStatus::ok;
    if (err == EPERM || err == EACCES) {
        error += " (raw sockets need CAP_NET_RAW)";
        return OpenStatus::no_permission;
    }
    return OpenStatus::failed;
}

void UnicastSink::bind_source(Side& side, bool log_failure) noexcept {
    sockaddr_storage addr = side.source;
    addr.ss_family = static_cast<sa_family_t>(side.domain);  // none wanted: the any address
    if (::bind(side.fd, reinterpret_cast<const sockaddr*>(&addr), sockaddr_len(side.domain)) == 0) {
        side.bound = true;
        return;
    }
    const int err = errno;
    if (log_failure || side.bound) {
        char text[INET6_ADDRSTRLEN];
        format_sockaddr(&addr, text);
        log_line("warning: peers: cannot send %s copies from %s: %s (retrying every second)",
                 side.name, text, std::strerror(err));
    }
    side.bound = false;
}

void UnicastSink::set_targets(const PeerSelection& selection) {
    const auto fill = [](Side& side, const auto& addresses, const auto& source) {
        if (side.fd < 0) return;
        side.addresses.clear();
        for (const auto& a : addresses) side.addresses.push_back(to_sockaddr(a));
        side.messages.assign(side.addresses.size(), mmsghdr{});
        for (std::size_t i = 0; i < side.addresses.size(); ++i) {
            msghdr& h = side.messages[i].msg_hdr;
            h.msg_name = &side.addresses[i];
            h.msg_namelen = sockaddr_len(side.domain);
            h.msg_iov = &side.iov;  // one payload, shared by every copy
            h.msg_iovlen = 1;
        }
        const sockaddr_storage wanted = source ? to_sockaddr(*source) : sockaddr_storage{};
        if (!same_source(wanted, side.source) || !side.bound) {
            side.source = wanted;
            bind_source(side, true);
        }
    };
    fill(v4_, selection.targets.v4, selection.source_v4);
    fill(v6_, selection.targets.v6, selection.source_v6);
}

void UnicastSink::retry_bind() noexcept {
    for (Side* side : {&v4_, &v6_}) {
        if (side->fd >= 0 && !side->bound) {
            bind_source(*side, false);
            if (side->bound) {
                char text[INET6_ADDRSTRLEN];
                format_sockaddr(&side->source, text);
                log_line("peers: %s copies go out from %s now", side->name, text);
            }
        }
    }
}

UnicastSink::SendResult UnicastSink::send_side(Side& side, Bytes icmp) noexcept {
    SendResult result;
    const std::size_t count = side.messages.size();
    if (side.fd < 0 || count == 0) return result;
    side.iov.iov_base = const_cast<std::uint8_t*>(icmp.data());  // sendmmsg only reads it
    side.iov.iov_len = icmp.size();
    int first_error = 0;
    std::size_t failed_at = 0;
    std::size_t done = 0;
    while (done < count) {
        const auto chunk = static_cast<unsigned>(std::min(count - done, kMaxBatch));
        const int n = ::sendmmsg(side.fd, &side.messages[done], chunk, MSG_DONTWAIT);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
            result.sent += static_cast<std::uint32_t>(n);
            continue;
        }
        const int err = n < 0 ? errno : EIO;
        if (err == EINTR) continue;
        if (first_error == 0) {
            first_error = err;
            failed_at = done;
        }
        // Out of buffer space: the rest would fail the same way, microseconds from now.
        const bool no_room = err == EAGAIN || err == ENOBUFS;
        const std::size_t lost = no_room ? count - done : 1;  // else only this peer's copy
        result.failed += static_cast<std::uint32_t>(lost);
        done += lost;
    }
    if (first_error != side.failing_errno) {
        if (first_error != 0) {
            char text[INET6_ADDRSTRLEN];
            format_sockaddr(side.messages[failed_at].msg_hdr.msg_name, text);
            log_line(
                "warning: peers: an %s copy to %s failed: %s (counted in peer_send_errors; "
                "logged again when the error changes)",
                side.name, text, std::strerror(first_error));
        } else {
            log_line("peers: %s copies go out without errors again", side.name);
        }
        side.failing_errno = first_error;
    }
    return result;
}

UnicastSink::SendResult UnicastSink::send(Family family, Bytes icmp) noexcept {
    return send_side(family == Family::v4 ? v4_ : v6_, icmp);
}

}  // namespace pmtud::io
