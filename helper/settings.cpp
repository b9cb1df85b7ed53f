#include "settings.hpp"

#include <cstdio>

namespace pmtud {

bool unicast_configured(const Config& config) {
    return !config.peers.empty() || !config.peers_file.empty();
}

RelaySettings relay_settings(const Config& config, bool dry_run) {
    RelaySettings s;
    s.policy.ports = config.ports;
    s.policy.strict = config.strict;
    s.iface = iface_bucket(config);
    s.peer = peer_bucket(config);
    s.broadcast = config.broadcast;
    s.use_src = config.use_src;
    s.dry_run = dry_run;
    // A dry run exists to show decisions, so it always logs them.
    s.verbose = dry_run && config.verbose == 0 ? 1 : config.verbose;
    return s;
}

std::string describe_settings(const Config& config, const RelaySettings& s) {
    std::string ports = s.policy.ports.empty() ? "all" : s.policy.ports.to_string();
    std::string text = "group " + std::to_string(config.group) + ", ports " + ports;
    if (s.broadcast) {
        text += ", iface_rate " + describe_bucket(s.iface);
    } else {
        text += ", broadcast no";
    }
    if (unicast_configured(config)) text += ", peer_rate " + describe_bucket(s.peer);
    return text + ", strict " + (s.policy.strict ? "yes" : "no") + ", use_src " +
           (s.use_src ? "yes" : "no") + ", dry_run " + (s.dry_run ? "yes" : "no") + ", verbose " +
           std::to_string(s.verbose);
}

std::string describe_ifaces(const io::BroadcastSink& sink) {
    std::string text;
    for (const io::SinkIface& iface : sink.ifaces()) {
        char mac[18];
        std::snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", iface.mac[0], iface.mac[1],
                      iface.mac[2], iface.mac[3], iface.mac[4], iface.mac[5]);
        if (!text.empty()) text += ", ";
        text += iface.name + " (ifindex " + std::to_string(iface.ifindex) + ", mac " + mac +
                ", mtu " + std::to_string(iface.mtu) + ")";
    }
    return text;
}

}  // namespace pmtud
