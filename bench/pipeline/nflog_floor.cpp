// nflog-floor: the NFLOG wake-up floor, measured next to pmtud-helper in the pipeline benchmark.
//
//   nflog-floor --group N [--seconds S]
//
// Binds NFLOG group N the way pmtud-helper binds its own (copy mode packet, queue threshold 1,
// flush timeout 10 ms, 128 KiB batches), sleeps in poll() like the helper's event loop, and for
// every packet records how long after the kernel stamped it (NFULA_TIMESTAMP, CLOCK_REALTIME,
// microseconds) the message was in userspace: the cost of a sleeping reader being woken, which
// no relay built on NFLOG can beat. Does nothing else with the packet. On SIGTERM/SIGINT (or
// after S seconds) prints one JSON object: packets, packets with a timestamp, and the latency
// distribution in microseconds. Exit 1 when the group cannot be bound. Benchmark tool only.

#include <arpa/inet.h>
#include <endian.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include <libnetfilter_log/libnetfilter_log.h>
}

namespace {

constexpr std::size_t kBuffer = 256 * 1024;
constexpr std::size_t kMaxSamples = 10'000'000;
std::vector<std::uint8_t> g_buf(kBuffer);

std::int64_t realtime_ns() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// Sends one config message and waits for its ACK (packets arriving meanwhile are ignored).
int configure(mnl_socket* nl, nlmsghdr* h, unsigned seq) {
    h->nlmsg_flags |= NLM_F_ACK;
    h->nlmsg_seq = seq;
    if (mnl_socket_sendto(nl, h, h->nlmsg_len) < 0) return errno;
    for (;;) {
        const ssize_t n = mnl_socket_recvfrom(nl, g_buf.data(), g_buf.size());
        if (n < 0) return errno;
        int rem = static_cast<int>(n);
        for (auto* m = reinterpret_cast<const nlmsghdr*>(g_buf.data()); mnl_nlmsg_ok(m, rem);
             m = mnl_nlmsg_next(m, &rem)) {
            if (m->nlmsg_type != NLMSG_ERROR || m->nlmsg_seq != seq) continue;
            return -static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(m))->error;
        }
    }
}

int bind_group(mnl_socket* nl, std::uint16_t group) {
    alignas(nlmsghdr) char buf[MNL_SOCKET_BUFFER_SIZE];
    nlmsghdr* h = nflog_nlmsg_put_header(buf, NFULNL_MSG_CONFIG, AF_UNSPEC, group);
    nflog_attr_put_cfg_cmd(h, NFULNL_CFG_CMD_BIND);
    if (const int err = configure(nl, h, 1)) return err;
    h = nflog_nlmsg_put_header(buf, NFULNL_MSG_CONFIG, AF_UNSPEC, group);
    nflog_attr_put_cfg_mode(h, NFULNL_COPY_PACKET, 0xffff);
    mnl_attr_put_u32(h, NFULA_CFG_QTHRESH, htonl(1));
    mnl_attr_put_u32(h, NFULA_CFG_TIMEOUT, htonl(1));
    mnl_attr_put_u32(h, NFULA_CFG_NLBUFSIZ, htonl(131072));
    return configure(nl, h, 2);
}

