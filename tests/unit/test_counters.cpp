#include <gtest/gtest.h>

#include <string>

#include "core/counters.hpp"

namespace pmtud {
namespace {

TEST(Counters, TotalsStartAtZero) {
    const Counters c;
    EXPECT_EQ(c.forwarded_total(), 0u);
    EXPECT_EQ(c.dropped_total(), 0u);
    EXPECT_EQ(c.send_errors_total(), 0u);
}

TEST(Counters, TotalsSumEveryInterfaceAndReason) {
    Counters c;
    c.ifaces = {{"eth0", 6, 4, 1}, {"eth1", 100, 0, 2}};
    c.drop(Reason::bad_checksum);
    c.drop(Reason::bad_checksum);
    c.drop(Reason::frame_too_long);  // the last reason counts too
    c.drop(Reason::link_multicast);  // and the first
    EXPECT_EQ(c.forwarded_total(), 110u);
    EXPECT_EQ(c.dropped_total(), 4u);
    EXPECT_EQ(c.send_errors_total(), 3u);
    EXPECT_EQ(c.dropped[static_cast<std::size_t>(Reason::bad_checksum)], 2u);
}

TEST(Counters, TotalsDoNotOverflowBelow64Bits) {
    Counters c;
    c.ifaces = {{"a", 0xFFFFFFFFull, 0xFFFFFFFFull, 0}, {"b", 2, 0, 0}};
    EXPECT_EQ(c.forwarded_total(), 0x200000000ull);
}

struct SummaryCase {
    const char* description;
    Counters input;
    const char* expected;
};

Counters make(std::uint64_t received, std::uint64_t lost, std::vector<IfaceCounters> ifaces,
              std::vector<Reason> drops) {
    Counters c;
    c.received = received;
    c.nflog_lost = lost;
    c.ifaces = std::move(ifaces);
    for (const Reason r : drops) c.drop(r);
    return c;
}

TEST(RenderSummary, Format) {
    const SummaryCase cases[] = {
        {"the documented example",
         make(12, 0, {{"eth0", 6, 4, 0}}, {Reason::port_not_allowed, Reason::bad_checksum}),
         "received=12 forwarded=10 (eth0 v4=6 v6=4) dropped=2 (bad_checksum=1 port_not_allowed=1) "
         "nflog_lost=0 send_errors=0 rules=unknown rules_removed=0"},
        {"nothing yet, no interface", make(0, 0, {}, {}),
         "received=0 forwarded=0 dropped=0 nflog_lost=0 send_errors=0 rules=unknown "
         "rules_removed=0"},
        {"idle interfaces are still listed", make(0, 0, {{"eth0", 0, 0, 0}, {"eth1", 0, 0, 0}}, {}),
         "received=0 forwarded=0 (eth0 v4=0 v6=0, eth1 v4=0 v6=0) dropped=0 nflog_lost=0 "
         "send_errors=0 rules=unknown rules_removed=0"},
        {"two interfaces, send errors summed, losses",
         make(20, 7, {{"eth0", 1, 2, 3}, {"bond0.42", 4, 5, 6}}, {}),
         "received=20 forwarded=12 (eth0 v4=1 v6=2, bond0.42 v4=4 v6=5) dropped=0 nflog_lost=7 "
         "send_errors=9 rules=unknown rules_removed=0"},
        {"reasons in enum order, first and last",
         make(5, 0, {{"eth0", 0, 0, 0}},
              {Reason::frame_too_long, Reason::link_multicast, Reason::frame_too_long,
               Reason::iface_rate_limited, Reason::nflog_malformed}),
         "received=5 forwarded=0 (eth0 v4=0 v6=0) dropped=5 (link_multicast=1 "
         "iface_rate_limited=1 nflog_malformed=1 frame_too_long=2) nflog_lost=0 send_errors=0 "
         "rules=unknown rules_removed=0"},
        {"large values", make(18446744073709551615ull, 18446744073709551615ull, {}, {}),
         "received=18446744073709551615 forwarded=0 dropped=0 nflog_lost=18446744073709551615 "
         "send_errors=0 rules=unknown rules_removed=0"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.description);
        EXPECT_EQ(render_summary(c.input), c.expected);
    }
}

TEST(RenderSummary, EveryReasonIsNamed) {
    Counters c;
    for (std::size_t r = 0; r < kReasonCount; ++r) {
        c.dropped[r] = r + 1;
        const std::string line = render_summary(c);
        const std::string word =
            std::string(reason_name(static_cast<Reason>(r))) + "=" + std::to_string(r + 1);
        EXPECT_NE(line.find(word), std::string::npos) << line;
    }
    EXPECT_EQ(render_summary(c).find("unknown="), std::string::npos);
}

TEST(RenderSummary, PeersAfterSendErrorsWhenTheUnicastRelayIsOn) {
    Counters c = make(4, 0, {{"eth0", 1, 1, 0}}, {Reason::from_peer, Reason::peer_rate_limited});
    EXPECT_EQ(render_summary(c).find("peers="), std::string::npos);
    c.peers.enabled = true;
    c.peers.in_use_v4 = 3;
    c.peers.in_use_v6 = 1;
    c.peers.copies_v4 = 6;
    c.peers.copies_v6 = 1;
    c.peers.errors_v4 = 2;
    EXPECT_EQ(render_summary(c),
              "received=4 forwarded=2 (eth0 v4=1 v6=1) dropped=2 (from_peer=1 "
              "peer_rate_limited=1) nflog_lost=0 send_errors=0 peers=v4:3,v6:1 copies=7 "
              "peer_send_errors=2 rules=unknown rules_removed=0");
}

TEST(RenderSummary, RulesStateAndRemovalsEndTheLine) {
    Counters c = make(3, 0, {{"eth0", 1, 0, 0}}, {Reason::bad_checksum});
    c.rules = RulesState::missing;
    c.rules_removed = 2;
    EXPECT_EQ(render_summary(c),
              "received=3 forwarded=1 (eth0 v4=1 v6=0) dropped=1 (bad_checksum=1) nflog_lost=0 "
              "send_errors=0 rules=missing rules_removed=2");
    c.rules = RulesState::present;
    EXPECT_NE(render_summary(c).find(" rules=present rules_removed=2"), std::string::npos);
}

}  // namespace
}  // namespace pmtud
