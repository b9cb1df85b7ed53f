// ptb-send: a fast ICMP "packet too big" sender for the pipeline benchmark (bench/pipeline/run).
//
// Sends IPv4 frag-needed / ICMPv6 packet-too-big messages that quote a realistic TCP segment
// (bench/pipeline/ptb_frames.hpp) as Ethernet frames on one interface, through an AF_PACKET
// socket in sendmmsg batches: from one source, N rotating sources or random sources (documentation
// prefixes only), as fast as it can or paced at a rate. Always bounded: it stops after --count
// frames or --seconds, whichever comes first (or on SIGINT/SIGTERM), then prints one JSON object
// on stdout: what it sent, how fast, and the whole machine's CPU time (/proc/stat, all CPUs)
// over the sending window. Needs CAP_NET_RAW. Exit 0, 1 on a system error, 64 on a bad command
// line, 70 if its own checksum self-test fails. Benchmark tool: not part of pmtud itself.

#include <arpa/inet.h>
#include <dirent.h>
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
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ptb_send_options.hpp"

namespace pmtud::bench {
namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) {
    g_stop = 1;
}

std::uint64_t clock_ns(clockid_t clock) noexcept {
    timespec ts{};
    clock_gettime(clock, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000U +
           static_cast<std::uint64_t>(ts.tv_nsec);
}

void sleep_until(std::uint64_t deadline_ns) noexcept {
    timespec ts{};
    ts.tv_sec = static_cast<time_t>(deadline_ns / 1'000'000'000U);
    ts.tv_nsec = static_cast<long>(deadline_ns % 1'000'000'000U);
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);  // EINTR: caller re-checks
}

// /proc/stat: the "cpu" line (all CPUs) and one "cpuN" line per CPU, each user nice system idle
// iowait irq softirq steal, in USER_HZ ticks.
using CpuTicks = std::array<unsigned long long, 8>;
struct CpuStat {
    CpuTicks all{};
    std::vector<CpuTicks> each;
};
CpuStat read_cpu_stat() {
    CpuStat s;
    FILE* f = std::fopen("/proc/stat", "r");
    if (f == nullptr) return s;
    char name[16];
    CpuTicks t{};
    while (std::fscanf(f, "%15s %llu %llu %llu %llu %llu %llu %llu %llu%*[^\n]", name, &t[0], &t[1],
                       &t[2], &t[3], &t[4], &t[5], &t[6], &t[7]) == 9 &&
           std::strncmp(name, "cpu", 3) == 0) {
        if (name[3] == '\0') {
            s.all = t;
        } else {
            s.each.push_back(t);
        }
    }
    std::fclose(f);
    return s;
}
// Busy: user nice system irq softirq (not idle, iowait, or steal: time the host took away).
unsigned long long busy_ticks(const CpuTicks& a, const CpuTicks& b) {
    return (b[0] - a[0]) + (b[1] - a[1]) + (b[2] - a[2]) + (b[5] - a[5]) + (b[6] - a[6]);
}

// On-CPU time of a task in ns (/proc/.../schedstat, first field): exact, and unlike /proc/stat
// blind to whatever else the machine runs.
std::uint64_t task_ns(const std::string& schedstat) {
    unsigned long long ns = 0;
    if (FILE* f = std::fopen(schedstat.c_str(), "r")) {
        if (std::fscanf(f, "%llu", &ns) != 1) ns = 0;
        std::fclose(f);
    }
    return ns;
}

// The schedstat file of ksoftirqd/CPU: softirq work the kernel defers from the sender's context.
std::string ksoftirqd_schedstat(int cpu) {
    const std::string want = "ksoftirqd/" + std::to_string(cpu) + "\n";
    DIR* proc = opendir("/proc");
    if (proc == nullptr) return {};
    std::string found;
    while (const dirent* e = readdir(proc)) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
        const std::string dir = std::string("/proc/") + e->d_name;
        char comm[64] = {};
        if (FILE* f = std::fopen((dir + "/comm").c_str(), "r")) {
            if (std::fgets(comm, sizeof comm, f) == nullptr) comm[0] = '\0';
            std::fclose(f);
        }
        if (want == comm) {
            found = dir + "/schedstat";
            break;
        }
    }
    closedir(proc);
    return found;
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

struct Stream {  // one family's frames and sources
    std::unique_ptr<PtbTemplate> frames;
    std::unique_ptr<SourcePool> sources;
};

const char* mode_name(SourceMode m) {
    return m == SourceMode::one ? "one" : m == SourceMode::rotate ? "rotate" : "random";
}

int run(const Options& o) {
    const int fd = ::socket(AF_PACKET, SOCK_RAW, 0);  // protocol 0: transmit only
    if (fd < 0) {
        std::perror("ptb-send: socket(AF_PACKET)");
        return 1;
    }
    const std::optional<Iface> iface = lookup_iface(fd, o.iface);
    if (!iface) {
        std::fprintf(stderr, "ptb-send: interface %s: %s\n", o.iface.c_str(), std::strerror(errno));
        return 1;
    }
    sockaddr_ll addr{};
    addr.sll_family = AF_PACKET;
    addr.sll_ifindex = iface->ifindex;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        std::perror("ptb-send: bind");
        return 1;
    }

    std::array<Stream, 2> streams;  // [0] IPv4, [1] IPv6
    for (int fam : {4, 6}) {
        if (o.family != fam && o.family != 46) continue;
        FrameSpec spec;
        spec.family = fam;
        spec.l3_bytes = fam == 4 ? o.size4 : o.size6;
        spec.mtu = o.mtu;
        spec.sport = o.sport;
        spec.dst = fam == 4 ? o.dst4 : o.dst6;
        spec.dst_mac = o.dst_mac;
        spec.src_mac = iface->mac;
        std::string error;
        Stream& s = streams[fam == 4 ? 0 : 1];
        s.frames = std::make_unique<PtbTemplate>(spec, error);
        if (!error.empty()) {
            std::fprintf(stderr, "ptb-send: --size%d: %s\n", fam, error.c_str());
            return 64;
        }
        s.sources = std::make_unique<SourcePool>(fam, o.mode, o.rotate_count,
                                                 fam == 4 ? o.src4 : o.src6, o.seed + fam);
        // Self-test: incremental checksums against a full recomputation, on a throwaway pool.
        SourcePool probe(fam, SourceMode::random, 0, {}, o.seed);
        std::vector<std::uint8_t> buf(s.frames->size());
        for (std::uint64_t i : {0ULL, 1ULL, 2ULL, 65535ULL, 65536ULL, 2966ULL, 4294967295ULL}) {
            Addr src;
            probe.next(src);
            s.frames->write(buf.data(), i, src);
            if (!s.frames->verify(buf.data())) {
                std::fprintf(stderr, "ptb-send: checksum self-test failed (v%d, frame %llu)\n", fam,
                             static_cast<unsigned long long>(i));
                return 70;
            }
        }
    }
    if (o.cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(o.cpu, &set);
        if (sched_setaffinity(0, sizeof set, &set) != 0) {
            std::perror("ptb-send: --cpu");
            return 1;
        }
    }

    constexpr std::size_t kSlot = 1514;
    std::vector<std::uint8_t> slots(kSlot * o.batch);
    std::vector<mmsghdr> msgs(o.batch);
    std::vector<iovec> iov(o.batch);
    std::array<std::uint64_t, 2> per_family{};

    const std::string softirqd = o.cpu >= 0 ? ksoftirqd_schedstat(o.cpu) : std::string();
    const std::uint64_t self0 = task_ns("/proc/thread-self/schedstat");
    const std::uint64_t softirqd0 = softirqd.empty() ? 0 : task_ns(softirqd);
    const CpuStat cpu0 = read_cpu_stat();
    const std::uint64_t wall0 = clock_ns(CLOCK_REALTIME);
    const std::uint64_t t0 = clock_ns(CLOCK_MONOTONIC);
    const std::uint64_t limit_ns = static_cast<std::uint64_t>(o.seconds * 1e9);
    std::uint64_t sent = 0, retries = 0;
    const char* stopped_by = "count";
    while (sent < o.count) {
        if (g_stop) {
            stopped_by = "signal";
            break;
        }
        const std::uint64_t now = clock_ns(CLOCK_MONOTONIC);
        if (now - t0 >= limit_ns) {
            stopped_by = "time";
            break;
        }
        std::uint64_t n = std::min<std::uint64_t>(o.batch, o.count - sent);
        if (o.rate > 0) {  // frame k is due at t0 + k / rate
            const auto due = static_cast<std::uint64_t>(double(now - t0) * o.rate / 1e9) + 1;
            if (due <= sent) {
                sleep_until(t0 + static_cast<std::uint64_t>(double(sent) * 1e9 / o.rate));
                continue;
            }
            n = std::min(n, due - sent);
        }
        for (std::uint64_t i = 0; i < n; ++i) {
            const std::uint64_t k = sent + i;
            const int fam = o.family == 46 ? (k % 2 ? 6 : 4) : o.family;
            Stream& s = streams[fam == 4 ? 0 : 1];
            Addr src;
            s.sources->next(src);
            std::uint8_t* slot = &slots[i * kSlot];
            s.frames->write(slot, k, src);
            ++per_family[fam == 4 ? 0 : 1];
            iov[i] = {slot, s.frames->size()};
            msgs[i] = {};
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
        }
        std::uint64_t done = 0;
        while (done < n && !g_stop) {
            const int r = ::sendmmsg(fd, &msgs[done], static_cast<unsigned>(n - done), 0);
            if (r >= 0) {
                done += static_cast<std::uint64_t>(r);
                continue;
            }
            if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR) {
                ++retries;  // a full device queue: the frame was not sent, send it again
                continue;
            }
            std::perror("ptb-send: sendmmsg");
            return 1;
        }
        sent += done;
    }
    const std::uint64_t t1 = clock_ns(CLOCK_MONOTONIC);
    const CpuStat cpu1 = read_cpu_stat();
    const std::uint64_t self_ns = task_ns("/proc/thread-self/schedstat") - self0;
    const long long softirqd_ns =
        softirqd.empty() ? -1 : static_cast<long long>(task_ns(softirqd) - softirqd0);
    ::close(fd);

    rusage self{};
    getrusage(RUSAGE_SELF, &self);
    const double self_s = double(self.ru_utime.tv_sec + self.ru_stime.tv_sec) +
                          double(self.ru_utime.tv_usec + self.ru_stime.tv_usec) / 1e6;
    const double seconds = double(t1 - t0) / 1e9;
    CpuTicks d{};
    unsigned long long total = 0;
    for (std::size_t i = 0; i < d.size(); ++i) {
        d[i] = cpu1.all[i] - cpu0.all[i];
        total += d[i];
    }
    const unsigned long long busy = busy_ticks(cpu0.all, cpu1.all);
    std::string per_cpu;
    for (std::size_t i = 0; i < cpu0.each.size() && i < cpu1.each.size(); ++i) {
        per_cpu += (i ? "," : "") + std::to_string(busy_ticks(cpu0.each[i], cpu1.each[i]));
    }
    const Stream& any = streams[o.family == 6 ? 1 : 0];
    std::printf(
        "{\"tool\":\"ptb-send\",\"iface\":\"%s\",\"family\":\"%d\",\"sources\":\"%s\","
        "\"distinct_sources\":%.6g,\"count\":%llu,\"rate_pps\":%.1f,\"sent\":%llu,"
        "\"sent_v4\":%llu,\"sent_v6\":%llu,\"seconds\":%.6f,\"pps\":%.0f,\"stopped_by\":\"%s\","
        "\"send_retries\":%llu,\"frame_bytes_v4\":%zu,\"frame_bytes_v6\":%zu,"
        "\"start_realtime_ns\":%llu,\"sender_cpu_s\":%.3f,\"cpu_ticks\":{\"hz\":%ld,"
        "\"user\":%llu,\"nice\":%llu,\"system\":%llu,\"idle\":%llu,\"iowait\":%llu,\"irq\":%llu,"
        "\"softirq\":%llu,\"steal\":%llu,\"busy\":%llu,\"total\":%llu,\"busy_by_cpu\":[%s]},"
        "\"pinned_cpu\":%d,\"self_cpu_ns\":%llu,\"ksoftirqd_cpu_ns\":%lld}\n",
        o.iface.c_str(), o.family, mode_name(o.mode), any.sources->distinct(),
        static_cast<unsigned long long>(o.count), o.rate, static_cast<unsigned long long>(sent),
        static_cast<unsigned long long>(per_family[0]),
        static_cast<unsigned long long>(per_family[1]), seconds,
        seconds > 0 ? double(sent) / seconds : 0.0, stopped_by,
        static_cast<unsigned long long>(retries), streams[0].frames ? streams[0].frames->size() : 0,
        streams[1].frames ? streams[1].frames->size() : 0, static_cast<unsigned long long>(wall0),
        self_s, sysconf(_SC_CLK_TCK), d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], busy, total,
        per_cpu.c_str(), o.cpu, static_cast<unsigned long long>(self_ns), softirqd_ns);
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
