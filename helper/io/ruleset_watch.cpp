#include "io/ruleset_watch.hpp"

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "io/log.hpp"

namespace pmtud::io {
namespace {

constexpr const char* kGoneAdvice =
    "no PTB reaches the helper until it is loaded (pmtud-setup apply)";

std::string errno_text(const char* what, int err) {
    return std::string(what) + ": " + std::strerror(err);
}

// NFT_MSG_GETTABLE inet pmtud on a socket of its own (so that its answer cannot mix with the
// notifications): present, missing, or unknown with error set.
RulesState query_table(std::uint8_t* buffer, std::size_t size, std::string& error) {
    mnl_socket* nl = mnl_socket_open(NETLINK_NETFILTER);
    if (nl == nullptr) {
        error = errno_text("cannot open a netfilter netlink socket", errno);
        return RulesState::unknown;
    }
    RulesState state = RulesState::unknown;
    const std::uint32_t seq = 1;
    nlmsghdr* h = mnl_nlmsg_put_header(buffer);
    h->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETTABLE;
    h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    h->nlmsg_seq = seq;
    auto* gen = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(h, sizeof(nfgenmsg)));
    gen->nfgen_family = NFPROTO_INET;
    gen->version = NFNETLINK_V0;
    gen->res_id = 0;
    mnl_attr_put_strz(h, NFTA_TABLE_NAME, std::string(kRulesTable).c_str());
    if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
        mnl_socket_sendto(nl, h, h->nlmsg_len) < 0) {
        error = errno_text("cannot ask nf_tables for table inet pmtud", errno);
        mnl_socket_close(nl);
        return state;
    }
    bool table_seen = false;
    for (bool done = false; !done;) {
        const ssize_t n = mnl_socket_recvfrom(nl, buffer, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            error = errno_text("no answer from nf_tables", errno);
            break;
        }
        int remaining = static_cast<int>(n);
        for (auto* m = reinterpret_cast<const nlmsghdr*>(buffer); mnl_nlmsg_ok(m, remaining);
             m = mnl_nlmsg_next(m, &remaining)) {
            if (m->nlmsg_seq != seq) continue;
            if (m->nlmsg_type == ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWTABLE)) {
                table_seen = true;
            } else if (m->nlmsg_type == NLMSG_ERROR) {
                done = true;
                if (m->nlmsg_len < mnl_nlmsg_size(sizeof(nlmsgerr))) {
                    error = "a malformed answer from nf_tables";
                    break;
                }
                const int code = -static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(m))->error;
                if (code == 0) {
                    state = table_seen ? RulesState::present : RulesState::unknown;
                } else if (code == ENOENT) {
                    state = RulesState::missing;
                } else {
                    error = errno_text("cannot read table inet pmtud", code);
                }
                break;
            }
        }
    }
    mnl_socket_close(nl);
    return state;
}

}  // namespace

RulesetWatch::RulesetWatch() : buffer_(new std::uint8_t[kRecvBufferSize]) {}

RulesetWatch::~RulesetWatch() {
    if (socket_ != nullptr) mnl_socket_close(socket_);
}

int RulesetWatch::fd() const noexcept {
    return socket_ ? mnl_socket_get_fd(socket_) : -1;
}

bool RulesetWatch::open(std::string& error) {
    socket_ = mnl_socket_open(NETLINK_NETFILTER);
    if (socket_ == nullptr) {
        error = errno_text("cannot open a netfilter netlink socket", errno);
        return false;
    }
    const int fd = mnl_socket_get_fd(socket_);
    int group = NFNLGRP_NFTABLES;
    if (mnl_socket_bind(socket_, 0, MNL_SOCKET_AUTOPID) < 0 ||
        ::setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) != 0) {
        error = errno_text("cannot subscribe to nftables notifications", errno);
        mnl_socket_close(socket_);
        socket_ = nullptr;
        return false;
    }
    int rcvbuf = kSocketRcvBuf;
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0) {
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    }
    // Subscribed first: a change after the answer is a notification waiting on the socket.
    const RulesState state = query_table(buffer_.get(), kRecvBufferSize, error);
    tracker_.reset(state);
    if (state == RulesState::missing) {
        log_line("warning: table inet pmtud is not loaded: %s", kGoneAdvice);
    }
    return state != RulesState::unknown;
}

void RulesetWatch::drain() noexcept {
    if (socket_ == nullptr) return;
    const RulesState before = tracker_.state();
    const std::uint64_t removals_before = tracker_.removals();
    for (;;) {
        const ssize_t n = ::recv(fd(), buffer_.get(), kRecvBufferSize, MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            if (errno == ENOBUFS) {  // the socket overflowed: some notifications are gone
                tracker_.reset(RulesState::unknown);
                continue;
            }
            log_line("nftables notifications: %s", std::strerror(errno));
            break;
        }
        if (static_cast<std::size_t>(n) > kRecvBufferSize) {
            tracker_.reset(RulesState::unknown);  // cut: what it said is lost
            continue;
        }
        tracker_.feed({buffer_.get(), static_cast<std::size_t>(n)});
    }
    log_change(before, removals_before);
}

void RulesetWatch::log_change(RulesState before, std::uint64_t removals_before) noexcept {
    const RulesState now = tracker_.state();
    if (now == RulesState::missing && (before != RulesState::missing)) {
        log_line("warning: table inet pmtud was removed (ruleset flushed?): %s", kGoneAdvice);
    } else if (now == RulesState::missing && tracker_.removals() != removals_before) {
        log_line("warning: table inet pmtud was loaded and removed again: %s", kGoneAdvice);
    } else if (now == RulesState::present && tracker_.removals() != removals_before) {
        log_line("warning: table inet pmtud was removed and loaded again");
    } else if (now == RulesState::present && before != RulesState::present) {
        log_line("table inet pmtud is loaded%s", before == RulesState::missing ? " again" : "");
    } else if (now == RulesState::unknown && before != RulesState::unknown) {
        log_line(
            "warning: nftables notifications were lost; whether table inet pmtud is loaded "
            "is unknown until it next changes");
    }
}

}  // namespace pmtud::io
