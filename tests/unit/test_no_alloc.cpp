// The per-packet path (parse, policy, frame) must not touch the heap.
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

}  // namespace
}  // namespace pmtud
