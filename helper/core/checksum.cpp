// RFC 1071 Internet checksum. Words are summed in host byte order: the one's-complement sum is
// byte-order independent, and the verifier only compares the folded result with 0xffff.
#include <cstring>

#include "core/ptb.hpp"

namespace pmtud {

std::uint32_t checksum_partial(Bytes data, std::uint32_t sum) noexcept {
    const std::uint8_t* p = data.data();
    std::size_t n = data.size();
    // Four independent 64-bit accumulators of 32-bit words: no carry handling in the loop,
    // and no dependency chain between them (PTBs are up to 1280 bytes; this is the hot loop).
    std::uint64_t a = sum, b = 0, c = 0, d = 0;
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
