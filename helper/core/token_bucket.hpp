// Per-interface rate limit: rate packets per second, up to burst at once. Time is injected
// (monotonic nanoseconds) so tests drive it with a fake clock. Integer GCRA: exact, no drift.
#pragma once

#include <cstdint>

namespace pmtud {

class TokenBucket {
public:
    TokenBucket(std::uint32_t rate_pps, std::uint32_t burst) noexcept;

    // True when a packet at now_ns would conform; charges nothing.
    bool would_allow(std::uint64_t now_ns) const noexcept;
    // Charge one packet if it conforms; returns whether it did.
    bool take(std::uint64_t now_ns) noexcept;
    // New rate/burst (SIGHUP). Starts a fresh, full bucket: debt measured at the old rate has
    // no meaning at the new one, and an operator's reload is worth at most one extra burst.
    void reconfigure(std::uint32_t rate_pps, std::uint32_t burst) noexcept;

    std::uint32_t rate_pps() const noexcept { return rate_pps_; }
    std::uint32_t burst() const noexcept { return burst_; }

private:
    std::uint32_t rate_pps_;
    std::uint32_t burst_;
    std::uint64_t interval_ns_;  // time one packet costs
    std::uint64_t tat_ns_ = 0;   // theoretical arrival time of the next conforming packet
};

}  // namespace pmtud
