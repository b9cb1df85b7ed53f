// The helper's periodic reports, run from the timer and never from the per-packet path: the
// metrics file (with a snapshot of table inet pmtud read through netlink) and the service
// manager's STATUS= and WATCHDOG=1.
#pragma once

#include <cstdint>
#include <string>

#include "core/counters.hpp"
#include "core/metrics.hpp"
#include "io/kernel_stats.hpp"
#include "io/service_notify.hpp"

namespace pmtud {

struct TelemetrySettings {
    std::string metrics_file;  // empty: none
    bool metrics_file_given = false;
    std::uint32_t interval_s = 5;
    bool kernel_stats = true;
    std::string version;
};

class Telemetry {
public:
    // Opens the netlink socket for the kernel reads (before privileges are dropped). A default
    // metrics path whose directory does not exist (no node_exporter here) turns the file off,
    // with one line saying so; a given one is retried every interval.
    void open(const TelemetrySettings& settings);

    // The loop is running: the first report, and READY=1.
    void ready(const Counters& counters);
    // Once a second: WATCHDOG=1, and every interval_s a full report.
    void tick(const Counters& counters);
    // At exit: a last metrics file, STOPPING=1.
    void stop(const Counters& counters);

private:
    // Reads the kernel, writes the file; the snapshot as written.
    KernelStats report(const Counters& counters);
    void read_kernel();
    void write_file(const Counters& counters, const KernelStats& kernel);

    TelemetrySettings settings_;
    io::KernelStatsReader reader_;
    io::ServiceNotifier notifier_;
    KernelStats kernel_;
    bool reader_open_ = false;
    std::string kernel_error_;  // the last read error, logged once per change
    int file_error_ = 0;        // the last write errno, logged once per change
    std::uint32_t ticks_ = 0;
    SourceWalkPolicy walk_policy_;
    StormClock storm_clock_;
};

}  // namespace pmtud
