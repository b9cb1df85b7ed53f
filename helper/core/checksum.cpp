// RFC 1071 Internet checksum. Words are summed in host byte order: the one's-complement sum is
// byte-order independent, and the verifier only compares the folded result with 0xffff.
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/ptb.hpp"

namespace pmtud {

std::uint32_t checksum_partial(Bytes data, std::uint32_t sum) noexcept {
    const std::uint8_t* p = data.data();
    std::size_t n = data.size();
    std::uint64_t a = sum, b = 0, c = 0, d = 0;
#if defined(__SSE2__)
    // Hot loop (a v6 PTB is 1280 bytes): widen 16-bit words into 32-bit lanes and add, 32 bytes
    // per round. A lane takes at most n/32 words of <= 0xffff: no overflow below 2 MiB.
    if (n >= 32) {
        const __m128i zero = _mm_setzero_si128();
        __m128i acc0 = zero, acc1 = zero;
        while (n >= 32) {
            const __m128i v0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
            const __m128i v1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16));
            acc0 = _mm_add_epi32(acc0, _mm_unpacklo_epi16(v0, zero));
            acc1 = _mm_add_epi32(acc1, _mm_unpackhi_epi16(v0, zero));
            acc0 = _mm_add_epi32(acc0, _mm_unpacklo_epi16(v1, zero));
            acc1 = _mm_add_epi32(acc1, _mm_unpackhi_epi16(v1, zero));
            p += 32;
            n -= 32;
        }
        std::uint32_t lanes[8];
        _mm_storeu_si128(reinterpret_cast<__m128i*>(lanes), acc0);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(lanes + 4), acc1);
        for (const std::uint32_t lane : lanes) b += lane;
    }
#endif
    // Four independent accumulators of 32-bit words: no carry handling, no dependency chain.
    while (n >= 16) {
        std::uint32_t w[4];
        std::memcpy(w, p, sizeof w);
        a += w[0];
        b += w[1];
        c += w[2];
        d += w[3];
        p += 16;
        n -= 16;
    }
    while (n >= 4) {
        std::uint32_t w;
        std::memcpy(&w, p, sizeof w);
        a += w;
        p += 4;
        n -= 4;
    }
    if (n >= 2) {
        std::uint16_t w;
        std::memcpy(&w, p, sizeof w);
        b += w;
        p += 2;
        n -= 2;
    }
    if (n == 1) {
        // A trailing byte is the high-order half of a zero-padded 16-bit word in network order.
        const std::uint8_t pad[2] = {p[0], 0};
        std::uint16_t w;
        std::memcpy(&w, pad, sizeof w);
        c += w;
    }
    std::uint64_t s = a + b + c + d;
    s = (s & 0xffffffffu) + (s >> 32);
    s = (s & 0xffffffffu) + (s >> 32);
    return static_cast<std::uint32_t>(s);
}

std::uint16_t checksum_fold(std::uint32_t sum) noexcept {
    sum = (sum & 0xffffu) + (sum >> 16);
    sum = (sum & 0xffffu) + (sum >> 16);
    return static_cast<std::uint16_t>(sum);
}

}  // namespace pmtud
