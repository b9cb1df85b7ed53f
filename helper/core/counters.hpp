// Everything the helper counts, in one struct that the summary line (and later metrics) render.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/ptb.hpp"
#include "core/reasons.hpp"
#include "core/ruleset_events.hpp"

namespace pmtud {

struct IfaceCounters {
    std::string name;
    std::uint64_t forwarded_v4 = 0;
    std::uint64_t forwarded_v6 = 0;
    std::uint64_t send_errors = 0;
};

// The unicast relay to peers.
struct PeerCounters {
    bool enabled = false;                        // peers or peers_file set: shown in the summary
    std::uint64_t in_use_v4 = 0, in_use_v6 = 0;  // peers sent to (own addresses skipped)
    std::uint64_t copies_v4 = 0, copies_v6 = 0;  // copies sent (decided, in a dry run)
    std::uint64_t errors_v4 = 0, errors_v6 = 0;  // copies the kernel refused
    std::uint64_t last_load_s = 0;               // unix time of the last good load; 0 never
    std::uint64_t last_error_s = 0;              // unix time of the last failed load; 0 never
    std::string error;                           // the failed load's line while it is the last

    std::uint64_t copies() const noexcept { return copies_v4 + copies_v6; }
    std::uint64_t errors() const noexcept { return errors_v4 + errors_v6; }
};

struct Counters {
    std::uint64_t received = 0;    // packet messages read from NFLOG
    std::uint64_t nflog_lost = 0;  // sequence gaps: logged by the kernel, never read
    std::array<std::uint64_t, kReasonCount> dropped{};
    std::vector<IfaceCounters> ifaces;
    PeerCounters peers;
    RulesState rules = RulesState::unknown;  // table inet pmtud, as the kernel last announced it
    std::uint64_t rules_removed = 0;         // times it was removed while the helper ran

    void drop(Reason r) noexcept { ++dropped[static_cast<std::size_t>(r)]; }
    std::uint64_t forwarded_total() const noexcept;
    std::uint64_t dropped_total() const noexcept;
    std::uint64_t send_errors_total() const noexcept;
};

// One line: "received=12 forwarded=10 (eth0 v4=6 v6=4) dropped=2 (bad_checksum=1
// port_not_allowed=1) nflog_lost=0 send_errors=0 rules=present rules_removed=0". Reasons with a
// zero count are left out.
// Every interface is listed, in order, even at zero: "(eth0 v4=6 v6=4, eth1 v4=0 v6=0)"; the
// parentheses are left out when there is no interface, and after "dropped=0". With the unicast
// relay on, "peers=v4:2,v6:1 copies=9 peer_send_errors=0" follows send_errors.
std::string render_summary(const Counters& c);

}  // namespace pmtud
