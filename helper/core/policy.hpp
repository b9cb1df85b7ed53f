// The helper's decision for one parsed PTB: MTU sanity, strict mode, port allow-list, then the
// per-interface token bucket, charged only when every other check has said yes.
#pragma once

#include <cstdint>
#include <optional>

#include "core/ports.hpp"
#include "core/ptb.hpp"
#include "core/token_bucket.hpp"

namespace pmtud {

struct PolicySettings {
    PortSet ports;        // empty = all ports
    bool strict = false;  // v4 576..1499, v6 1280..1499
};

inline constexpr std::uint32_t kMinMtuV4 = 68, kMinMtuV6 = 1280, kMaxMtu = 16384;
inline constexpr std::uint32_t kStrictMinMtuV4 = 576, kStrictMaxMtu = 1499;

// nullopt when the MTU is acceptable.
std::optional<Reason> check_mtu(Family family, std::uint32_t mtu, bool strict) noexcept;

// nullopt = forward; otherwise the reason to drop. Charges bucket only when forwarding.
std::optional<Reason> decide(const PolicySettings& settings, const Ptb& ptb, TokenBucket& bucket,
                             std::uint64_t now_ns) noexcept;

}  // namespace pmtud
