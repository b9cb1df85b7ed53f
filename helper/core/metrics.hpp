// The helper's metrics in the Prometheus text exposition format (version 0.0.4), for
// node_exporter's textfile collector. Pure: the caller reads the kernel and writes the file.
//
// Every family has HELP and TYPE lines. Labels are bounded by the configuration, never by
// traffic: iface (the configured interfaces), family (ipv4, ipv6), reason (the fixed list in
// reasons.hpp, zeros included so that rate() works from the start), outcome (the table's named
// counters, a handful). The kernel families are left out when the table could not be read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/counters.hpp"
#include "core/ruleset_events.hpp"

namespace pmtud {

// What the helper read from table inet pmtud (one snapshot, taken off the per-packet path).
struct KernelStats {
    enum class State : std::uint8_t {
        unknown,  // not read (yet), or the read failed: no kernel families at all
        missing,  // the table does not exist: pmtud_rules_present 0
        present,  // read: pmtud_rules_present 1, counters and tracked sources
    };
    struct NamedCounter {
        std::string name;  // "rx4", "logged6", ...: the outcome label
        std::uint64_t packets = 0;
        bool operator==(const NamedCounter&) const = default;
    };
    State state = State::unknown;
    std::vector<NamedCounter> counters;       // in the kernel's order
    std::optional<std::uint64_t> tracked_v4;  // elements in set src4, when the set exists
    std::optional<std::uint64_t> tracked_v6;  // elements in set src6
    std::optional<std::uint64_t> known_v4;    // elements in set known4 (known sources)
    std::optional<std::uint64_t> known_v6;    // elements in set known6
    // The storm flags (set storm, keyed by meta l4proto), when the set exists.
    std::optional<bool> storm_v4;
    std::optional<bool> storm_v6;
    // Unix time since which the helper has seen each flag set (0 while it is not); see
    // StormClock.
    std::uint64_t storm_since_v4_s = 0;
    std::uint64_t storm_since_v6_s = 0;
    bool operator==(const KernelStats&) const = default;
};

// Combines the periodic snapshot with what the nftables notifications say right now
// (Counters::rules, always followed, capability-free): a table announced missing is missing
// even if the last read still saw it; a table announced present with no snapshot (the reads
// are off or failed) is present without counters.
KernelStats with_watched_rules(KernelStats snapshot, RulesState watched);

// The whole file, ending in a newline.
std::string render_metrics(std::string_view version, const Counters& counters,
                           const KernelStats& kernel);

// The service manager's one-line STATUS=: "received=12 forwarded=10 dropped=2 nflog_lost=0
// send_errors=0; rules loaded", with "rules missing (run pmtud-setup apply)" when the table is
// gone and nothing after the counters when that is not known.
std::string render_service_status(const Counters& counters, KernelStats::State rules);

// A label value with \, " and newline escaped as the exposition format requires.
std::string escape_label_value(std::string_view value);

// When to walk the per-source sets for pmtud_kernel_tracked_sources. The kernel dumps every
// element with its limit state: 4-5 us each here, about 0.3 s for a set filled by a spoofed
// flood, and the relay stalls meanwhile. So: walk only while the sets cannot hold more than
// kCheapElements (what they held at the last walk plus every eligible PTB since, each of which
// adds at most one element), or once the last walk is kMaxAgeS old; else keep the last counts.
class SourceWalkPolicy {
public:
    static constexpr std::uint64_t kCheapElements = 4096;
    static constexpr std::uint64_t kMaxAgeS = 60;

    // eligible: rx4 + rx6 of the snapshot just read; now_s: a monotonic clock in seconds.
    bool due(std::uint64_t eligible, std::uint64_t now_s) const noexcept;
    void walked(std::uint64_t tracked, std::uint64_t eligible, std::uint64_t now_s) noexcept;

private:
    bool walked_ = false;
    std::uint64_t tracked_ = 0, eligible_ = 0, at_s_ = 0;
};

// When each family's storm flag was first seen set, across the periodic reads: a flag that
// stays set keeps its time, one that clears goes back to 0.
class StormClock {
public:
    // Fills kernel.storm_since_*_s from kernel.storm_*; now_s is unix time.
    void observe(KernelStats& kernel, std::uint64_t now_s) noexcept;

private:
    std::uint64_t since_v4_s_ = 0, since_v6_s_ = 0;
};

// rx4 + rx6: the PTBs the table took in (each can add at most one per-source element).
std::uint64_t eligible_ptbs(const KernelStats& kernel) noexcept;

}  // namespace pmtud
