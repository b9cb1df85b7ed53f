#include "core/counters.hpp"

namespace pmtud {

std::uint64_t Counters::forwarded_total() const noexcept {
    std::uint64_t total = 0;
    for (const auto& i : ifaces) total += i.forwarded_v4 + i.forwarded_v6;
    return total;
}

std::uint64_t Counters::dropped_total() const noexcept {
    std::uint64_t total = 0;
    for (const auto n : dropped) total += n;
    return total;
}

std::uint64_t Counters::send_errors_total() const noexcept {
    std::uint64_t total = 0;
    for (const auto& i : ifaces) total += i.send_errors;
    return total;
}

std::string render_summary(const Counters& c) {
    std::string s = "received=" + std::to_string(c.received);

    s += " forwarded=" + std::to_string(c.forwarded_total());
    if (!c.ifaces.empty()) {
        s += " (";
        for (std::size_t i = 0; i < c.ifaces.size(); ++i) {
            const auto& iface = c.ifaces[i];
            if (i > 0) s += ", ";
            s += iface.name + " v4=" + std::to_string(iface.forwarded_v4) +
                 " v6=" + std::to_string(iface.forwarded_v6);
        }
        s += ')';
    }

    const std::uint64_t dropped = c.dropped_total();
    s += " dropped=" + std::to_string(dropped);
    if (dropped > 0) {
        s += " (";
        bool first = true;
        for (std::size_t r = 0; r < kReasonCount; ++r) {
            if (c.dropped[r] == 0) continue;
            if (!first) s += ' ';
            first = false;
            s += std::string(reason_name(static_cast<Reason>(r))) + "=" +
                 std::to_string(c.dropped[r]);
        }
        s += ')';
    }

    s += " nflog_lost=" + std::to_string(c.nflog_lost);
    s += " send_errors=" + std::to_string(c.send_errors_total());
    if (c.peers.enabled) {
        s += " peers=v4:" + std::to_string(c.peers.in_use_v4) +
             ",v6:" + std::to_string(c.peers.in_use_v6) +
             " copies=" + std::to_string(c.peers.copies()) +
             " peer_send_errors=" + std::to_string(c.peers.errors());
    }
    s += " rules=" + std::string(rules_state_name(c.rules));
    s += " rules_removed=" + std::to_string(c.rules_removed);
    return s;
}

}  // namespace pmtud
