// Watches table inet pmtud without any capability at run time: a netlink socket subscribed to
// the nftables notification group before the helper drops its capabilities, plus one query at
// start-up. A removed table (`nft flush ruleset`, a firewall reload, `pmtud-setup uninstall`)
// starves the helper silently; this makes it say so, once, and once again when it is back.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/ruleset_events.hpp"

struct mnl_socket;

namespace pmtud::io {

class RulesetWatch {
public:
    static constexpr std::size_t kRecvBufferSize = 128 * 1024;
    // A flush of a large ruleset is one burst of notifications, one or more per rule.
    static constexpr int kSocketRcvBuf = 4 << 20;

    RulesetWatch();
    ~RulesetWatch();
    RulesetWatch(const RulesetWatch&) = delete;
    RulesetWatch& operator=(const RulesetWatch&) = delete;

    // Subscribes, then asks whether the table is loaded (both need CAP_NET_ADMIN) and logs a
    // warning when it is not. false with a one-line error when the watch cannot be set up: the
    // state stays unknown and the helper runs on without it.
    bool open(std::string& error);
    int fd() const noexcept;

    // Reads every pending notification; logs a line when the table goes away, comes back, or
    // notifications were lost (the state is then unknown until the table next changes).
    void drain() noexcept;

    RulesState state() const noexcept { return tracker_.state(); }
    std::uint64_t removals() const noexcept { return tracker_.removals(); }

private:
    void log_change(RulesState before, std::uint64_t removals_before) noexcept;

    mnl_socket* socket_ = nullptr;
    std::unique_ptr<std::uint8_t[]> buffer_;
    RulesetTracker tracker_;
};

}  // namespace pmtud::io
