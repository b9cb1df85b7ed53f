#include "core/ruleset_events.hpp"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include <cstring>

namespace pmtud {
namespace {

constexpr std::size_t kAlign = 4;  // NLMSG_ALIGNTO and NLA_ALIGNTO

constexpr std::size_t align(std::size_t n) noexcept {
    return (n + kAlign - 1) & ~(kAlign - 1);
}

// The table name in a table message's attributes (after struct nfgenmsg), or empty.
std::string_view table_name(Bytes payload) noexcept {
    std::size_t off = align(sizeof(nfgenmsg));
    while (off < payload.size() && payload.size() - off >= sizeof(nlattr)) {
        nlattr a;
        std::memcpy(&a, payload.data() + off, sizeof a);  // the bytes need not be aligned
        if (a.nla_len < sizeof(nlattr) || a.nla_len > payload.size() - off) return {};
        if ((a.nla_type & NLA_TYPE_MASK) == NFTA_TABLE_NAME) {
            const auto* text = reinterpret_cast<const char*>(payload.data() + off + sizeof a);
            // NLA_STRING: NUL-terminated within the attribute; without the NUL, all of it.
            return {text, strnlen(text, a.nla_len - sizeof a)};
        }
        off += align(a.nla_len);
    }
    return {};
}

}  // namespace

std::string_view rules_state_name(RulesState state) noexcept {
    switch (state) {
        case RulesState::present:
            return "present";
        case RulesState::missing:
            return "missing";
        case RulesState::unknown:
            break;
    }
    return "unknown";
}

void RulesetTracker::reset(RulesState state) noexcept {
    state_ = state;
    pending_.reset();
}

void RulesetTracker::commit() noexcept {
    if (!pending_) return;
    if (*pending_) {
        state_ = RulesState::present;
    } else {
        // Deleted in a transaction that did not add it back. From unknown it existed before the
        // transaction (or was created and deleted within it, which no one could have used).
        if (state_ != RulesState::missing) ++removals_;
        state_ = RulesState::missing;
    }
    pending_.reset();
}

void RulesetTracker::feed(Bytes datagram) noexcept {
    std::size_t off = 0;
    while (datagram.size() - off >= sizeof(nlmsghdr)) {
        nlmsghdr h;
        std::memcpy(&h, datagram.data() + off, sizeof h);
        if (h.nlmsg_len < sizeof h || h.nlmsg_len > datagram.size() - off) return;
        const Bytes payload = datagram.subspan(off + sizeof h, h.nlmsg_len - sizeof h);
        off += align(h.nlmsg_len);  // may step past the end when the last one lacks its padding
        if (off > datagram.size()) off = datagram.size();

        if ((h.nlmsg_type >> 8) != NFNL_SUBSYS_NFTABLES) continue;
        const unsigned type = h.nlmsg_type & 0xffu;
        if (type == NFT_MSG_NEWGEN) {
            commit();
            continue;
        }
        if (type != NFT_MSG_NEWTABLE && type != NFT_MSG_DELTABLE) continue;
        if (payload.size() < sizeof(nfgenmsg) || payload[0] != NFPROTO_INET) continue;
        if (table_name(payload) == kRulesTable) pending_ = type == NFT_MSG_NEWTABLE;
    }
}

}  // namespace pmtud
