#include "io/broadcast_sink.hpp"

#include <linux/capability.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "io/log.hpp"
#include "io/privileges.hpp"

namespace pmtud::io {
namespace {

bool iface_ioctl(int fd, unsigned long request, const std::string& name, ifreq& req) noexcept {
    std::memset(&req, 0, sizeof req);
    std::snprintf(req.ifr_name, sizeof req.ifr_name, "%s", name.c_str());
    return ::ioctl(fd, request, &req) == 0;
}

bool bind_ifindex(int fd, int ifindex) noexcept {
    sockaddr_ll addr{};
    addr.sll_family = AF_PACKET;
    addr.sll_protocol = 0;  // transmit only: no receive hook is registered for this socket
    addr.sll_ifindex = ifindex;
    return ::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
}

void format_mac(const std::array<std::uint8_t, 6>& mac, char (&out)[18]) noexcept {
    std::snprintf(out, sizeof out, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
                  mac[4], mac[5]);
}

}  // namespace

BroadcastSink::BroadcastSink() = default;

BroadcastSink::~BroadcastSink() {
    for (const SinkIface& iface : ifaces_) {
        if (iface.fd >= 0) ::close(iface.fd);
    }
    if (ctl_fd_ >= 0) ::close(ctl_fd_);
}

BroadcastSink::OpenStatus BroadcastSink::open(const std::vector<std::string>& names, bool transmit,
                                              std::string& error) {
    transmit_ = transmit;
    if (!transmit) {
        ctl_fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (ctl_fd_ < 0) {
            error = "cannot open an AF_UNIX socket: " + std::string(std::strerror(errno));
            return OpenStatus::failed;
        }
    } else {
        slots_.reset(new std::uint8_t[kBatch * kSlotSize]);
    }
    ifaces_.reserve(names.size());
    for (const std::string& name : names) {
        SinkIface iface;
        iface.name = name;
        if (!transmit) {
            ifaces_.push_back(iface);
            ifreq req;
            if (!iface_ioctl(ctl_fd_, SIOCGIFINDEX, name, req)) {
                error = "interface " + name + " does not exist";
                return OpenStatus::missing;
            }
            if (!resolve(ifaces_.back(), false) || ifaces_.back().ifindex == 0) {
                error = "interface " + name + ": " + std::strerror(errno);
                return OpenStatus::failed;
            }
            continue;
        }
        iface.fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
        if (iface.fd < 0) {
            const int err = errno;
            error = "cannot open an AF_PACKET socket: " + std::string(std::strerror(err));
            if (err == EPERM || err == EACCES) {
                error += " (sending raw frames needs CAP_NET_RAW";
                // Say all of it at once: granting CAP_NET_RAW alone would fail again on NFLOG.
                if (!has_capability(CAP_NET_ADMIN)) {
                    error += "; binding NFLOG needs CAP_NET_ADMIN: run as root or grant both";
                }
                error += ")";
                return OpenStatus::no_permission;
            }
            return OpenStatus::failed;
        }
        ifaces_.push_back(iface);
        SinkIface& added = ifaces_.back();
        ifreq req;
        if (!iface_ioctl(added.fd, SIOCGIFINDEX, name, req)) {
            error = "interface " + name + " does not exist";
            return OpenStatus::missing;
        }
        if (iface_ioctl(added.fd, SIOCGIFHWADDR, name, req) &&
            req.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
            error = "interface " + name + " is not Ethernet (ARPHRD " +
                    std::to_string(req.ifr_hwaddr.sa_family) + ")";
            return OpenStatus::not_ethernet;
        }
        if (!resolve(added, false) || added.ifindex == 0) {
            error = "interface " + name + ": " + std::strerror(errno);
            return OpenStatus::failed;
        }
    }
    return OpenStatus::ok;
}

int BroadcastSink::find(int ifindex) const noexcept {
    if (ifindex <= 0) return -1;
    for (std::size_t i = 0; i < ifaces_.size(); ++i) {
        if (ifaces_[i].ifindex == ifindex) return static_cast<int>(i);
    }
    return -1;
}

bool BroadcastSink::resolve(SinkIface& iface, bool log_changes) noexcept {
    ifreq req;
    const int fd = ioctl_fd(iface);
    if (!iface_ioctl(fd, SIOCGIFINDEX, iface.name, req)) {
        if (iface.ifindex != 0 && log_changes) {
            log_line("interface %s is gone; waiting for it to come back", iface.name.c_str());
        }
        iface.ifindex = 0;
        iface.stale = true;
        return true;
    }
    const int ifindex = req.ifr_ifindex;
    std::array<std::uint8_t, 6> mac = iface.mac;
    if (iface_ioctl(fd, SIOCGIFHWADDR, iface.name, req) &&
        req.ifr_hwaddr.sa_family == ARPHRD_ETHER) {
        std::memcpy(mac.data(), req.ifr_hwaddr.sa_data, mac.size());
    }
    std::uint32_t mtu = iface.mtu;
    if (iface_ioctl(fd, SIOCGIFMTU, iface.name, req) && req.ifr_mtu > 0) {
        mtu = static_cast<std::uint32_t>(req.ifr_mtu);
    }
    if (ifindex != iface.ifindex && iface.fd >= 0) {
        // Re-binding an existing packet socket needs no capability (they may be dropped).
        if (!bind_ifindex(iface.fd, ifindex)) {
            if (log_changes) {
                log_line("interface %s: bind to ifindex %d failed: %s", iface.name.c_str(), ifindex,
                         std::strerror(errno));
            }
            iface.stale = true;
            return false;
        }
    }
    if (log_changes && (ifindex != iface.ifindex || mac != iface.mac || mtu != iface.mtu)) {
        char text[18];
        format_mac(mac, text);
        log_line("interface %s: ifindex %d, mac %s, mtu %u", iface.name.c_str(), ifindex, text,
                 mtu);
    }
    iface.ifindex = ifindex;
    iface.mac = mac;
    iface.mtu = mtu;
    iface.stale = false;
    return true;
}

void BroadcastSink::refresh() noexcept {
    for (SinkIface& iface : ifaces_) resolve(iface, true);
}

bool BroadcastSink::any_stale() const noexcept {
    for (const SinkIface& iface : ifaces_) {
        if (iface.stale) return true;
    }
    return false;
}

std::span<std::uint8_t> BroadcastSink::slot() noexcept {
    if (pending_ == kBatch || !slots_) return {};
    return {slots_.get() + pending_ * kSlotSize, kSlotSize};
}

void BroadcastSink::commit(std::uint32_t iface, std::size_t len, std::uint32_t tag) noexcept {
    if (pending_ == kBatch || len > kSlotSize || iface >= ifaces_.size()) return;
    slot_iface_[pending_] = iface;
    slot_tag_[pending_] = tag;
    slot_len_[pending_] = len;
    ++pending_;
}

void BroadcastSink::send_iface(std::uint32_t index) noexcept {
    SinkIface& iface = ifaces_[index];
    std::array<mmsghdr, kBatch> messages{};
    std::array<iovec, kBatch> iov{};
    std::array<std::size_t, kBatch> which{};
    std::size_t count = 0;
    for (std::size_t i = 0; i < pending_; ++i) {
        if (slot_iface_[i] != index) continue;
        iov[count] = {slots_.get() + i * kSlotSize, slot_len_[i]};
        messages[count].msg_hdr.msg_iov = &iov[count];
        messages[count].msg_hdr.msg_iovlen = 1;
        which[count++] = i;
    }
    std::size_t done = 0;
    while (done < count) {
        int error = 0;
        std::size_t sent = 0;
        if (iface.ifindex == 0) {
            error = ENODEV;  // deleted and not back yet: do not send on a stale binding
        } else {
            const int n = ::sendmmsg(iface.fd, &messages[done], static_cast<unsigned>(count - done),
                                     MSG_DONTWAIT);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                error = n < 0 ? errno : EIO;
            } else {
                sent = static_cast<std::size_t>(n);
            }
        }
        for (std::size_t k = 0; k < sent; ++k) {
            const std::size_t i = which[done + k];
            results_[result_count_++] = {index, slot_tag_[i], 0};
        }
        done += sent;
        if (sent != 0 && iface.failing_errno != 0) {
            log_line("interface %s: sending works again", iface.name.c_str());
            iface.failing_errno = 0;
        }
        if (error == 0) continue;
        // The frame at done failed: count it, survive, and go on with the rest.
        results_[result_count_++] = {index, slot_tag_[which[done]], error};
        ++done;
        if (error != iface.failing_errno) {
            log_line("interface %s: send failed: %s (counted in send_errors until it works again)",
                     iface.name.c_str(), std::strerror(error));
            iface.failing_errno = error;
        }
        // Gone (deleted) or a changed MTU: resolve again before the next send.
        if (error == ENXIO || error == ENODEV || error == EMSGSIZE) iface.stale = true;
    }
}

std::span<const BroadcastSink::SendResult> BroadcastSink::flush() noexcept {
    result_count_ = 0;
    if (pending_ == 0) return {};
    if (any_stale()) {
        for (SinkIface& iface : ifaces_) {
            if (iface.stale) resolve(iface, true);
        }
    }
    for (std::uint32_t index = 0; index < ifaces_.size(); ++index) {
        for (std::size_t i = 0; i < pending_; ++i) {
            if (slot_iface_[i] == index) {
                send_iface(index);
                break;
            }
        }
    }
    pending_ = 0;
    return {results_.data(), result_count_};
}

}  // namespace pmtud::io
