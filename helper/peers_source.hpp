// Keeps the unicast relay's peers up to date: the `peers` key and the `peers_file` are read at
// start, on SIGHUP and when the file changes (its directory is watched, see io/dir_watch), and
// this host's own addresses are read again at each load and once a second. A load that fails
// after start is a warning, the list in use stays; each change in use is one line.
#pragma once

#include <string>

#include "core/config.hpp"
#include "core/peers.hpp"
#include "io/dir_watch.hpp"
#include "io/unicast_sink.hpp"
#include "relay.hpp"

namespace pmtud {

class PeersSource {
public:
    PeersSource(io::UnicastSink& sink, Relay& relay) : sink_(sink), relay_(relay) {}

    // At start: false with the one line to exit with (78).
    bool start(const Config& config, const std::string& config_path, std::string& error);
    // SIGHUP, with the config file valid again.
    void reconfigure(const Config& config, const std::string& config_path);

    int watch_fd() const noexcept { return watch_.fd(); }
    int settle_fd() const noexcept { return watch_.settle_fd(); }
    void on_watch_event() noexcept { watch_.drain(); }
    // The peers file's directory has been quiet for a moment after a change.
    void on_settled();
    // Once a second: own addresses, a lost directory watch, a source address not bound yet.
    void tick();

private:
    // Reads everything again; applies and logs a change. why: "start", "SIGHUP", ...
    bool load(const char* why, std::string& error);
    void select_and_apply(const char* why, bool force_log);
    void note_error(const std::string& error);
    std::string describe_sources() const;

    io::UnicastSink& sink_;
    Relay& relay_;
    io::DirWatch watch_;
    Config config_;
    std::string config_path_;
    std::string file_path_;  // resolved; "" when there is no peers_file
    AddressList all_;        // the list, own addresses included
    AddressList own_;
    PeerSelection selection_;
    bool have_selection_ = false;
    std::string last_error_;  // logged once per change
};

}  // namespace pmtud
