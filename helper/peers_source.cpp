#include "peers_source.hpp"

#include <ctime>

#include "io/log.hpp"
#include "io/own_addresses.hpp"
#include "peers_load.hpp"

namespace pmtud {
namespace {

std::uint64_t unix_now() {
    return static_cast<std::uint64_t>(std::time(nullptr));
}

}  // namespace

std::string PeersSource::describe_sources() const {
    std::string text;
    if (!config_.peers.empty()) text = "peers (" + std::to_string(config_.peers.size()) + ")";
    if (!file_path_.empty()) {
        if (!text.empty()) text += " and ";
        text += file_path_;
    }
    return text.empty() ? "an empty peers key" : text;
}

bool PeersSource::start(const Config& config, const std::string& config_path, std::string& error) {
    config_ = config;
    config_path_ = config_path;
    file_path_ = peers_file_path(config, config_path);
    if (!watch_.open(error)) return false;
    if (!load("start", error)) return false;
    watch_.follow(file_path_);
    return true;
}

void PeersSource::reconfigure(const Config& config, const std::string& config_path) {
    config_ = config;
    config_path_ = config_path;
    file_path_ = peers_file_path(config, config_path);
    std::string error;
    if (!load("SIGHUP", error)) note_error(error);
    watch_.follow(file_path_);
}

void PeersSource::on_settled() {
    if (!watch_.settled()) return;
    std::string error;
    if (!load("the peers file changed", error)) note_error(error);
    // A ConfigMap swap moves the file's real directory: follow it.
    watch_.follow(file_path_);
}

void PeersSource::tick() {
    // A directory that went away with events pending is followed again by their re-read.
    if (!watch_.complete() && !watch_.settling() && watch_.follow(file_path_)) {
        // The directory is back (or exists at last): its file may have changed meanwhile.
        std::string error;
        if (!load("the peers file's directory is back", error)) note_error(error);
    }
    sink_.retry_bind();
    AddressList own;
    std::string error;
    if (io::read_own_addresses(own, error) && own != own_) {
        own_ = std::move(own);
        select_and_apply("this host's addresses changed", false);
    }
}

void PeersSource::note_error(const std::string& error) {
    PeerCounters& c = relay_.peer_counters();
    c.last_error_s = unix_now();
    c.error = error;
    if (error != last_error_) {
        io::log_line("warning: peers: %s; keeping the %zu IPv4 and %zu IPv6 peers in use",
                     error.c_str(), selection_.targets.v4.size(), selection_.targets.v6.size());
    }
    last_error_ = error;
}

bool PeersSource::load(const char* why, std::string& error) {
    AddressList all;
    if (!read_peers(config_, config_path_, all, error)) return false;
    AddressList own;
    std::string own_error;
    if (io::read_own_addresses(own, own_error)) {
        own_ = std::move(own);
    } else {
        io::log_line("warning: peers: %s (keeping the addresses read before)", own_error.c_str());
    }
    const bool recovered = !last_error_.empty();
    all_ = std::move(all);
    last_error_.clear();
    PeerCounters& c = relay_.peer_counters();
    c.error.clear();
    c.last_load_s = unix_now();
    select_and_apply(why, recovered);
    return true;
}

void PeersSource::select_and_apply(const char* why, bool force_log) {
    PeerSelection selection = select_peers(all_, own_);
    const bool changed = !have_selection_ || selection != selection_;
    relay_.set_peers(all_, selection);
    if (changed) sink_.set_targets(selection);
    if (changed || force_log) {
        io::log_line("peers: %zu IPv4, %zu IPv6 in use (%zu own skipped) from %s (%s)",
                     selection.targets.v4.size(), selection.targets.v6.size(),
                     selection.own_skipped, describe_sources().c_str(), why);
        // Without its own address as the source, a receiver cannot tell the copy is from a
        // peer, and relays it again (its rules skip copies by their source or destination).
        const auto warn = [](bool targets, bool source, bool had_warned, const char* family) {
            if (targets && !source && !had_warned) {
                io::log_line(
                    "warning: peers: none of this host's %s addresses is on the list: its %s "
                    "copies go out from the routing table's source address",
                    family, family);
            }
        };
        const bool warned_v4 =
            have_selection_ && !selection_.targets.v4.empty() && !selection_.source_v4;
        const bool warned_v6 =
            have_selection_ && !selection_.targets.v6.empty() && !selection_.source_v6;
        warn(!selection.targets.v4.empty(), selection.source_v4.has_value(), warned_v4, "IPv4");
        warn(!selection.targets.v6.empty(), selection.source_v6.has_value(), warned_v6, "IPv6");
    }
    selection_ = std::move(selection);
    have_selection_ = true;
}

}  // namespace pmtud
