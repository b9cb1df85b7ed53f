#include "core/policy.hpp"

namespace pmtud {

std::optional<Reason> check_mtu(Family family, std::uint32_t mtu, bool strict) noexcept {
    // Below 1280 is meaningless for IPv6 (RFC 8200 minimum link MTU); 68 is IPv4's (RFC 791).
    const std::uint32_t min = family == Family::v4 ? kMinMtuV4 : kMinMtuV6;
    if (mtu < min || mtu > kMaxMtu) return Reason::mtu_out_of_range;
    if (strict) {
        const std::uint32_t strict_min = family == Family::v4 ? kStrictMinMtuV4 : kMinMtuV6;
        if (mtu < strict_min || mtu > kStrictMaxMtu) return Reason::mtu_not_strict;
    }
    return std::nullopt;
}

std::optional<Reason> check_ptb(const PolicySettings& settings, const Ptb& ptb) noexcept {
    if (auto why = check_mtu(ptb.family, ptb.mtu, settings.strict)) return why;
    if (!settings.ports.empty()) {
        if (!ptb.has_port) return Reason::no_port;
        if (!settings.ports.allows(ptb.sport)) return Reason::port_not_allowed;
    }
    return std::nullopt;
}

std::optional<Reason> decide(const PolicySettings& settings, const Ptb& ptb, TokenBucket& bucket,
                             std::uint64_t now_ns) noexcept {
    if (auto why = check_ptb(settings, ptb)) return why;
    // Last, so that a packet refused for any other reason never spends a token.
    if (!bucket.take(now_ns)) return Reason::iface_rate_limited;
    return std::nullopt;
}

RelayPlan plan_relay(const PolicySettings& settings, const AddressList& peers, const Ptb& ptb,
                     FamilyBuckets* broadcast, FamilyBuckets* copies,
                     std::uint64_t now_ns) noexcept {
    RelayPlan plan;
    // The kernel skips these already; a copy relayed again would loop between the peers.
    if (peers.contains(ptb.family, ptb.src.data()) || peers.contains(ptb.family, ptb.dst.data())) {
        plan.dropped = Reason::from_peer;
        return plan;
    }
    if (auto why = check_ptb(settings, ptb)) {
        plan.dropped = why;
        return plan;
    }
    plan.broadcast = broadcast != nullptr && broadcast->take(ptb.family, now_ns);
    plan.copies = copies != nullptr && copies->take(ptb.family, now_ns);
    if (!plan.broadcast && !plan.copies) {
        plan.dropped =
            broadcast != nullptr ? Reason::iface_rate_limited : Reason::peer_rate_limited;
    }
    return plan;
}

}  // namespace pmtud
