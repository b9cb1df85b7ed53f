// This host's own IPv4 and IPv6 addresses (every interface of the network namespace, from
// getifaddrs: one netlink dump), so that a server skips itself on the fleet-wide peers list.
#pragma once

#include <string>

#include "core/peers.hpp"

namespace pmtud::io {

// false with a one-line error when the addresses cannot be read; out is normalized.
bool read_own_addresses(AddressList& out, std::string& error);

}  // namespace pmtud::io
