#include "io/nflog_source.hpp"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/capability.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

extern "C" {
#include <libnetfilter_log/libnetfilter_log.h>
}

#include "io/group_holder.hpp"
#include "io/privileges.hpp"

namespace pmtud::io {
namespace {

constexpr std::uint32_t kQueueThreshold = 1;  // flush every packet: latency over batching
constexpr std::uint32_t kFlushTimeout = 1;    // 1/100 s; only matters with a larger threshold
constexpr std::uint32_t kCopyRange = 0xffff;  // the kernel caps it to its maximum (65531)

std::string errno_text(const char* what, int err) {
    return std::string(what) + ": " + std::strerror(err);
}

}  // namespace

NflogSource::NflogSource() : buffer_(new std::uint8_t[kRecvBufferSize]) {}

NflogSource::~NflogSource() {
    if (socket_ != nullptr) mnl_socket_close(socket_);  // closing unbinds the group
}

int NflogSource::fd() const noexcept {
    return socket_ ? mnl_socket_get_fd(socket_) : -1;
}

int NflogSource::configure(nlmsghdr* message) {
    message->nlmsg_flags |= NLM_F_ACK;
    message->nlmsg_seq = ++seq_;
    if (mnl_socket_sendto(socket_, message, message->nlmsg_len) < 0) return errno;
    // Packets may already arrive between BIND and the last ACK; they are skipped here (the
    // first sequence number the loop sees starts the loss count).
    for (;;) {
        const ssize_t n = mnl_socket_recvfrom(socket_, buffer_.get(), kRecvBufferSize);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        auto* h = reinterpret_cast<const nlmsghdr*>(buffer_.get());
        int remaining = static_cast<int>(n);
        for (; mnl_nlmsg_ok(h, remaining); h = mnl_nlmsg_next(h, &remaining)) {
            if (h->nlmsg_type != NLMSG_ERROR || h->nlmsg_seq != seq_) continue;
            if (h->nlmsg_len < mnl_nlmsg_size(sizeof(nlmsgerr))) return EBADMSG;
            const auto* ack = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(h));
            return -ack->error;
        }
    }
}

NflogSource::OpenStatus NflogSource::open(std::uint16_t group, std::string& error) {
    group_ = group;
    socket_ = mnl_socket_open(NETLINK_NETFILTER);
    if (socket_ == nullptr) {
        error = errno_text("cannot open a netfilter netlink socket", errno);
        return OpenStatus::unavailable;
    }
    if (mnl_socket_bind(socket_, 0, MNL_SOCKET_AUTOPID) < 0) {
        error = errno_text("cannot bind the netlink socket", errno);
        return OpenStatus::unavailable;
    }
    portid_ = mnl_socket_get_portid(socket_);
    const int fd = mnl_socket_get_fd(socket_);

    // A large kernel-side buffer absorbs bursts; SO_RCVBUFFORCE ignores rmem_max.
    int rcvbuf = kSocketRcvBuf;
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0) {
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    }
    // Overruns are counted from NFULA_SEQ gaps instead of surfacing as ENOBUFS.
    int one = 1;
    ::setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof one);

    alignas(nlmsghdr) char message[MNL_SOCKET_BUFFER_SIZE];
    nlmsghdr* h = nflog_nlmsg_put_header(message, NFULNL_MSG_CONFIG, AF_UNSPEC, group);
    nflog_attr_put_cfg_cmd(h, NFULNL_CFG_CMD_BIND);
    if (const int err = configure(h); err != 0) {
        // EPERM means "group bound by another socket" or "no CAP_NET_ADMIN": tell them apart.
        if (err == EPERM && !has_capability(CAP_NET_ADMIN)) {
            error = "binding NFLOG group " + std::to_string(group) +
                    " needs CAP_NET_ADMIN (run as root or grant cap_net_admin,cap_net_raw)";
            return OpenStatus::no_permission;
        }
        if (err == EPERM || err == EBUSY) {
            const GroupHolder holder = find_group_holder(group);
            error = "NFLOG group " + std::to_string(group) + " is already bound by another socket";
            if (holder.bound) error += " (" + describe(holder) + ")";
            error += "; see " + std::string(kNflogProcFile);
            return OpenStatus::busy;
        }
        error = errno_text(("cannot bind NFLOG group " + std::to_string(group)).c_str(), err);
        return OpenStatus::unavailable;
    }

    struct Step {
        const char* what;
        void (*put)(nlmsghdr*);
    };
    static constexpr Step kSteps[] = {
        {"copy mode packet",
         [](nlmsghdr* m) { nflog_attr_put_cfg_mode(m, NFULNL_COPY_PACKET, kCopyRange); }},
        {"queue threshold",
         [](nlmsghdr* m) { mnl_attr_put_u32(m, NFULA_CFG_QTHRESH, htonl(kQueueThreshold)); }},
        {"flush timeout",
         [](nlmsghdr* m) { mnl_attr_put_u32(m, NFULA_CFG_TIMEOUT, htonl(kFlushTimeout)); }},
        {"buffer size",
         [](nlmsghdr* m) { mnl_attr_put_u32(m, NFULA_CFG_NLBUFSIZ, htonl(kNlBufSize)); }},
        {"sequence numbers",
         [](nlmsghdr* m) { mnl_attr_put_u16(m, NFULA_CFG_FLAGS, htons(NFULNL_CFG_F_SEQ)); }},
    };
    for (const Step& step : kSteps) {
        h = nflog_nlmsg_put_header(message, NFULNL_MSG_CONFIG, AF_UNSPEC, group);
        step.put(h);
        if (const int err = configure(h); err != 0) {
            error = errno_text(
                ("NFLOG group " + std::to_string(group) + ": setting " + step.what + " failed")
                    .c_str(),
                err);
            return err == EPERM ? OpenStatus::no_permission : OpenStatus::unavailable;
        }
    }
    return OpenStatus::ok;
}

NflogSource::Datagram NflogSource::receive() noexcept {
    Datagram d;
    for (;;) {
        // MSG_TRUNC makes recv report the datagram's real length, so a cut batch is detected.
        const ssize_t n = ::recv(fd(), buffer_.get(), kRecvBufferSize, MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) d.error = errno;
            return d;
        }
        const auto len = static_cast<std::size_t>(n);
        d.truncated = len > kRecvBufferSize;
        d.bytes = {buffer_.get(), d.truncated ? kRecvBufferSize : len};
        return d;
    }
}

}  // namespace pmtud::io
