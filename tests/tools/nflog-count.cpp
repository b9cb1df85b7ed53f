// nflog-count: bind an NFLOG group, count the packets the kernel delivers to it, print the count.
//
//   nflog-count --group N [--seconds S] [--hex]
//
// Binds group N in the current network namespace with copy mode "packet" (full range) and a queue
// threshold of 1, so every logged packet is delivered at once. Runs until SIGTERM/SIGINT or, with
// --seconds, until S seconds have passed; then prints the number of packets received as the last
// line of stdout and exits 0. With --hex, each packet's payload (the L3 packet) is printed as one
// line of lowercase hex as soon as it arrives. Exit 1 when the group cannot be bound (already bound
// in this namespace, or no CAP_NET_ADMIN), 64 on a bad command line. Test tool: not part of pmtud
// itself.

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <libnetfilter_log/libnetfilter_log.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

namespace {

struct Options {
    uint16_t group = 0;
    bool have_group = false;
    long seconds = -1;  // < 0: until a signal
    bool hex = false;
};

struct Listener {
    mnl_socket* nl = nullptr;
    unsigned portid = 0;
    unsigned seq = 0;
    uint64_t packets = 0;
    uint64_t lost_batches = 0;
    bool hex = false;
};

constexpr int kExitUsage = 64;
constexpr uint32_t kCopyRangeMax = 0xffff;  // the kernel clamps this to 0xffff - NLA_HDRLEN

[[noreturn]] void usage_error(const char* msg) {
    std::fprintf(stderr, "nflog-count: %s\nusage: nflog-count --group N [--seconds S] [--hex]\n",
                 msg);
    std::exit(kExitUsage);
}

template <typename T>
bool parse_number(std::string_view text, T& out) {
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, out);
    return ec == std::errc() && ptr == end && !text.empty();
}

Options parse_args(int argc, char** argv) {
    Options opt;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        auto value = [&]() -> std::string_view {
            if (i + 1 >= argc) usage_error("missing value");
            return argv[++i];
        };
        if (arg == "--group") {
            if (!parse_number(value(), opt.group)) usage_error("--group wants 0..65535");
            opt.have_group = true;
        } else if (arg == "--seconds") {
            if (!parse_number(value(), opt.seconds) || opt.seconds < 0)
                usage_error("--seconds wants N >= 0");
        } else if (arg == "--hex") {
            opt.hex = true;
        } else {
            usage_error("unknown argument");
        }
    }
    if (!opt.have_group) usage_error("--group is required");
    return opt;
}

void print_hex(const unsigned char* data, uint16_t len) {
    static constexpr char digits[] = "0123456789abcdef";
    std::vector<char> line(static_cast<size_t>(len) * 2 + 1);
    for (size_t i = 0; i < len; ++i) {
        line[2 * i] = digits[data[i] >> 4];
        line[2 * i + 1] = digits[data[i] & 0x0f];
    }
    line[line.size() - 1] = '\n';
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
}

constexpr int kNoAck = -1;

// Handles every message of one datagram. Returns the errno of an ACK for `want_seq` (0 = success),
// kNoAck when no such ACK was in the datagram.
int dispatch(Listener& l, const char* buf, size_t len, unsigned want_seq) {
    int ack = kNoAck;
    int rem = static_cast<int>(len);
    for (auto* h = reinterpret_cast<const nlmsghdr*>(buf); mnl_nlmsg_ok(h, rem);
         h = mnl_nlmsg_next(h, &rem)) {
        if (h->nlmsg_type == NLMSG_ERROR) {
            const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(h));
            if (h->nlmsg_seq == want_seq) ack = -err->error;
            continue;
        }
        if (h->nlmsg_type != ((NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET))
            continue;  // NLMSG_DONE trailer
        ++l.packets;
        if (!l.hex) continue;
        nlattr* attr[NFULA_MAX + 1] = {};
        if (nflog_nlmsg_parse(h, attr) < 0 || attr[NFULA_PAYLOAD] == nullptr) {
            std::printf("-\n");  // a packet message without payload: still one line per packet
            continue;
        }
        print_hex(static_cast<const unsigned char*>(mnl_attr_get_payload(attr[NFULA_PAYLOAD])),
                  mnl_attr_get_payload_len(attr[NFULA_PAYLOAD]));
    }
    return ack;
}

