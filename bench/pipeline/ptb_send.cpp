// ptb-send: a fast ICMP "packet too big" sender for the pipeline benchmark (bench/pipeline/run).
//
// Sends IPv4 frag-needed / ICMPv6 packet-too-big messages that quote a realistic TCP segment
// (bench/pipeline/ptb_frames.hpp) or, with --proto, clients' TCP segments or UDP datagrams
// (segment_frames.hpp: what the rules cost every other packet), as Ethernet frames on one
// interface, through an AF_PACKET socket in sendmmsg batches: from one source, N rotating
// sources or random sources (documentation prefixes only), as fast as it can or paced at a rate.
// Always bounded: it stops after --count frames or --seconds, whichever comes first (or on
// SIGINT/SIGTERM), then prints one JSON object on stdout: what it sent, how fast, the whole
// machine's CPU time (/proc/stat, all CPUs) over the sending window and its own. With --dst-mac2
// it alternates batches between two receivers and reports the CPU its send calls took for each:
// veth runs the receive path inside the call, so that compares two receivers' kernel paths at
// the same moment. Needs CAP_NET_RAW. Exit 0, 1 on a system error, 64 on a bad command line, 70
// if its checksum self-test fails. Benchmark tool: not part of pmtud itself.

#include <linux/if_packet.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "cpu_usage.hpp"
#include "ptb_send_options.hpp"
#include "send_streams.hpp"

