// Whether table inet pmtud is loaded, followed through nftables change notifications (the
// NFNLGRP_NFTABLES multicast group). The helper cannot ask once it runs: every nf_tables request,
// even a read, needs CAP_NET_ADMIN, which it drops after start-up; but a socket subscribed before
// that keeps receiving. Pure over bytes; the socket is io/ruleset_watch.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/bytes.hpp"

namespace pmtud {

// The table pmtud-setup loads (family inet).
inline constexpr std::string_view kRulesTable = "pmtud";

enum class RulesState : std::uint8_t {
    unknown,  // not known yet, or notifications were lost
    present,  // table inet pmtud is loaded
    missing,  // it is not: no PTB reaches the helper
};

// "unknown", "present", "missing": the summary line's rules= value.
std::string_view rules_state_name(RulesState state) noexcept;

class RulesetTracker {
public:
    // Starts over from a known state (the answer to a query), or unknown (events were lost).
    void reset(RulesState state) noexcept;

    // One datagram of notifications. Additions and deletions of the table take effect when their
    // transaction ends (NFT_MSG_NEWGEN), so `pmtud-setup install`, which deletes and re-creates
    // the table in one transaction, is no change. A malformed message ends the datagram.
    void feed(Bytes datagram) noexcept;

    RulesState state() const noexcept { return state_; }
    // Transactions that removed the table while it was present (or not known to be missing).
    std::uint64_t removals() const noexcept { return removals_; }

private:
    void commit() noexcept;

    RulesState state_ = RulesState::unknown;
    std::optional<bool> pending_;  // the open transaction last added (true) or deleted it
    std::uint64_t removals_ = 0;
};

}  // namespace pmtud
