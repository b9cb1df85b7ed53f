// The helper's one clock: CLOCK_MONOTONIC in nanoseconds (the core's token buckets take it
// injected; this is where it comes from).
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

}  // namespace pmtud::io