// Sends one config message and waits for its ACK, counting any packet that arrives meanwhile.
int configure(Listener& l, nlmsghdr* nlh) {
    nlh->nlmsg_flags |= NLM_F_ACK;
    nlh->nlmsg_seq = ++l.seq;
    if (mnl_socket_sendto(l.nl, nlh, nlh->nlmsg_len) < 0) return errno;
    static char buf[1 << 16];
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(l.nl, buf, sizeof buf);
        if (n < 0) return errno;
        int ack = dispatch(l, buf, static_cast<size_t>(n), l.seq);
        if (ack != kNoAck) return ack;
    }
}

int bind_group(Listener& l, uint16_t group) {
    alignas(nlmsghdr) char buf[MNL_SOCKET_BUFFER_SIZE];
    nlmsghdr* nlh = nflog_nlmsg_put_header(buf, NFULNL_MSG_CONFIG, AF_UNSPEC, group);
    nflog_attr_put_cfg_cmd(nlh, NFULNL_CFG_CMD_BIND);
    if (int err = configure(l, nlh); err != 0) return err;

    nlh = nflog_nlmsg_put_header(buf, NFULNL_MSG_CONFIG, AF_UNSPEC, group);
    nflog_attr_put_cfg_mode(nlh, NFULNL_COPY_PACKET, kCopyRangeMax);
    mnl_attr_put_u32(nlh, NFULA_CFG_QTHRESH, htonl(1));
    return configure(l, nlh);
}

double now_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
    const Options opt = parse_args(argc, argv);

    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigprocmask(SIG_BLOCK, &mask, nullptr);
    const int sfd = signalfd(-1, &mask, SFD_CLOEXEC);

    Listener l;
    l.hex = opt.hex;
    l.nl = mnl_socket_open(NETLINK_NETFILTER);
    if (l.nl == nullptr || sfd < 0 || mnl_socket_bind(l.nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        std::fprintf(stderr, "nflog-count: netlink socket: %s\n", std::strerror(errno));
        return 1;
    }
    l.portid = mnl_socket_get_portid(l.nl);
    const int fd = mnl_socket_get_fd(l.nl);
    int rcvbuf = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf);

    if (int err = bind_group(l, opt.group); err != 0) {
        std::fprintf(
            stderr,
            "nflog-count: cannot bind NFLOG group %u: %s (already bound in this namespace? "
            "see /proc/net/netfilter/nfnetlink_log)\n",
            opt.group, std::strerror(err));
        return 1;
    }

    const double deadline = opt.seconds >= 0 ? now_seconds() + static_cast<double>(opt.seconds) : 0;
    static char buf[256 << 10];
    pollfd fds[2] = {{fd, POLLIN, 0}, {sfd, POLLIN, 0}};
    for (;;) {
        int timeout_ms = -1;
        if (opt.seconds >= 0) {
            const double left = deadline - now_seconds();
            if (left <= 0) break;
            timeout_ms = static_cast<int>(left * 1000.0) + 1;
        }
        if (poll(fds, 2, timeout_ms) < 0) {
            if (errno == EINTR) continue;
            std::fprintf(stderr, "nflog-count: poll: %s\n", std::strerror(errno));
            return 1;
        }
        if (fds[1].revents & POLLIN) break;
        if (fds[0].revents & POLLIN) {
            ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
            if (n < 0) {
                if (errno == ENOBUFS)
                    ++l.lost_batches;  // the kernel dropped a batch: say so at exit
                continue;
            }
            dispatch(l, buf, static_cast<size_t>(n), 0);
        }
    }
    if (l.lost_batches != 0) {
        std::fprintf(stderr, "nflog-count: %llu batches lost (ENOBUFS)\n",
                     static_cast<unsigned long long>(l.lost_batches));
    }
    std::printf("%llu\n", static_cast<unsigned long long>(l.packets));
    mnl_socket_close(l.nl);
    return 0;
}
