// The per-packet path (parse, policy, frame, the relay plan) must not touch the heap.
#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "alloc_counter.hpp"
#include "core/frame.hpp"
#include "core/policy.hpp"
#include "packet_builder.hpp"

namespace pmtud {
namespace {

TEST(NoAllocation, CounterWorks) {
    testing::CountAllocations counter;
    auto* v = new std::vector<int>(100);  // two allocations: the vector and its buffer
    delete v;
    EXPECT_EQ(counter.count(), 2u);
}

TEST(NoAllocation, ParsePolicyFrame) {
    testing::PtbSpec v6;
    v6.family = 6;
    v6.inner_ext = {{0}, {44}};
    testing::PtbSpec bad;
    bad.bad_checksum = true;
    const std::vector<std::vector<std::uint8_t>> packets = {
        testing::build_ptb({}), testing::build_ptb(v6), testing::build_ptb(bad)};
    PolicySettings settings;
    settings.ports.allow(443, 443);
    TokenBucket bucket(1'000'000, 1000);
    std::array<std::uint8_t, 2048> frame{};
    const Mac mac = {2, 0, 0, 0, 0, 1};
    std::size_t forwarded = 0, bytes = 0;

    testing::CountAllocations counter;
    for (int round = 0; round < 100; ++round) {
        for (const auto& p : packets) {
            const auto ptb = parse_ptb({Bytes(p), {}, 0});
            if (!ptb) continue;
            if (decide(settings, *ptb, bucket, std::uint64_t(round) * 1'000'000)) continue;
            bytes += build_frame(frame, *ptb, mac);
            ++forwarded;
        }
    }
    EXPECT_EQ(counter.count(), 0u);
    EXPECT_EQ(forwarded, 200u);  // the bad-checksum packet never passes
    EXPECT_GT(bytes, 0u);
}

TEST(NoAllocation, PlanRelayWithAFullPeersList) {
    AddressList peers;
    for (std::uint32_t i = 0; i < 4096; ++i) {
        Ipv6Addr a{0x20, 0x01, 0x0d, 0xb8, 0, 0x5};
        a[14] = static_cast<std::uint8_t>(i >> 8);
        a[15] = static_cast<std::uint8_t>(i);
        peers.v6.push_back(a);
    }
    peers.normalize();
    testing::PtbSpec v6;
    v6.family = 6;
    const auto p4 = testing::build_ptb({}), p6 = testing::build_ptb(v6);
    FamilyBuckets broadcast(1'000'000, 1000), copies(1'000'000, 1000);
    std::size_t relayed = 0;

    testing::CountAllocations counter;
    for (int round = 0; round < 100; ++round) {
        for (const auto* p : {&p4, &p6}) {
            const auto ptb = parse_ptb({Bytes(*p), {}, 0});
            if (!ptb) continue;
            const RelayPlan plan = plan_relay(PolicySettings{}, peers, *ptb, &broadcast, &copies,
                                              std::uint64_t(round) * 1'000'000);
            relayed += plan.broadcast && plan.copies;
        }
    }
    EXPECT_EQ(counter.count(), 0u);
    EXPECT_EQ(relayed, 200u);
}

}  // namespace
}  // namespace pmtud
