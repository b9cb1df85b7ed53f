#include "core/metrics.hpp"

#include <initializer_list>
#include <utility>

namespace pmtud {
namespace {

class Writer {
public:
    void family(std::string_view name, std::string_view type, std::string_view help) {
        name_ = name;
        text_ += "# HELP ";
        text_ += name;
        text_ += ' ';
        text_ += help;  // constant text: no backslash or newline to escape
        text_ += "\n# TYPE ";
        text_ += name;
        text_ += ' ';
        text_ += type;
        text_ += '\n';
    }

    // One sample of the current family; labels are {name, value} pairs.
    void sample(std::uint64_t value,
                std::initializer_list<std::pair<std::string_view, std::string_view>> labels = {}) {
        text_ += name_;
        if (labels.size() != 0) {
            text_ += '{';
            bool first = true;
            for (const auto& [label, label_value] : labels) {
                if (!first) text_ += ',';
                first = false;
                text_ += label;
                text_ += "=\"";
                text_ += escape_label_value(label_value);
                text_ += '"';
            }
            text_ += '}';
        }
        text_ += ' ';
        text_ += std::to_string(value);
        text_ += '\n';
    }

    std::string take() { return std::move(text_); }

private:
    std::string text_;
    std::string name_;
};

}  // namespace

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string render_metrics(std::string_view version, const Counters& c, const KernelStats& kernel) {
    Writer w;
    w.family("pmtud_build_info", "gauge", "The running pmtud-helper's version; always 1.");
    w.sample(1, {{"version", version}});

    w.family("pmtud_packets_received_total", "counter",
             "Packets the helper read from its NFLOG group.");
    w.sample(c.received);

    w.family("pmtud_packets_forwarded_total", "counter",
             "PTBs re-sent as Ethernet broadcasts (counted as decided in a dry run).");
    for (const IfaceCounters& i : c.ifaces) {
        w.sample(i.forwarded_v4, {{"iface", i.name}, {"family", "ipv4"}});
        w.sample(i.forwarded_v6, {{"iface", i.name}, {"family", "ipv6"}});
    }

    w.family("pmtud_packets_dropped_total", "counter",
             "Packets the helper read but did not re-send, by reason.");
    for (std::size_t r = 0; r < kReasonCount; ++r) {
        w.sample(c.dropped[r], {{"reason", reason_name(static_cast<Reason>(r))}});
    }

    w.family("pmtud_nflog_lost_total", "counter",
             "Packets the kernel logged that never reached the helper (NFLOG sequence gaps).");
    w.sample(c.nflog_lost);

    w.family("pmtud_send_errors_total", "counter", "Broadcast frames the kernel refused to send.");
    for (const IfaceCounters& i : c.ifaces) w.sample(i.send_errors, {{"iface", i.name}});

    const PeerCounters& p = c.peers;
    w.family("pmtud_peers", "gauge",
             "Peers the PTBs are copied to by unicast (this server's own addresses skipped).");
    w.sample(p.in_use_v4, {{"family", "ipv4"}});
    w.sample(p.in_use_v6, {{"family", "ipv6"}});
    w.family("pmtud_peer_copies_total", "counter",
             "Unicast copies of PTBs sent to peers (counted as decided in a dry run).");
    w.sample(p.copies_v4, {{"family", "ipv4"}});
    w.sample(p.copies_v6, {{"family", "ipv6"}});
    w.family("pmtud_peer_send_errors_total", "counter",
             "Unicast copies to peers that the kernel refused to send (one per copy).");
    w.sample(p.errors_v4, {{"family", "ipv4"}});
    w.sample(p.errors_v6, {{"family", "ipv6"}});
    w.family("pmtud_peers_file_last_load_timestamp_seconds", "gauge",
             "Unix time of the last successful load of the peers list (0: never).");
    w.sample(p.last_load_s);
    w.family("pmtud_peers_file_last_error_timestamp_seconds", "gauge",
             "Unix time of the last failed load of the peers list (0: never).");
    w.sample(p.last_error_s);
    w.family("pmtud_peers_file_error", "gauge",
             "1 while the last load of the peers list failed, with its error line; the list "
             "loaded before stays in use.");
    if (!p.error.empty()) w.sample(1, {{"error", p.error}});

    if (kernel.state == KernelStats::State::unknown) return w.take();

    w.family("pmtud_rules_present", "gauge",
             "1 when nftables table inet pmtud is loaded, 0 when it is missing.");
    w.sample(kernel.state == KernelStats::State::present ? 1 : 0);
    if (kernel.state != KernelStats::State::present) return w.take();

    if (!kernel.counters.empty()) {
        w.family("pmtud_kernel_packets_total", "counter",
                 "Packets counted by the named counters of table inet pmtud (outcome = counter "
                 "name; rx4 and rx6 are the eligible PTBs, the others one outcome each).");
        for (const auto& counter : kernel.counters) {
            w.sample(counter.packets, {{"outcome", counter.name}});
        }
    }
    if (kernel.tracked_v4 || kernel.tracked_v6) {
        w.family("pmtud_kernel_tracked_sources", "gauge",
                 "Sources (IPv6: prefixes) in the per-source limit sets src4 and src6.");
        if (kernel.tracked_v4) w.sample(*kernel.tracked_v4, {{"family", "ipv4"}});
        if (kernel.tracked_v6) w.sample(*kernel.tracked_v6, {{"family", "ipv6"}});
    }
    if (kernel.known_v4 || kernel.known_v6) {
        w.family("pmtud_kernel_known_sources", "gauge",
                 "Known sources (IPv6: prefixes) in the sets known4 and known6: those logged while "
                 "their family had no storm, relayed through their own lane.");
        if (kernel.known_v4) w.sample(*kernel.known_v4, {{"family", "ipv4"}});
        if (kernel.known_v6) w.sample(*kernel.known_v6, {{"family", "ipv6"}});
    }
    if (kernel.storm_v4 || kernel.storm_v6) {
        w.family("pmtud_kernel_storm", "gauge",
                 "1 while the family's storm flag is set (a PTB went over its ceiling less than "
                 "storm_timeout ago: no learning), else 0.");
        if (kernel.storm_v4) w.sample(*kernel.storm_v4 ? 1 : 0, {{"family", "ipv4"}});
        if (kernel.storm_v6) w.sample(*kernel.storm_v6 ? 1 : 0, {{"family", "ipv6"}});
        w.family("pmtud_kernel_storm_since_timestamp_seconds", "gauge",
                 "Unix time the helper first saw the family's storm flag set (read every second), "
                 "0 while it is not set.");
        if (kernel.storm_v4) w.sample(kernel.storm_since_v4, {{"family", "ipv4"}});
        if (kernel.storm_v6) w.sample(kernel.storm_since_v6, {{"family", "ipv6"}});
    }
    return w.take();
}

KernelStats with_watched_rules(KernelStats snapshot, RulesState watched) {
    if (watched == RulesState::missing) {
        snapshot = KernelStats{};
        snapshot.state = KernelStats::State::missing;
    } else if (watched == RulesState::present && snapshot.state == KernelStats::State::unknown) {
        snapshot.state = KernelStats::State::present;
    }
    return snapshot;
}

std::string render_service_status(const Counters& c, KernelStats::State rules) {
    std::string s = "received=" + std::to_string(c.received) +
                    " forwarded=" + std::to_string(c.forwarded_total()) +
                    " dropped=" + std::to_string(c.dropped_total()) +
                    " nflog_lost=" + std::to_string(c.nflog_lost) +
                    " send_errors=" + std::to_string(c.send_errors_total());
    if (c.peers.enabled) s += " copies=" + std::to_string(c.peers.copies());
    if (rules == KernelStats::State::present) s += "; rules loaded";
    if (rules == KernelStats::State::missing) {
        s += "; WARNING: table inet pmtud is missing (run pmtud-setup apply)";
    }
    return s;
}

bool SourceWalkPolicy::due(std::uint64_t eligible, std::uint64_t now_s) const noexcept {
    if (!walked_ || now_s - at_s_ >= kMaxAgeS) return true;
    // Counters that went backwards: the table was loaded again, its sets are empty.
    if (eligible < eligible_) return true;
    return tracked_ + (eligible - eligible_) <= kCheapElements;
}

void SourceWalkPolicy::walked(std::uint64_t tracked, std::uint64_t eligible,
                              std::uint64_t now_s) noexcept {
    walked_ = true;
    tracked_ = tracked;
    eligible_ = eligible;
    at_s_ = now_s;
}

namespace {
std::uint64_t sum_counters(const KernelStats& kernel, std::string_view a,
                           std::string_view b) noexcept {
    std::uint64_t n = 0;
    for (const auto& c : kernel.counters) {
        if (c.name == a || c.name == b) n += c.packets;
    }
    return n;
}
}  // namespace

std::uint64_t eligible_ptbs(const KernelStats& kernel) noexcept {
    return sum_counters(kernel, "rx4", "rx6");
}

std::uint64_t learned_sources(const KernelStats& kernel) noexcept {
    return sum_counters(kernel, "learned4", "learned6");
}

void StormClock::observe(KernelStats& kernel, std::uint64_t now_unix_s) noexcept {
    const auto follow = [now_unix_s](const std::optional<bool>& storm, std::uint64_t& since) {
        if (!storm.value_or(false)) {
            since = 0;
        } else if (since == 0) {
            since = now_unix_s;
        }
        return since;
    };
    kernel.storm_since_v4 = follow(kernel.storm_v4, since_v4_);
    kernel.storm_since_v6 = follow(kernel.storm_v6, since_v6_);
}

}  // namespace pmtud
