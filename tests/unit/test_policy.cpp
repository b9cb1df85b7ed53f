#include <gtest/gtest.h>

#include <optional>

#include "core/policy.hpp"
#include "packet_builder.hpp"

namespace pmtud {
namespace {

constexpr std::uint64_t kMs = 1'000'000;

struct MtuRow {
    Family family;
    std::uint32_t mtu;
    bool strict;
    std::optional<Reason> expect;
};

const MtuRow kMtuRows[] = {
    {Family::v4, 0, false, Reason::mtu_out_of_range},
    {Family::v4, 67, false, Reason::mtu_out_of_range},
    {Family::v4, 68, false, std::nullopt},
    {Family::v4, 1500, false, std::nullopt},
    {Family::v4, 16384, false, std::nullopt},
    {Family::v4, 16385, false, Reason::mtu_out_of_range},
    {Family::v4, 65535, false, Reason::mtu_out_of_range},
    {Family::v6, 0, false, Reason::mtu_out_of_range},
    {Family::v6, 1279, false, Reason::mtu_out_of_range},
    {Family::v6, 1280, false, std::nullopt},
    {Family::v6, 9000, false, std::nullopt},
    {Family::v6, 16384, false, std::nullopt},
    {Family::v6, 16385, false, Reason::mtu_out_of_range},
    {Family::v6, 0xffffffff, false, Reason::mtu_out_of_range},
    // strict mode
    {Family::v4, 67, true, Reason::mtu_out_of_range},
    {Family::v4, 575, true, Reason::mtu_not_strict},
    {Family::v4, 576, true, std::nullopt},
    {Family::v4, 1499, true, std::nullopt},
    {Family::v4, 1500, true, Reason::mtu_not_strict},
    {Family::v6, 1279, true, Reason::mtu_out_of_range},
    {Family::v6, 1280, true, std::nullopt},
    {Family::v6, 1499, true, std::nullopt},
    {Family::v6, 1500, true, Reason::mtu_not_strict},
};

TEST(Policy, MtuTable) {
    for (const MtuRow& row : kMtuRows) {
        const auto got = check_mtu(row.family, row.mtu, row.strict);
        EXPECT_EQ(got, row.expect) << (row.family == Family::v4 ? "v4 " : "v6 ") << row.mtu
                                   << (row.strict ? " strict" : "");
    }
}

Ptb make_ptb(Family f, std::uint32_t mtu, bool has_port, std::uint16_t sport) {
    Ptb p;
    p.family = f;
    p.mtu = mtu;
    p.has_port = has_port;
    p.sport = sport;
    p.inner_proto = has_port ? 6 : 1;
    return p;
}

TEST(Policy, PortsEmptyListAllowsEverything) {
    PolicySettings s;
    TokenBucket b(1000, 1000);
    EXPECT_EQ(decide(s, make_ptb(Family::v4, 1280, true, 1), b, 0), std::nullopt);
    EXPECT_EQ(decide(s, make_ptb(Family::v4, 1280, true, 65535), b, 0), std::nullopt);
    EXPECT_EQ(decide(s, make_ptb(Family::v6, 1280, false, 0), b, 0), std::nullopt);
}

TEST(Policy, PortsAllowList) {
    PolicySettings s;
    s.ports.allow(80, 80);
    s.ports.allow(443, 443);
    s.ports.allow(8000, 8999);
    TokenBucket b(1000, 1000);
    EXPECT_EQ(decide(s, make_ptb(Family::v4, 1280, true, 443), b, 0), std::nullopt);
    EXPECT_EQ(decide(s, make_ptb(Family::v4, 1280, true, 8000), b, 0), std::nullopt);
    EXPECT_EQ(decide(s, make_ptb(Family::v6, 1280, true, 8999), b, 0), std::nullopt);
    EXPECT_EQ(decide(s, make_ptb(Family::v4, 1280, true, 22), b, 0), Reason::port_not_allowed);
    EXPECT_EQ(decide(s, make_ptb(Family::v4, 1280, true, 9000), b, 0), Reason::port_not_allowed);
    EXPECT_EQ(decide(s, make_ptb(Family::v4, 1280, true, 0), b, 0), Reason::port_not_allowed);
    EXPECT_EQ(decide(s, make_ptb(Family::v6, 1280, false, 443), b, 0), Reason::no_port);
}

TEST(Policy, MtuCheckedBeforePorts) {
    PolicySettings s;
    s.ports.allow(80, 80);
    TokenBucket b(1000, 1000);
    EXPECT_EQ(decide(s, make_ptb(Family::v4, 0, true, 22), b, 0), Reason::mtu_out_of_range);
    s.strict = true;
    EXPECT_EQ(decide(s, make_ptb(Family::v4, 1500, true, 80), b, 0), Reason::mtu_not_strict);
}

TEST(Policy, RejectedPacketsSpendNoToken) {
    PolicySettings s;
    s.ports.allow(443, 443);
    TokenBucket b(1, 1);
    for (int i = 0; i < 10; ++i) {
        EXPECT_EQ(decide(s, make_ptb(Family::v4, 1280, true, 22), b, 0), Reason::port_not_allowed);
        EXPECT_EQ(decide(s, make_ptb(Family::v4, 0, true, 443), b, 0), Reason::mtu_out_of_range);
    }
    EXPECT_EQ(decide(s, make_ptb(Family::v4, 1280, true, 443), b, 0), std::nullopt);
    EXPECT_EQ(decide(s, make_ptb(Family::v4, 1280, true, 443), b, 0), Reason::iface_rate_limited);
}

TEST(FamilyBuckets, AFloodOfOneFamilyLeavesTheOtherItsTokens) {
    FamilyBuckets b(10, 3);
    int v6 = 0;
    for (int i = 0; i < 1000; ++i) v6 += b.take(Family::v6, 0);
    EXPECT_EQ(v6, 3);
    EXPECT_TRUE(b.take(Family::v4, 0));
    EXPECT_TRUE(b.take(Family::v4, 0));
    EXPECT_TRUE(b.take(Family::v4, 0));
    EXPECT_FALSE(b.take(Family::v4, 0));
    b.reconfigure(10, 1);
    EXPECT_TRUE(b.take(Family::v6, 0));
    EXPECT_TRUE(b.take(Family::v4, 0));
    EXPECT_FALSE(b.take(Family::v4, 0));
}

Ptb addressed_ptb(Family f, std::uint8_t src_last, std::uint8_t dst_last) {
    Ptb p = make_ptb(f, 1280, true, 443);
    if (f == Family::v4) {
        p.src = {192, 0, 2, src_last};
        p.dst = {203, 0, 113, dst_last};
    } else {
        p.src = {0x20, 0x01, 0x0d, 0xb8, 0, 0x0e};
        p.src[15] = src_last;
        p.dst = {0x20, 0x01, 0x0d, 0xb8, 0, 0xff};
        p.dst[15] = dst_last;
    }
    return p;
}

AddressList peers_of(std::string_view text) {
    AddressList list;
    std::string error;
    EXPECT_TRUE(parse_peer_list(text, list, error)) << error;
    return list;
}

struct PlanRow {
    const char* description;
    Ptb ptb;
    bool broadcast_on;     // the interface's buckets are passed
    bool copies_on;        // the family has peers to send to
    int broadcast_tokens;  // tokens left in the PTB family's broadcast / peer bucket (0..1)
    int peer_tokens;
    RelayPlan expected;
};

const AddressList& fleet() {
    static const AddressList list =
        peers_of("192.0.2.7,203.0.113.99,2001:db8:e::7,2001:db8:ff::99");
    return list;
}

TEST(PlanRelay, Table) {
    const Ptb ok4 = addressed_ptb(Family::v4, 1, 10), ok6 = addressed_ptb(Family::v6, 1, 0x10);
    Ptb bad_mtu = ok4;
    bad_mtu.mtu = 20;
    const PlanRow rows[] = {
        {"both outputs", ok4, true, true, 1, 1, {true, true, std::nullopt}},
        {"broadcast only", ok6, true, false, 1, 1, {true, false, std::nullopt}},
        {"copies only (broadcast = no)", ok6, false, true, 1, 1, {false, true, std::nullopt}},
        {"broadcast bucket empty, copies sent", ok4, true, true, 0, 1, {false, true, std::nullopt}},
        {"peer bucket empty, broadcast sent", ok4, true, true, 1, 0, {true, false, std::nullopt}},
        {"both empty: the broadcast's reason",
         ok4,
         true,
         true,
         0,
         0,
         {false, false, Reason::iface_rate_limited}},
        {"broadcast = no, peer bucket empty",
         ok4,
         false,
         true,
         1,
         0,
         {false, false, Reason::peer_rate_limited}},
        {"outer source is a peer",
         addressed_ptb(Family::v4, 7, 10),
         true,
         true,
         1,
         1,
         {false, false, Reason::from_peer}},
        {"outer destination is a peer",
         addressed_ptb(Family::v4, 1, 99),
         true,
         true,
         1,
         1,
         {false, false, Reason::from_peer}},
        {"v6 outer source is a peer",
         addressed_ptb(Family::v6, 7, 0x10),
         false,
         true,
         1,
         1,
         {false, false, Reason::from_peer}},
        {"v6 outer destination is a peer",
         addressed_ptb(Family::v6, 1, 0x99),
         true,
         false,
         1,
         1,
         {false, false, Reason::from_peer}},
        {"a v4 peer's bytes do not match a v6 address",
         addressed_ptb(Family::v6, 1, 0x10),
         true,
         true,
         1,
         1,
         {true, true, std::nullopt}},
        {"policy before the buckets",
         bad_mtu,
         true,
         true,
         1,
         1,
         {false, false, Reason::mtu_out_of_range}},
    };
    for (const PlanRow& row : rows) {
        SCOPED_TRACE(row.description);
        FamilyBuckets broadcast(1, 1), copies(1, 1);
        // Empty the buckets that the row says are empty (both families: the PTB's matters).
        for (const Family f : {Family::v4, Family::v6}) {
            if (row.broadcast_tokens == 0) broadcast.take(f, 0);
            if (row.peer_tokens == 0) copies.take(f, 0);
        }
        const RelayPlan plan =
            plan_relay(PolicySettings{}, fleet(), row.ptb, row.broadcast_on ? &broadcast : nullptr,
                       row.copies_on ? &copies : nullptr, 0);
        EXPECT_EQ(plan.broadcast, row.expected.broadcast);
        EXPECT_EQ(plan.copies, row.expected.copies);
        EXPECT_EQ(plan.dropped, row.expected.dropped);
    }
}

TEST(PlanRelay, OneTokenPerPtbWhateverTheNumberOfPeers) {
    // Burst 3: 10 PTBs back to back send copies for 3 of them (3 x N copies), then one more
    // per second.
    FamilyBuckets copies(1, 3);
    const Ptb ptb = addressed_ptb(Family::v4, 1, 10);
    int with_copies = 0;
    for (int i = 0; i < 10; ++i) {
        with_copies += plan_relay(PolicySettings{}, fleet(), ptb, nullptr, &copies, 0).copies;
    }
    EXPECT_EQ(with_copies, 3);
    EXPECT_TRUE(plan_relay(PolicySettings{}, fleet(), ptb, nullptr, &copies, 1000 * kMs).copies);
}

TEST(PlanRelay, RefusedPtbsSpendNoToken) {
    FamilyBuckets broadcast(1, 1), copies(1, 1);
    PolicySettings s;
    s.ports.allow(80, 80);
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(plan_relay(s, fleet(), addressed_ptb(Family::v4, 1, 10), &broadcast, &copies, 0)
                      .dropped,
                  Reason::port_not_allowed);
        EXPECT_EQ(plan_relay(s, fleet(), addressed_ptb(Family::v4, 7, 10), &broadcast, &copies, 0)
                      .dropped,
                  Reason::from_peer);
    }
    EXPECT_TRUE(broadcast.take(Family::v4, 0));
    EXPECT_TRUE(copies.take(Family::v4, 0));
}

TEST(TokenBucket, BurstThenRate) {
    TokenBucket b(10, 3);  // 10 pps, 3 at once
    const std::uint64_t t0 = 5'000 * kMs;
    EXPECT_TRUE(b.take(t0));
    EXPECT_TRUE(b.take(t0));
    EXPECT_TRUE(b.take(t0));
    EXPECT_FALSE(b.would_allow(t0));
    EXPECT_FALSE(b.take(t0));
    EXPECT_FALSE(b.take(t0 + 99 * kMs));
    EXPECT_TRUE(b.take(t0 + 100 * kMs));  // one token per 100 ms
    EXPECT_FALSE(b.take(t0 + 150 * kMs));
    EXPECT_TRUE(b.take(t0 + 200 * kMs));
    // After a long idle the bucket holds `burst`, never more.
    const std::uint64_t t1 = t0 + 60'000 * kMs;
    EXPECT_TRUE(b.take(t1));
    EXPECT_TRUE(b.take(t1));
    EXPECT_TRUE(b.take(t1));
    EXPECT_FALSE(b.take(t1));
}

TEST(TokenBucket, WouldAllowChargesNothing) {
    TokenBucket b(1, 1);
    for (int i = 0; i < 5; ++i) EXPECT_TRUE(b.would_allow(0));
    EXPECT_TRUE(b.take(0));
    EXPECT_FALSE(b.would_allow(0));
    EXPECT_TRUE(b.would_allow(1'000 * kMs));
}

TEST(TokenBucket, SteadyRateOverTime) {
    // Offered 100 pps for 10 s against 10 pps burst 5: burst + rate * seconds pass.
    TokenBucket b(10, 5);
    int passed = 0;
    for (std::uint64_t t = 0; t < 10'000 * kMs; t += 10 * kMs) passed += b.take(t);
    EXPECT_EQ(passed, 5 + 10 * 10 - 1);  // the last refill lands at t = 10 s, outside the window
}

TEST(TokenBucket, StartsFullAtTimeZero) {
    TokenBucket b(1, 2);
    EXPECT_TRUE(b.take(0));
    EXPECT_TRUE(b.take(0));
    EXPECT_FALSE(b.take(0));
}

TEST(TokenBucket, ReconfigureStartsAFullBucket) {
    TokenBucket b(1, 1);
    EXPECT_TRUE(b.take(0));
    EXPECT_FALSE(b.take(500 * kMs));
    b.reconfigure(100, 4);
    EXPECT_EQ(b.rate_pps(), 100u);
    EXPECT_EQ(b.burst(), 4u);
    int n = 0;
    while (b.take(500 * kMs)) ++n;
    EXPECT_EQ(n, 4);
    EXPECT_FALSE(b.take(509 * kMs));
    EXPECT_TRUE(b.take(510 * kMs));  // 100 pps: one every 10 ms
}

TEST(TokenBucket, ZeroRateOrBurstIsClampedToOne) {
    TokenBucket b(0, 0);
    EXPECT_EQ(b.rate_pps(), 1u);
    EXPECT_EQ(b.burst(), 1u);
    EXPECT_TRUE(b.take(0));
    EXPECT_FALSE(b.take(0));
}

}  // namespace
}  // namespace pmtud
