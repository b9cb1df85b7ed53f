#include "core/frame.hpp"

#include <algorithm>
#include <cstring>

namespace pmtud {

std::size_t build_frame(MutableBytes out, const Ptb& ptb, const Mac& src_mac) noexcept {
    const std::size_t len = kEthHeaderLen + ptb.l3.size();
    if (out.size() < len) return 0;
    std::uint8_t* p = out.data();
    std::fill_n(p, 6, std::uint8_t{0xff});
    std::memcpy(p + 6, src_mac.data(), src_mac.size());
    store_be16(p + 12, ptb.family == Family::v4 ? kEtherTypeIPv4 : kEtherTypeIPv6);
    std::memcpy(p + kEthHeaderLen, ptb.l3.data(), ptb.l3.size());
    return len;
}

bool frame_source_mac(Bytes hwheader, Mac& out) noexcept {
    if (hwheader.size() < kEthHeaderLen) return false;
    std::memcpy(out.data(), hwheader.data() + 6, out.size());
    return true;
}

}  // namespace pmtud