double percentile(const std::vector<std::int64_t>& sorted, double p) {
    if (sorted.empty()) return 0;
    const auto i = static_cast<std::size_t>(p / 100.0 * double(sorted.size() - 1) + 0.5);
    return double(sorted[std::min(i, sorted.size() - 1)]) / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
    long group = -1;
    double seconds = 3600;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--group") == 0) group = std::strtol(argv[i + 1], nullptr, 10);
        if (std::strcmp(argv[i], "--seconds") == 0) seconds = std::strtod(argv[i + 1], nullptr);
    }
    if (group < 0 || group > 65535 || argc % 2 == 0 || !(seconds > 0)) {
        std::fprintf(stderr, "usage: nflog-floor --group N [--seconds S]\n");
        return 64;
    }
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    sigprocmask(SIG_BLOCK, &mask, nullptr);
    const int sfd = signalfd(-1, &mask, SFD_CLOEXEC);

    mnl_socket* nl = mnl_socket_open(NETLINK_NETFILTER);
    if (nl == nullptr || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        std::perror("nflog-floor: netlink socket");
        return 1;
    }
    const int fd = mnl_socket_get_fd(nl);
    int one = 1, rcvbuf = 8 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf);
    setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof one);
    // Packet timestamps are only taken while someone asks for them: ask, so NFULA_TIMESTAMP is
    // the receive time even without a capture running.
    const int ts_sock = socket(AF_INET, SOCK_DGRAM, 0);
    setsockopt(ts_sock, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
    if (const int err = bind_group(nl, static_cast<std::uint16_t>(group))) {
        std::fprintf(stderr, "nflog-floor: binding group %ld: %s\n", group, std::strerror(err));
        return 1;
    }
    std::fprintf(stderr, "nflog-floor: listening on group %ld\n", group);

    std::vector<std::int64_t> samples;
    samples.reserve(1 << 16);
    std::uint64_t packets = 0;
    const std::int64_t deadline = realtime_ns() + static_cast<std::int64_t>(seconds * 1e9);
    pollfd fds[2] = {{fd, POLLIN, 0}, {sfd, POLLIN, 0}};
    while (realtime_ns() < deadline) {
        const auto left_ms = (deadline - realtime_ns()) / 1'000'000 + 1;
        if (poll(fds, 2, static_cast<int>(std::min<std::int64_t>(left_ms, 1000))) < 0 &&
            errno != EINTR) {
            break;
        }
        if (fds[1].revents & POLLIN) break;
        if (!(fds[0].revents & POLLIN)) continue;
        for (;;) {
            const ssize_t n = recv(fd, g_buf.data(), g_buf.size(), MSG_DONTWAIT);
            if (n <= 0) break;
            const std::int64_t now = realtime_ns();
            int rem = static_cast<int>(n);
            for (auto* h = reinterpret_cast<nlmsghdr*>(g_buf.data()); mnl_nlmsg_ok(h, rem);
                 h = mnl_nlmsg_next(h, &rem)) {
                if (h->nlmsg_type != ((NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET)) continue;
                ++packets;
                nlattr* attr[NFULA_MAX + 1] = {};
                if (nflog_nlmsg_parse(h, attr) < 0 || attr[NFULA_TIMESTAMP] == nullptr) continue;
                nfulnl_msg_packet_timestamp ts;
                std::memcpy(&ts, mnl_attr_get_payload(attr[NFULA_TIMESTAMP]), sizeof ts);
                const auto stamp = static_cast<std::int64_t>(be64toh(ts.sec)) * 1'000'000'000 +
                                   static_cast<std::int64_t>(be64toh(ts.usec)) * 1000;
                if (samples.size() < kMaxSamples) samples.push_back(now - stamp);
            }
        }
    }
    std::sort(samples.begin(), samples.end());
    double mean = 0;
    for (const std::int64_t s : samples) mean += double(s) / 1000.0;
    if (!samples.empty()) mean /= double(samples.size());
    std::printf(
        "{\"tool\":\"nflog-floor\",\"group\":%ld,\"packets\":%llu,\"stamped\":%zu,"
        "\"us\":{\"min\":%.1f,\"p50\":%.1f,\"p90\":%.1f,\"p99\":%.1f,\"max\":%.1f,"
        "\"mean\":%.1f}}\n",
        group, static_cast<unsigned long long>(packets), samples.size(), percentile(samples, 0),
        percentile(samples, 50), percentile(samples, 90), percentile(samples, 99),
        percentile(samples, 100), mean);
    mnl_socket_close(nl);
    return 0;
}
