// pmtud-helper: the command line and the wiring between the pure core (helper/core) and the
// sockets (helper/io). Start-up failures are one line on stderr and a sysexits code.
#include <sched.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <optional>
#include <string>

#include "core/config.hpp"
#include "core/counters.hpp"
#include "io/broadcast_sink.hpp"
#include "io/clock.hpp"
#include "io/event_loop.hpp"
#include "io/log.hpp"
#include "io/nflog_source.hpp"
#include "io/privileges.hpp"
#include "io/ruleset_watch.hpp"
#include "io/unicast_sink.hpp"
#include "options.hpp"
#include "peers_load.hpp"
#include "peers_source.hpp"
#include "relay.hpp"
#include "settings.hpp"
#include "telemetry.hpp"

namespace pmtud {
namespace {

constexpr const char* kVersion = "0.2.0";
constexpr std::uint64_t kRefreshPeriodMs = 1000;

void log_summary(const Relay& relay) {
    const std::string summary = render_summary(relay.counters());
    io::log_line("summary%s: %s", relay.settings().dry_run ? " (dry run, nothing sent)" : "",
                 summary.c_str());
}

TelemetrySettings telemetry_settings(const CommandLine& cl) {
    TelemetrySettings t;
    t.metrics_file = cl.metrics_file;
    t.metrics_file_given = cl.metrics_file_given;
    t.interval_s = cl.metrics_interval_s;
    t.kernel_stats = cl.kernel_stats;
    t.version = kVersion;
    return t;
}

// --list-peers: every peer (own addresses included), IPv4 first, each family sorted.
int list_peers(const CommandLine& cl) {
    Config config;
    AddressList peers;
    std::string error;
    if (!load_config(cl, config, error) || !read_peers(config, cl.config_path, peers, error)) {
        io::log_line("%s", error.c_str());
        return kExitConfig;
    }
    std::fputs(render_peer_lines(peers).c_str(), stdout);
    return std::fflush(stdout) == 0 ? kExitOk : kExitOsError;
}

// SIGHUP: the file again, the command line on top, applied only when it is all valid.
void reload(const CommandLine& cl, const Config& running, Relay& relay, PeersSource* peers) {
    Config fresh;
    std::string error;
    if (!load_config(cl, fresh, error)) {
        io::log_line("reload failed, keeping the running configuration: %s", error.c_str());
        return;
    }
    if (fresh.group != running.group || fresh.ifaces != running.ifaces ||
        fresh.broadcast != running.broadcast) {
        io::log_line(
            "reload: a new group, interface list or broadcast setting needs a restart; keeping "
            "group %u",
            static_cast<unsigned>(running.group));
    }
    if (peers != nullptr) {
        peers->reconfigure(fresh, cl.config_path);
    } else if (unicast_configured(fresh)) {
        io::log_line("reload: peers need a restart (their raw sockets are opened at start)");
    }
    relay.reconfigure(relay_settings(fresh, cl.dry_run));
    io::log_line("reloaded %s: %s", cl.config_path.c_str(),
                 describe_settings(fresh, relay.settings()).c_str());
}

int run(int argc, char** argv) {
    CommandLine cl;
    std::string error;
    if (!parse_command_line(argc, argv, cl, error)) {
        io::log_line("%s (see --help)", error.c_str());
        return kExitUsage;
    }
    if (cl.action == CommandLine::Action::help) {
        std::fputs(usage_text().c_str(), stdout);
        return kExitOk;
    }
    if (cl.action == CommandLine::Action::version) {
        std::printf("pmtud-helper %s\n", kVersion);
        return kExitOk;
    }
    if (cl.action == CommandLine::Action::list_peers) return list_peers(cl);

    // Blocked from the start: a SIGTERM during start-up waits for the loop, which stops cleanly.
    io::SignalSource signals;
    if (!signals.open({SIGINT, SIGTERM, SIGHUP, SIGUSR1}, error)) {
        io::log_line("%s", error.c_str());
        return kExitOsError;
    }

    Config config;
    if (!load_config(cl, config, error)) {
        io::log_line("%s", error.c_str());
        return kExitConfig;
    }
    if (cl.cpu) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(*cl.cpu, &set);
        if (sched_setaffinity(0, sizeof set, &set) != 0) {
            io::log_line("--cpu %u: %s", *cl.cpu, std::strerror(errno));
            return kExitUsage;
        }
    }
    std::optional<io::Identity> user;
    if (!cl.user.empty()) {
        io::Identity id;
        if (!io::lookup_user(cl.user, id, error)) {
            io::log_line("%s", error.c_str());
            return kExitUsage;
        }
        user = id;
    }

    // A bad peers file is a config error too: say so before touching any socket.
    if (unicast_configured(config)) {
        AddressList peers;
        if (!read_peers(config, cl.config_path, peers, error)) {
            io::log_line("%s", error.c_str());
            return kExitConfig;
        }
    }

