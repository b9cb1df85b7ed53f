// RFC 1071 Internet checksum. Words are summed in host byte order: the one's-complement sum is
// byte-order independent, and the verifier only compares the folded result with 0xffff.
// The bulk of a PTB (up to 1280 bytes for IPv6) goes through a vector loop: AVX2 when the CPU
// has it (chosen once at start-up), SSE2 otherwise (every x86-64), plain C++ elsewhere.
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "core/ptb.hpp"

namespace pmtud {
namespace {

// Scalar tail: four independent accumulators of 32-bit words, then the last 0..3 bytes.
std::uint64_t sum_scalar(const std::uint8_t* p, std::size_t n) noexcept {
    std::uint64_t a = 0, b = 0, c = 0, d = 0;
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
    return a + b + c + d;
}

#if defined(__x86_64__)
// Widen 16-bit words into 32-bit lanes and add. A lane takes at most n/32 words of <= 0xffff,
// so it cannot overflow below 2 MiB of input (a packet is at most 64 KiB).
std::uint64_t sum_sse2(const std::uint8_t*& p, std::size_t& n) noexcept {
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
    std::uint64_t s = 0;
    for (const std::uint32_t lane : lanes) s += lane;
    return s;
}

__attribute__((target("avx2"))) std::uint64_t sum_avx2(const std::uint8_t*& p,
                                                       std::size_t& n) noexcept {
    const __m256i zero = _mm256_setzero_si256();
    __m256i acc0 = zero, acc1 = zero;
    while (n >= 64) {
        const __m256i v0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
        const __m256i v1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
        acc0 = _mm256_add_epi32(acc0, _mm256_unpacklo_epi16(v0, zero));
        acc1 = _mm256_add_epi32(acc1, _mm256_unpackhi_epi16(v0, zero));
        acc0 = _mm256_add_epi32(acc0, _mm256_unpacklo_epi16(v1, zero));
        acc1 = _mm256_add_epi32(acc1, _mm256_unpackhi_epi16(v1, zero));
        p += 64;
        n -= 64;
    }
    std::uint32_t lanes[16];
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(lanes), acc0);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(lanes + 8), acc1);
    std::uint64_t s = 0;
    for (const std::uint32_t lane : lanes) s += lane;
    return s;
}

const bool kHaveAvx2 = [] {
    __builtin_cpu_init();  // required before __builtin_cpu_supports in a static initializer
    return __builtin_cpu_supports("avx2") != 0;
}();
#endif

std::uint32_t fold32(std::uint64_t s) noexcept {
    s = (s & 0xffffffffu) + (s >> 32);
    s = (s & 0xffffffffu) + (s >> 32);
    return static_cast<std::uint32_t>(s);
}

std::uint32_t partial(Bytes data, std::uint32_t sum, bool allow_avx2) noexcept {
    const std::uint8_t* p = data.data();
    std::size_t n = data.size();
    std::uint64_t s = sum;
#if defined(__x86_64__)
    if (allow_avx2 && kHaveAvx2 && n >= 64) s += sum_avx2(p, n);
    if (n >= 32) s += sum_sse2(p, n);
#else
    (void)allow_avx2;
#endif
    return fold32(s + sum_scalar(p, n));
}

}  // namespace

std::uint32_t checksum_partial(Bytes data, std::uint32_t sum) noexcept {
    return partial(data, sum, true);
}

namespace detail {
std::uint32_t checksum_partial_baseline(Bytes data, std::uint32_t sum) noexcept {
    return partial(data, sum, false);
}
}  // namespace detail

std::uint16_t checksum_fold(std::uint32_t sum) noexcept {
    sum = (sum & 0xffffu) + (sum >> 16);
    sum = (sum & 0xffffu) + (sum >> 16);
    return static_cast<std::uint16_t>(sum);
}

}  // namespace pmtud
