// From the configuration to the relay's settings, and the one-line descriptions the start-up
// and reload lines print.
#pragma once

#include <string>

#include "core/config.hpp"
#include "io/broadcast_sink.hpp"
#include "relay.hpp"

namespace pmtud {

// The raw sockets for the peers are opened at start when either key is set.
bool unicast_configured(const Config& config);

RelaySettings relay_settings(const Config& config, bool dry_run);

// "group 33, ports all, iface_rate auto=200/s burst auto=100, ..." (effective values).
std::string describe_settings(const Config& config, const RelaySettings& s);

// "eth0 (ifindex 2, mac 02:00:00:00:00:01, mtu 1500), ..."
std::string describe_ifaces(const io::BroadcastSink& sink);

}  // namespace pmtud
