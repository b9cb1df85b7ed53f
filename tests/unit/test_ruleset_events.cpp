#include <gtest/gtest.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include <cstring>
#include <string>
#include <vector>

#include "core/ruleset_events.hpp"

namespace pmtud {
namespace {

// Hand-built nftables notifications, as the kernel sends them to NFNLGRP_NFTABLES.
class Notifications {
public:
    Notifications& table(unsigned msg, const std::string& name,
                         std::uint8_t family = NFPROTO_INET) {
        std::vector<std::uint8_t> payload(4, 0);  // struct nfgenmsg
        payload[0] = family;
        const std::uint16_t attr_len = static_cast<std::uint16_t>(4 + name.size() + 1);
        const std::uint16_t attr_type = NFTA_TABLE_NAME;
        append(payload, &attr_len, 2);
        append(payload, &attr_type, 2);
        append(payload, name.c_str(), name.size() + 1);
        pad(payload);
        return message(msg, payload);
    }
    Notifications& table_added(const std::string& name = "pmtud") {
        return table(NFT_MSG_NEWTABLE, name);
    }
    Notifications& table_deleted(const std::string& name = "pmtud") {
        return table(NFT_MSG_DELTABLE, name);
    }
    Notifications& rule_added() { return message(NFT_MSG_NEWRULE, std::vector<std::uint8_t>(4)); }
    Notifications& new_generation() {
        return message(NFT_MSG_NEWGEN, std::vector<std::uint8_t>(4));
    }
    Bytes bytes() const { return {data_.data(), data_.size()}; }
    std::vector<std::uint8_t>& raw() { return data_; }

private:
    static void append(std::vector<std::uint8_t>& v, const void* p, std::size_t n) {
        const auto* b = static_cast<const std::uint8_t*>(p);
        v.insert(v.end(), b, b + n);
    }
    static void pad(std::vector<std::uint8_t>& v) {
        while (v.size() % 4 != 0) v.push_back(0);
    }
    Notifications& message(unsigned msg, const std::vector<std::uint8_t>& payload) {
        nlmsghdr h{};
        h.nlmsg_len = static_cast<std::uint32_t>(sizeof h + payload.size());
        h.nlmsg_type = static_cast<std::uint16_t>((NFNL_SUBSYS_NFTABLES << 8) | msg);
        append(data_, &h, sizeof h);
        data_.insert(data_.end(), payload.begin(), payload.end());
        return *this;
    }
    std::vector<std::uint8_t> data_;
};

struct TrackerCase {
    const char* description;
    RulesState start;
    Notifications events;
    RulesState expected;
    std::uint64_t removals;
};

TEST(RulesetTracker, FollowsTheTableAcrossTransactions) {
    const TrackerCase cases[] = {
        {"nft flush ruleset", RulesState::present, Notifications().table_deleted().new_generation(),
         RulesState::missing, 1},
        {"pmtud-setup install over itself: delete and add in one transaction is no change",
         RulesState::present,
         Notifications().table_added().table_deleted().table_added().new_generation(),
         RulesState::present, 0},
        {"pmtud-setup apply after a flush", RulesState::missing,
         Notifications().table_added().rule_added().new_generation(), RulesState::present, 0},
        {"removed, then loaded again in a later transaction", RulesState::present,
         Notifications().table_deleted().new_generation().table_added().new_generation(),
         RulesState::present, 1},
        {"nothing counts before its transaction ends", RulesState::present,
         Notifications().table_deleted(), RulesState::present, 0},
        {"another table", RulesState::present,
         Notifications().table_deleted("pmtudtest").new_generation(), RulesState::present, 0},
        {"a prefix of the name is another table", RulesState::present,
         Notifications().table_deleted("pmtu").new_generation(), RulesState::present, 0},
        {"table pmtud of another family", RulesState::present,
         Notifications().table(NFT_MSG_DELTABLE, "pmtud", NFPROTO_IPV4).new_generation(),
         RulesState::present, 0},
        {"from unknown, a deletion is a removal", RulesState::unknown,
         Notifications().table_deleted().new_generation(), RulesState::missing, 1},
        {"created and deleted while missing: no removal", RulesState::missing,
         Notifications().table_added().table_deleted().new_generation(), RulesState::missing, 0},
        {"a generation without table changes", RulesState::unknown,
         Notifications().rule_added().new_generation(), RulesState::unknown, 0},
    };
    for (const TrackerCase& c : cases) {
        SCOPED_TRACE(c.description);
        RulesetTracker tracker;
        tracker.reset(c.start);
        tracker.feed(c.events.bytes());
        EXPECT_EQ(tracker.state(), c.expected);
        EXPECT_EQ(tracker.removals(), c.removals);
    }
}

TEST(RulesetTracker, ATransactionMaySpanDatagrams) {
    RulesetTracker tracker;
    tracker.reset(RulesState::present);
    tracker.feed(Notifications().table_deleted().bytes());
    EXPECT_EQ(tracker.state(), RulesState::present);
    tracker.feed(Notifications().table_added().new_generation().bytes());
    EXPECT_EQ(tracker.state(), RulesState::present);
    EXPECT_EQ(tracker.removals(), 0u);
}

TEST(RulesetTracker, ResetForgetsAnOpenTransaction) {
    RulesetTracker tracker;
    tracker.reset(RulesState::present);
    tracker.feed(Notifications().table_deleted().bytes());
    tracker.reset(RulesState::unknown);  // notifications were lost
    tracker.feed(Notifications().new_generation().bytes());
    EXPECT_EQ(tracker.state(), RulesState::unknown);
}

TEST(RulesetTracker, MalformedBytesAreIgnoredNotOverread) {
    Notifications n;
    n.table_deleted().new_generation();
    const std::vector<std::uint8_t> good = n.raw();
    // Every truncation of a valid datagram: never a read past the end (ASan), never a removal
    // of a transaction whose end was cut off.
    for (std::size_t len = 0; len < good.size(); ++len) {
        RulesetTracker tracker;
        tracker.reset(RulesState::present);
        tracker.feed(Bytes(good.data(), len));
        EXPECT_EQ(tracker.state(), RulesState::present) << len;
    }
    // A message length past the datagram, or shorter than its header.
    for (const std::uint32_t bad_len : {0u, 8u, 0xffffffffu}) {
        std::vector<std::uint8_t> bytes = good;
        std::memcpy(bytes.data(), &bad_len, sizeof bad_len);
        RulesetTracker tracker;
        tracker.reset(RulesState::present);
        tracker.feed(Bytes(bytes.data(), bytes.size()));
        EXPECT_EQ(tracker.state(), RulesState::present) << bad_len;
    }
    // A name attribute claiming more bytes than its message holds.
    std::vector<std::uint8_t> bytes = good;
    const std::uint16_t attr_len = 200;
    std::memcpy(bytes.data() + sizeof(nlmsghdr) + 4, &attr_len, sizeof attr_len);
    RulesetTracker tracker;
    tracker.reset(RulesState::present);
    tracker.feed(Bytes(bytes.data(), bytes.size()));
    EXPECT_EQ(tracker.state(), RulesState::present);
}

TEST(RulesetTracker, StateNames) {
    EXPECT_EQ(rules_state_name(RulesState::present), "present");
    EXPECT_EQ(rules_state_name(RulesState::missing), "missing");
    EXPECT_EQ(rules_state_name(RulesState::unknown), "unknown");
}

}  // namespace
}  // namespace pmtud
