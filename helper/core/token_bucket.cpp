#include "core/token_bucket.hpp"

#include <algorithm>

namespace pmtud {
namespace {

constexpr std::uint64_t kNsPerSecond = 1'000'000'000;

std::uint64_t interval_for(std::uint32_t rate_pps) noexcept {
    return kNsPerSecond / std::max<std::uint32_t>(rate_pps, 1);
}

}  // namespace

TokenBucket::TokenBucket(std::uint32_t rate_pps, std::uint32_t burst) noexcept
    : rate_pps_(std::max<std::uint32_t>(rate_pps, 1)),
      burst_(std::max<std::uint32_t>(burst, 1)),
      interval_ns_(interval_for(rate_pps)) {}

// GCRA: a packet conforms when the theoretical arrival time is at most (burst - 1) intervals
// ahead of now; each conforming packet pushes it one interval further.
bool TokenBucket::would_allow(std::uint64_t now_ns) const noexcept {
    const std::uint64_t tat = std::max(tat_ns_, now_ns);
    return tat - now_ns <= std::uint64_t{burst_ - 1} * interval_ns_;
}

bool TokenBucket::take(std::uint64_t now_ns) noexcept {
    if (!would_allow(now_ns)) return false;
    tat_ns_ = std::max(tat_ns_, now_ns) + interval_ns_;
    return true;
}

void TokenBucket::reconfigure(std::uint32_t rate_pps, std::uint32_t burst) noexcept {
    rate_pps_ = std::max<std::uint32_t>(rate_pps, 1);
    burst_ = std::max<std::uint32_t>(burst, 1);
    interval_ns_ = interval_for(rate_pps_);
    tat_ns_ = 0;
}

}  // namespace pmtud
