// The per-packet path, where the pure core meets the sockets: one NFLOG datagram in, each packet
// parsed and decided; broadcasts framed into the sink's preallocated slots and sent in one batch
// per datagram, unicast copies sent to every peer of the PTB's family at once. Nothing here
// allocates once constructed (a new peers list allocates when it is loaded, not per packet).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/bytes.hpp"
#include "core/config.hpp"
#include "core/counters.hpp"
#include "core/nflog_msg.hpp"
#include "core/peers.hpp"
#include "core/policy.hpp"
#include "io/broadcast_sink.hpp"
#include "io/unicast_sink.hpp"

namespace pmtud {

struct RelaySettings {
    PolicySettings policy;
    BucketSize iface;  // per interface and family
    BucketSize peer;   // per family
    bool broadcast = true;
    bool use_src = false;
    bool dry_run = false;
    std::uint32_t verbose = 0;  // 1 forwarded, 2 also dropped, 3 also hex
};

class Relay {
public:
    // unicast: the peers' sockets, nullptr when no peers are configured.
    Relay(io::BroadcastSink& sink, io::UnicastSink* unicast, const RelaySettings& settings);

    // SIGHUP: new ports, rates, strictness, verbosity (the buckets restart full).
    void reconfigure(const RelaySettings& settings);
    const RelaySettings& settings() const noexcept { return settings_; }

    // The whole peers list (own addresses included: a PTB from or to any of them is refused)
    // and the numbers in use, for the counters; the sink holds the targets.
    void set_peers(const AddressList& all, const PeerSelection& selection);
    PeerCounters& peer_counters() noexcept { return counters_.peers; }

    // One datagram from NFLOG; now_ns is CLOCK_MONOTONIC.
    void handle_datagram(Bytes datagram, std::uint64_t now_ns) noexcept;
    // A datagram that did not fit the receive buffer (its packets show up as a sequence gap).
    void note_truncated_datagram() noexcept;

    const Counters& counters() const noexcept { return counters_; }
    // What the ruleset watch knows about table inet pmtud, for the summary.
    void note_rules(RulesState state, std::uint64_t removals) noexcept {
        counters_.rules = state;
        counters_.rules_removed = removals;
    }

private:
    void handle_packet(const NflogPacket& packet, std::uint64_t now_ns) noexcept;
    int find_iface(std::uint32_t ifindex, std::uint64_t now_ns) noexcept;
    void broadcast(const NflogPacket& packet, const Ptb& ptb, int iface) noexcept;
    std::uint32_t send_copies(const Ptb& ptb) noexcept;
    void send_pending() noexcept;
    void report(const NflogPacket& packet, const Ptb* ptb, int iface, const char* verdict,
                const char* reason, const RelayPlan* plan, std::uint32_t copies) noexcept;

    io::BroadcastSink& sink_;
    io::UnicastSink* unicast_;
    RelaySettings settings_;
    std::vector<FamilyBuckets> buckets_;  // parallel to sink_.ifaces()
    FamilyBuckets peer_buckets_;
    AddressList peers_;
    Counters counters_;
    SeqTracker seq_;
    std::uint64_t last_refresh_ns_ = 0;
    std::unique_ptr<char[]> line_;  // the -vvv line: header plus the packet in hex
};

}  // namespace pmtud
