#include "io/service_notify.hpp"

#include <systemd/sd-daemon.h>

namespace pmtud::io {

ServiceNotifier::ServiceNotifier() {
    std::uint64_t usec = 0;
    // > 0 only when WATCHDOG_USEC is set (and WATCHDOG_PID, if set, is this process).
    if (sd_watchdog_enabled(0, &usec) > 0) watchdog_usec_ = usec;
}

void ServiceNotifier::ready(const std::string& status) noexcept {
    sd_notifyf(0, "READY=1\nSTATUS=%s", status.c_str());
}

void ServiceNotifier::status(const std::string& status) noexcept {
    sd_notifyf(0, "STATUS=%s", status.c_str());
}

void ServiceNotifier::stopping() noexcept {
    sd_notify(0, "STOPPING=1");
}

void ServiceNotifier::watchdog() noexcept {
    if (watchdog_usec_ != 0) sd_notify(0, "WATCHDOG=1");
}

}  // namespace pmtud::io