namespace pmtud::bench {
namespace {

constexpr std::size_t kSlot = 1514;

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) {
    g_stop = 1;
}

void sleep_until(std::uint64_t deadline_ns) noexcept {
    timespec ts{};
    ts.tv_sec = static_cast<time_t>(deadline_ns / 1'000'000'000U);
    ts.tv_nsec = static_cast<long>(deadline_ns % 1'000'000'000U);
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);  // EINTR: caller re-checks
}

struct Iface {
    int ifindex = 0;
    Mac mac{};
};

std::optional<Iface> lookup_iface(int fd, const std::string& name) {
    ifreq req{};
    std::snprintf(req.ifr_name, sizeof req.ifr_name, "%s", name.c_str());
    Iface out;
    if (::ioctl(fd, SIOCGIFHWADDR, &req) != 0) return std::nullopt;
    std::memcpy(out.mac.data(), req.ifr_hwaddr.sa_data, 6);
    if (::ioctl(fd, SIOCGIFINDEX, &req) != 0) return std::nullopt;
    out.ifindex = req.ifr_ifindex;
    return out;
}

// A transmit-only AF_PACKET socket (protocol 0) bound to the interface; -1 after a message.
int open_socket(const std::string& name, Iface& iface) {
    const int fd = ::socket(AF_PACKET, SOCK_RAW, 0);
    if (fd < 0) {
        std::perror("ptb-send: socket(AF_PACKET)");
        return -1;
    }
    const std::optional<Iface> found = lookup_iface(fd, name);
    if (!found) {
        std::fprintf(stderr, "ptb-send: interface %s: %s\n", name.c_str(), std::strerror(errno));
        ::close(fd);
        return -1;
    }
    iface = *found;
    sockaddr_ll addr{};
    addr.sll_family = AF_PACKET;
    addr.sll_ifindex = iface.ifindex;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        std::perror("ptb-send: bind");
        ::close(fd);
        return -1;
    }
    return fd;
}

struct Tally {
    std::uint64_t sent = 0, retries = 0;
    std::array<std::uint64_t, 2> per_family{};
    std::array<std::uint64_t, 2> dst_sent{};    // per receiver (--dst-mac, --dst-mac2)
    std::array<std::uint64_t, 2> dst_cpu_ns{};  // this thread's CPU inside the send calls
    const char* stopped_by = "count";
};

// Writes the next n frames into the slots and points the messages at them.
void fill_batch(const Options& o, Streams& streams, std::uint64_t first, std::uint64_t n,
                const Mac* dst, std::vector<std::uint8_t>& slots, std::vector<iovec>& iov,
                std::vector<mmsghdr>& msgs, Tally& t) {
    for (std::uint64_t i = 0; i < n; ++i) {
        const std::uint64_t k = first + i;
        const int fam = o.family == 46 ? (k % 2 ? 6 : 4) : o.family;
        Stream& s = streams[fam == 4 ? 0 : 1];
        Addr src;
        s.sources->next(src);
        std::uint8_t* slot = &slots[i * kSlot];
        s.frames->write(slot, k, src);
        if (dst != nullptr) std::memcpy(slot, dst->data(), dst->size());
        ++t.per_family[fam == 4 ? 0 : 1];
        iov[i] = {slot, s.frames->size()};
        msgs[i] = {};
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
}

// Sends until the count, the time limit or a signal; false after a send error (message printed).
bool send_loop(int fd, const Options& o, Streams& streams, std::uint64_t t0, Tally& t) {
    std::vector<std::uint8_t> slots(kSlot * o.batch);
    std::vector<mmsghdr> msgs(o.batch);
    std::vector<iovec> iov(o.batch);
    const auto limit_ns = static_cast<std::uint64_t>(o.seconds * 1e9);
    std::uint64_t batches = 0;
    while (t.sent < o.count) {
        if (g_stop) {
            t.stopped_by = "signal";
            return true;
        }
        const std::uint64_t now = clock_ns(CLOCK_MONOTONIC);
        if (now - t0 >= limit_ns) {
            t.stopped_by = "time";
            return true;
        }
        std::uint64_t n = std::min<std::uint64_t>(o.batch, o.count - t.sent);
        if (o.rate > 0) {  // frame k is due at t0 + k / rate
            const auto due = static_cast<std::uint64_t>(double(now - t0) * o.rate / 1e9) + 1;
            if (due <= t.sent) {
                sleep_until(t0 + static_cast<std::uint64_t>(double(t.sent) * 1e9 / o.rate));
                continue;
            }
            n = std::min(n, due - t.sent);
        }
        const std::size_t to = o.have_dst_mac2 ? batches++ % 2 : 0;
        fill_batch(o, streams, t.sent, n, to == 1 ? &o.dst_mac2 : nullptr, slots, iov, msgs, t);
        const std::uint64_t cpu0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
        std::uint64_t done = 0;
        while (done < n && !g_stop) {
            const int r = ::sendmmsg(fd, &msgs[done], static_cast<unsigned>(n - done), 0);
            if (r >= 0) {
                done += static_cast<std::uint64_t>(r);
                continue;
            }
            if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR) {
                ++t.retries;  // a full device queue: the frame was not sent, send it again
                continue;
            }
            std::perror("ptb-send: sendmmsg");
            return false;
        }
        t.dst_cpu_ns[to] += clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
        t.dst_sent[to] += done;
        t.sent += done;
    }
    return true;
}

const char* mode_name(SourceMode m) {
    return m == SourceMode::one ? "one" : m == SourceMode::rotate ? "rotate" : "random";
}

const char* proto_name(Proto p) {
    return p == Proto::ptb ? "ptb" : p == Proto::tcp ? "tcp" : "udp";
}

std::string mac_text(const Mac& m) {
    char text[18];
    std::snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
                  m[5]);
    return text;
}

