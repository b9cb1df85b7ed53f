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