    io::BroadcastSink sink;
    switch (sink.open(config.ifaces, config.broadcast, error)) {
        case io::BroadcastSink::OpenStatus::ok:
            break;
        case io::BroadcastSink::OpenStatus::missing:
        case io::BroadcastSink::OpenStatus::not_ethernet:
            io::log_line("%s", error.c_str());
            return kExitUnavailable;
        case io::BroadcastSink::OpenStatus::no_permission:
            io::log_line("%s", error.c_str());
            return kExitNoPermission;
        case io::BroadcastSink::OpenStatus::failed:
            io::log_line("%s", error.c_str());
            return kExitOsError;
    }

    std::optional<io::UnicastSink> unicast;
    if (unicast_configured(config)) {
        switch (unicast.emplace().open(error)) {
            case io::UnicastSink::OpenStatus::ok:
                break;
            case io::UnicastSink::OpenStatus::no_permission:
                io::log_line("%s", error.c_str());
                return kExitNoPermission;
            case io::UnicastSink::OpenStatus::failed:
                io::log_line("%s", error.c_str());
                return kExitOsError;
        }
    }

    io::NflogSource nflog;
    switch (nflog.open(config.group, error)) {
        case io::NflogSource::OpenStatus::ok:
            break;
        case io::NflogSource::OpenStatus::busy:
        case io::NflogSource::OpenStatus::unavailable:
            io::log_line("%s", error.c_str());
            return kExitUnavailable;
        case io::NflogSource::OpenStatus::no_permission:
            io::log_line("%s", error.c_str());
            return kExitNoPermission;
    }
    // Subscribed while we still may: a vanished table is then noticed without any capability.
    io::RulesetWatch rules;
    if (!rules.open(error)) {
        io::log_line("warning: not watching table inet pmtud (rules=unknown): %s", error.c_str());
    }
    Telemetry telemetry;
    telemetry.open(telemetry_settings(cl));
    // Every socket is open: from here on only the kernel reads need a capability.
    if (!io::drop_privileges({cl.kernel_stats, user}, error)) {
        io::log_line("%s%s", user ? "--user: " : "warning: ", error.c_str());
        // Never carry on as root when another user was asked for.
        if (user) return kExitNoPermission;
    }

    Relay relay(sink, unicast ? &*unicast : nullptr, relay_settings(config, cl.dry_run));
    relay.note_rules(rules.state(), rules.removals());
    std::optional<PeersSource> peers;
    if (unicast) {
        if (!peers.emplace(*unicast, relay).start(config, cl.config_path, error)) {
            io::log_line("%s", error.c_str());
            return kExitConfig;
        }
    }

    io::EventLoop loop;
    io::IntervalTimer timer;
    if (!loop.open(error) || !timer.open(kRefreshPeriodMs, error)) {
        io::log_line("%s", error.c_str());
        return kExitOsError;
    }
    const bool watched = loop.watch(
                             nflog.fd(),
                             [&] {
                                 for (;;) {
                                     const io::NflogSource::Datagram d = nflog.receive();
                                     if (d.error != 0) {
                                         io::log_line("NFLOG receive: %s", std::strerror(d.error));
                                         return;
                                     }
                                     if (d.bytes.empty()) return;
                                     if (d.truncated) {
                                         relay.note_truncated_datagram();
                                         continue;
                                     }
                                     relay.handle_datagram(d.bytes, io::monotonic_ns());
                                 }
                             },
                             error) &&
                         loop.watch(
                             signals.fd(),
                             [&] {
                                 while (const int signo = signals.next()) {
                                     if (signo == SIGINT || signo == SIGTERM) {
                                         loop.stop();
                                     } else if (signo == SIGUSR1) {
                                         log_summary(relay);
                                     } else if (signo == SIGHUP) {
                                         reload(cl, config, relay, peers ? &*peers : nullptr);
                                     }
                                 }
                             },
                             error) &&
                         loop.watch(
                             timer.fd(),
                             [&] {
                                 if (timer.expirations() == 0) return;
                                 sink.refresh();
                                 if (peers) peers->tick();
                                 telemetry.tick(relay.counters());
                             },
                             error);
    if (!watched) {
        io::log_line("%s", error.c_str());
        return kExitOsError;
    }
    const auto on_rules_change = [&] {
        rules.drain();
        relay.note_rules(rules.state(), rules.removals());
    };
    if (rules.fd() >= 0 && !loop.watch(rules.fd(), on_rules_change, error)) {
        io::log_line("%s", error.c_str());
        return kExitOsError;
    }
    if (peers && (!loop.watch(
                      peers->watch_fd(), [&] { peers->on_watch_event(); }, error) ||
                  !loop.watch(
                      peers->settle_fd(), [&] { peers->on_settled(); }, error))) {
        io::log_line("%s", error.c_str());
        return kExitOsError;
    }

    io::log_line("started: %s; interfaces %s", describe_settings(config, relay.settings()).c_str(),
                 describe_ifaces(sink).c_str());
    telemetry.ready(relay.counters());
    const bool ran = loop.run(error);
    if (!ran) io::log_line("%s", error.c_str());
    telemetry.stop(relay.counters());
    log_summary(relay);
    if (!ran) return kExitOsError;
    return kExitOk;
}

}  // namespace
}  // namespace pmtud

int main(int argc, char** argv) {
    return pmtud::run(argc, argv);
}
