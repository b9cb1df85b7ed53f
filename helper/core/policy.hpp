// The helper's decision for one parsed PTB: loop safety (a PTB from or to a peer), MTU sanity,
// strict mode, port allow-list, then the rate limits, charged only when every other check has
// said yes. Two outputs, each with its own buckets: the broadcast on the arrival interface (one
// bucket per interface and family) and the unicast copies to the peers (one bucket per family,
// one token per PTB whatever the number of peers).
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "core/peers.hpp"
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

// MTU and ports: nullopt when the PTB may be relayed (rate limits aside).
std::optional<Reason> check_ptb(const PolicySettings& settings, const Ptb& ptb) noexcept;

// nullopt = forward; otherwise the reason to drop. Charges bucket only when forwarding.
std::optional<Reason> decide(const PolicySettings& settings, const Ptb& ptb, TokenBucket& bucket,
                             std::uint64_t now_ns) noexcept;

// One token bucket per family, so that a flood of one family never spends the other's tokens.
class FamilyBuckets {
public:
    FamilyBuckets(std::uint32_t rate_pps, std::uint32_t burst) noexcept
        : buckets_{TokenBucket(rate_pps, burst), TokenBucket(rate_pps, burst)} {}

    bool take(Family family, std::uint64_t now_ns) noexcept { return of(family).take(now_ns); }
    TokenBucket& of(Family family) noexcept { return buckets_[family == Family::v4 ? 0 : 1]; }
    void reconfigure(std::uint32_t rate_pps, std::uint32_t burst) noexcept {
        for (TokenBucket& b : buckets_) b.reconfigure(rate_pps, burst);
    }

private:
    std::array<TokenBucket, 2> buckets_;
};

// What one PTB gets. dropped is set exactly when nothing is sent.
struct RelayPlan {
    bool broadcast = false;
    bool copies = false;
    std::optional<Reason> dropped;
    bool operator==(const RelayPlan&) const = default;
};

// The whole decision. peers: the fleet's list, own addresses included (a PTB whose outer source
// or destination is on it is a relayed copy: from_peer). broadcast: the arrival interface's
// buckets, nullptr when broadcast = no. copies: the peer buckets, nullptr when the PTB's family
// has no peer to send to. When nothing goes out, the reason is the broadcast's bucket
// (iface_rate_limited) if broadcasting, else the peers' (peer_rate_limited).
RelayPlan plan_relay(const PolicySettings& settings, const AddressList& peers, const Ptb& ptb,
                     FamilyBuckets* broadcast, FamilyBuckets* copies,
                     std::uint64_t now_ns) noexcept;

}  // namespace pmtud
