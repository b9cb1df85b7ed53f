// The helper's clocks: CLOCK_MONOTONIC in nanoseconds for everything it times (the core's token
// buckets take it injected; this is where it comes from), and the wall clock only for the unix
// timestamps it reports.
#pragma once

#include <cstdint>
#include <ctime>

namespace pmtud::io {

inline std::uint64_t monotonic_ns() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000U +
           static_cast<std::uint64_t>(ts.tv_nsec);
}

inline std::uint64_t realtime_s() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec);
}

}  // namespace pmtud::io
