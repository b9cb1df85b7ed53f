// Per-packet cost of the helper's pure path: parse (checksum verified) + policy + frame, and
// the relay plan with a full peers list.
// The heap is watched: "allocs" is the number of allocations per packet (must be 0).
#include <benchmark/benchmark.h>

#include <array>
#include <vector>

#include "alloc_counter.hpp"
#include "core/frame.hpp"
#include "core/policy.hpp"
#include "packet_builder.hpp"

namespace pmtud {
namespace {

using testing::PtbSpec;

std::vector<std::uint8_t> v4_576() {
    PtbSpec s;
    s.l4_bytes = 576 - 48;  // the classic full-size ICMPv4 error
    return testing::build_ptb(s);
}
std::vector<std::uint8_t> v6_1280() {
    PtbSpec s;
    s.family = 6;
    s.l4_bytes = 1280 - 88;  // RFC 4443: as much as fits in the minimum MTU
    return testing::build_ptb(s);
}

// Runs the full decision for one packet; returns the frame length (0 when dropped).
std::size_t handle(const std::vector<std::uint8_t>& pkt, const PolicySettings& settings,
                   TokenBucket& bucket, std::uint64_t now, std::array<std::uint8_t, 2048>& out,
                   const Mac& mac) {
    const auto ptb = parse_ptb({Bytes(pkt), {}, 0});
    if (!ptb) return 0;
    if (decide(settings, *ptb, bucket, now)) return 0;
    return build_frame(out, *ptb, mac);
}

void run(benchmark::State& state, const std::vector<std::uint8_t>& pkt, PolicySettings settings,
         std::uint32_t rate, std::uint32_t burst) {
    TokenBucket bucket(rate, burst);
    std::array<std::uint8_t, 2048> out{};
    const Mac mac = {2, 0, 0, 0, 0, 1};
    std::uint64_t now = 1'000'000'000;
    std::size_t sent = 0;
    testing::CountAllocations allocs;
    for (auto _ : state) {
        benchmark::DoNotOptimize(pkt.data());
        sent += handle(pkt, settings, bucket, now, out, mac) != 0;
        benchmark::DoNotOptimize(out.data());
        now += 1000;  // 1 µs between packets
    }
    state.counters["allocs"] =
        benchmark::Counter(double(allocs.count()), benchmark::Counter::kAvgIterations);
    state.counters["forwarded"] =
        benchmark::Counter(double(sent), benchmark::Counter::kAvgIterations);
    state.SetBytesProcessed(std::int64_t(state.iterations()) * std::int64_t(pkt.size()));
}

PolicySettings web_ports() {
    PolicySettings s;
    s.ports.allow(80, 80);
    s.ports.allow(443, 443);
    return s;
}

// Forwarded: every check passes, the frame is built (the bucket never runs dry here).
void BM_Forward_V4_576(benchmark::State& st) {
    run(st, v4_576(), web_ports(), 1'000'000'000, 1'000'000);
}
void BM_Forward_V6_1280(benchmark::State& st) {
    run(st, v6_1280(), web_ports(), 1'000'000'000, 1'000'000);
}
void BM_Forward_V4_Min(benchmark::State& st) {
    PtbSpec s;
    s.l4_bytes = 8;  // the RFC 792 minimum quote: 56 bytes in all
    run(st, testing::build_ptb(s), web_ports(), 1'000'000'000, 1'000'000);
}

// Reject paths.
void BM_Reject_BadChecksum_V6(benchmark::State& st) {
    PtbSpec s;
    s.family = 6;
    s.l4_bytes = 1280 - 88;
    s.bad_checksum = true;
    run(st, testing::build_ptb(s), web_ports(), 1'000'000'000, 1'000'000);
}
void BM_Reject_NotPtb_V4(benchmark::State& st) {
    PtbSpec s;
    s.default_type = false;
    s.type = 3;
    s.code = 1;
    run(st, testing::build_ptb(s), web_ports(), 1'000'000'000, 1'000'000);
}
void BM_Reject_Port_V4_576(benchmark::State& st) {
    PtbSpec s;
    s.l4_bytes = 576 - 48;
    s.sport = 22;
    run(st, testing::build_ptb(s), web_ports(), 1'000'000'000, 1'000'000);
}
void BM_Reject_RateLimited_V4_576(benchmark::State& st) {
    run(st, v4_576(), web_ports(), 1, 1);
}

// The relay's whole decision with a full peers list (4096 IPv6 peers): parse, the from_peer
// lookups (two binary searches), policy, both buckets.
void BM_PlanRelay_V6_1280_Peers4096(benchmark::State& st) {
    AddressList peers;
    for (std::uint32_t i = 0; i < kMaxPeers; ++i) {
        Ipv6Addr a{0x20, 0x01, 0x0d, 0xb8, 0, 0x5};
        a[14] = static_cast<std::uint8_t>(i >> 8);
        a[15] = static_cast<std::uint8_t>(i);
        peers.v6.push_back(a);
    }
    peers.normalize();
    const std::vector<std::uint8_t> pkt = v6_1280();
    const PolicySettings settings = web_ports();
    FamilyBuckets broadcast(1'000'000'000, 1'000'000), copies(1'000'000'000, 1'000'000);
    std::uint64_t now = 1'000'000'000;
    std::size_t relayed = 0;
    testing::CountAllocations allocs;
    for (auto _ : st) {
        benchmark::DoNotOptimize(pkt.data());
        const auto ptb = parse_ptb({Bytes(pkt), {}, 0});
        if (ptb) relayed += plan_relay(settings, peers, *ptb, &broadcast, &copies, now).copies;
        now += 1000;
    }
    st.counters["allocs"] =
        benchmark::Counter(double(allocs.count()), benchmark::Counter::kAvgIterations);
    st.counters["relayed"] =
        benchmark::Counter(double(relayed), benchmark::Counter::kAvgIterations);
}

// The checksum alone over a v6 PTB's ICMPv6 message, with and without the AVX2 loop.
void BM_Checksum_1240(benchmark::State& st) {
    const std::vector<std::uint8_t> v(1240, 0xa5);
    for (auto _ : st) benchmark::DoNotOptimize(checksum_partial(Bytes(v)));
}
void BM_Checksum_1240_Baseline(benchmark::State& st) {
    const std::vector<std::uint8_t> v(1240, 0xa5);
    for (auto _ : st) benchmark::DoNotOptimize(detail::checksum_partial_baseline(Bytes(v)));
}

BENCHMARK(BM_Checksum_1240);
BENCHMARK(BM_Checksum_1240_Baseline);
BENCHMARK(BM_Forward_V4_576);
BENCHMARK(BM_Forward_V6_1280);
BENCHMARK(BM_Forward_V4_Min);
BENCHMARK(BM_Reject_BadChecksum_V6);
BENCHMARK(BM_Reject_NotPtb_V4);
BENCHMARK(BM_Reject_Port_V4_576);
BENCHMARK(BM_Reject_RateLimited_V4_576);
BENCHMARK(BM_PlanRelay_V6_1280_Peers4096);

}  // namespace
}  // namespace pmtud
