#include "telemetry.hpp"

#include <sys/stat.h>

#include <cstring>
#include <ctime>

#include "io/clock.hpp"
#include "io/log.hpp"
#include "io/metrics_file.hpp"

namespace pmtud {

void Telemetry::open(const TelemetrySettings& settings) {
    settings_ = settings;
    if (!settings_.metrics_file.empty() && !settings_.metrics_file_given) {
        const std::size_t slash = settings_.metrics_file.rfind('/');
        const std::string dir = settings_.metrics_file.substr(0, slash);
        struct stat st {};
        if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
            io::log_line(
                "metrics: %s does not exist (no node_exporter textfile directory); "
                "not writing metrics (see --metrics-file)",
                dir.c_str());
            settings_.metrics_file.clear();
        }
    }
    if (settings_.kernel_stats) {
        std::string error;
        reader_open_ = reader_.open(error);
        if (!reader_open_) io::log_line("warning: metrics: %s", error.c_str());
    }
}

void Telemetry::read_kernel() {
    if (!reader_open_) return;
    std::string error;
    // The table and its counters (cheap), then the per-source sets when the policy allows.
    bool ok = reader_.read(kernel_, error);
    if (ok && kernel_.state == KernelStats::State::present) {
        const std::uint64_t eligible = eligible_ptbs(kernel_);
        const std::uint64_t now_s = io::monotonic_ns() / 1'000'000'000U;
        if (walk_policy_.due(eligible, now_s)) {
            ok = reader_.count_sources(kernel_, error);
            if (ok) {
                // The known-source sets are walked too: their size counts as much.
                walk_policy_.walked(kernel_.tracked_v4.value_or(0) +
                                        kernel_.tracked_v6.value_or(0) +
                                        kernel_.known_v4.value_or(0) + kernel_.known_v6.value_or(0),
                                    eligible, now_s);
            }
        }
    }
    if (ok) {
        storm_clock_.observe(kernel_, static_cast<std::uint64_t>(std::time(nullptr)));
        if (!kernel_error_.empty()) io::log_line("metrics: reading table inet pmtud again");
        kernel_error_.clear();
        return;
    }
    if (error != kernel_error_) {
        io::log_line("warning: metrics: cannot read table inet pmtud (%s); kernel metrics left out",
                     error.c_str());
    }
    kernel_error_ = error;
}

void Telemetry::write_file(const Counters& counters, const KernelStats& kernel) {
    if (settings_.metrics_file.empty()) return;
    const int err = io::write_file_atomically(settings_.metrics_file,
                                              render_metrics(settings_.version, counters, kernel));
    if (err != file_error_) {
        if (err != 0) {
            io::log_line("warning: metrics: cannot write %s: %s (retrying every %u s)",
                         settings_.metrics_file.c_str(), std::strerror(err), settings_.interval_s);
        } else {
            io::log_line("metrics: writing %s again", settings_.metrics_file.c_str());
        }
    }
    file_error_ = err;
}

KernelStats Telemetry::report(const Counters& counters) {
    read_kernel();
    const KernelStats kernel = with_watched_rules(kernel_, counters.rules);
    write_file(counters, kernel);
    return kernel;
}

void Telemetry::ready(const Counters& counters) {
    notifier_.ready(render_service_status(counters, report(counters).state));
}

void Telemetry::tick(const Counters& counters) {
    notifier_.watchdog();
    if (++ticks_ >= settings_.interval_s) {
        ticks_ = 0;
        notifier_.status(render_service_status(counters, report(counters).state));
    }
}

void Telemetry::stop(const Counters& counters) {
    notifier_.stopping();
    report(counters);
}

}  // namespace pmtud
