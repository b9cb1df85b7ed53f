// The service manager's notification protocol (sd_notify(3) through libsystemd): READY=1 once
// the loop runs, STATUS= with the counters, WATCHDOG=1 when the unit sets WatchdogSec=. Without
// NOTIFY_SOCKET (not started by systemd) every call does nothing.
#pragma once

#include <cstdint>
#include <string>

namespace pmtud::io {

class ServiceNotifier {
public:
    ServiceNotifier();  // reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID once

    void ready(const std::string& status) noexcept;
    void status(const std::string& status) noexcept;
    void stopping() noexcept;
    // WATCHDOG=1 when the watchdog is on; call at least every watchdog_usec() / 2.
    void watchdog() noexcept;

    bool watchdog_enabled() const noexcept { return watchdog_usec_ != 0; }
    std::uint64_t watchdog_usec() const noexcept { return watchdog_usec_; }

private:
    std::uint64_t watchdog_usec_ = 0;
};

}  // namespace pmtud::io
