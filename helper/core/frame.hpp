// Build the broadcast frame: ff:ff:ff:ff:ff:ff | source MAC | EtherType | L3 packet verbatim.
#pragma once

#include <cstddef>

#include "core/bytes.hpp"
#include "core/ptb.hpp"

namespace pmtud {

inline constexpr std::size_t kEthHeaderLen = 14;

// Writes into out; returns the frame length, or 0 when out is too small.
std::size_t build_frame(MutableBytes out, const Ptb& ptb, const Mac& src_mac) noexcept;

// Source MAC of the captured frame (bytes 6..11 of the Ethernet header); nullopt-like false
// when the header is absent or not Ethernet-sized.
bool frame_source_mac(Bytes hwheader, Mac& out) noexcept;

}  // namespace pmtud
