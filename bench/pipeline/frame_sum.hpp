// Byte and checksum helpers shared by ptb-send's frame templates (bench/pipeline/*_frames.cpp):
// big-endian stores and RFC 1624 incremental updates of Internet checksums.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pmtud::bench {

inline std::uint16_t load16(const std::uint8_t* p) noexcept {
    return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}
inline void store16(std::uint8_t* p, std::uint16_t v) noexcept {
    p[0] = static_cast<std::uint8_t>(v >> 8);
    p[1] = static_cast<std::uint8_t>(v);
}
inline void store32(std::uint8_t* p, std::uint32_t v) noexcept {
    store16(p, static_cast<std::uint16_t>(v >> 16));
    store16(p + 2, static_cast<std::uint16_t>(v));
}

// One's complement sums for RFC 1624 updates: HC' = ~(~HC + ~m + m'). n is even.
inline std::uint32_t sum_words(const std::uint8_t* p, std::size_t n, bool complement) noexcept {
    std::uint32_t s = 0;
    for (std::size_t i = 0; i < n; i += 2) {
        const std::uint16_t w = load16(p + i);
        s += complement ? static_cast<std::uint16_t>(~w) : w;
    }
    return s;
}
inline std::uint16_t update_checksum(std::uint16_t checksum, std::uint32_t removed_added) noexcept {
    std::uint32_t s = static_cast<std::uint16_t>(~checksum) + removed_added;
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return static_cast<std::uint16_t>(~s);
}

}  // namespace pmtud::bench