void print_report(const Options& o, const Streams& streams, const Tally& t, const Snapshot& a,
                  const Snapshot& b, bool have_softirqd) {
    rusage self{};
    getrusage(RUSAGE_SELF, &self);
    const double self_s = double(self.ru_utime.tv_sec + self.ru_stime.tv_sec) +
                          double(self.ru_utime.tv_usec + self.ru_stime.tv_usec) / 1e6;
    const double seconds = double(b.monotonic_ns - a.monotonic_ns) / 1e9;
    CpuTicks d{};
    unsigned long long total = 0;
    for (std::size_t i = 0; i < d.size(); ++i) {
        d[i] = b.machine.all[i] - a.machine.all[i];
        total += d[i];
    }
    std::string per_cpu;
    for (std::size_t i = 0; i < a.machine.each.size() && i < b.machine.each.size(); ++i) {
        per_cpu +=
            (i ? "," : "") + std::to_string(busy_ticks(a.machine.each[i], b.machine.each[i]));
    }
    std::string by_dst;
    for (std::size_t i = 0; i < (o.have_dst_mac2 ? 2U : 1U); ++i) {
        by_dst += std::string(i ? "," : "") + "{\"mac\":\"" + mac_text(i ? o.dst_mac2 : o.dst_mac) +
                  "\",\"sent\":" + std::to_string(t.dst_sent[i]) +
                  ",\"send_cpu_ns\":" + std::to_string(t.dst_cpu_ns[i]) + "}";
    }
    const Stream& any = streams[o.family == 6 ? 1 : 0];
    std::printf(
        "{\"tool\":\"ptb-send\",\"proto\":\"%s\",\"iface\":\"%s\",\"family\":\"%d\","
        "\"sources\":\"%s\","
        "\"distinct_sources\":%.6g,\"count\":%llu,\"rate_pps\":%.1f,\"sent\":%llu,"
        "\"sent_v4\":%llu,\"sent_v6\":%llu,\"seconds\":%.6f,\"pps\":%.0f,\"stopped_by\":\"%s\","
        "\"send_retries\":%llu,\"frame_bytes_v4\":%zu,\"frame_bytes_v6\":%zu,"
        "\"start_realtime_ns\":%llu,\"sender_cpu_s\":%.3f,\"cpu_ticks\":{\"hz\":%ld,"
        "\"user\":%llu,\"nice\":%llu,\"system\":%llu,\"idle\":%llu,\"iowait\":%llu,\"irq\":%llu,"
        "\"softirq\":%llu,\"steal\":%llu,\"busy\":%llu,\"total\":%llu,\"busy_by_cpu\":[%s]},"
        "\"pinned_cpu\":%d,\"self_cpu_ns\":%llu,\"ksoftirqd_cpu_ns\":%lld,\"by_dst\":[%s]}\n",
        proto_name(o.proto), o.iface.c_str(), o.family, mode_name(o.mode), any.sources->distinct(),
        o.count, o.rate, static_cast<unsigned long long>(t.sent),
        static_cast<unsigned long long>(t.per_family[0]),
        static_cast<unsigned long long>(t.per_family[1]), seconds,
        seconds > 0 ? double(t.sent) / seconds : 0.0, t.stopped_by,
        static_cast<unsigned long long>(t.retries),
        streams[0].frames ? streams[0].frames->size() : 0,
        streams[1].frames ? streams[1].frames->size() : 0,
        static_cast<unsigned long long>(a.realtime_ns), self_s, sysconf(_SC_CLK_TCK), d[0], d[1],
        d[2], d[3], d[4], d[5], d[6], d[7], busy_ticks(a.machine.all, b.machine.all), total,
        per_cpu.c_str(), o.cpu, static_cast<unsigned long long>(b.self_ns - a.self_ns),
        have_softirqd ? static_cast<long long>(b.softirqd_ns - a.softirqd_ns) : -1LL,
        by_dst.c_str());
}

int run(const Options& o) {
    Iface iface;
    const int fd = open_socket(o.iface, iface);
    if (fd < 0) return 1;
    Streams streams;
    if (const int status = make_streams(o, iface.mac, streams); status != 0) return status;
    if (o.cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(o.cpu, &set);
        if (sched_setaffinity(0, sizeof set, &set) != 0) {
            std::perror("ptb-send: --cpu");
            return 1;
        }
    }
    const std::string softirqd = o.cpu >= 0 ? ksoftirqd_schedstat(o.cpu) : std::string();
    Tally tally;
    const Snapshot before = take_snapshot(softirqd);
    const bool ok = send_loop(fd, o, streams, before.monotonic_ns, tally);
    const Snapshot after = take_snapshot(softirqd);
    ::close(fd);
    if (!ok) return 1;
    print_report(o, streams, tally, before, after, !softirqd.empty());
    return 0;
}

}  // namespace
}  // namespace pmtud::bench

int main(int argc, char** argv) {
    pmtud::bench::Options options;
    std::string error;
    if (!pmtud::bench::parse_options(argc, argv, options, error)) {
        if (error.empty()) {  // --help
            std::fputs(pmtud::bench::usage_text(), stdout);
            return 0;
        }
        std::fprintf(stderr, "ptb-send: %s (see --help)\n", error.c_str());
        return 64;
    }
    struct sigaction sa {};
    sa.sa_handler = pmtud::bench::on_signal;  // no SA_RESTART: a sleep or send returns EINTR
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    return pmtud::bench::run(options);
}
