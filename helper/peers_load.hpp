// Reading the peers list a config names: the `peers` value united with the `peers_file`.
#pragma once

#include <string>

#include "core/config.hpp"
#include "core/peers.hpp"

namespace pmtud {

// The peers file as opened: a relative peers_file is taken from the config file's directory
// (pmtud-setup --list-peers and the service then read the same file). "" when none.
std::string peers_file_path(const Config& config, const std::string& config_path);

// config.peers united with the file's addresses. false with one line naming the file (and the
// line) when the file is unreadable or refused, when the union is over kMaxPeers, or when
// broadcast = no and the union is empty.
bool read_peers(const Config& config, const std::string& config_path, AddressList& out,
                std::string& error);

}  // namespace pmtud
