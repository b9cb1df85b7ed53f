// tcp-bulk: the TCP workload of the end-to-end colo (tests/lib/colo.bash). A test tool.
//
//   tcp-bulk serve --port P --bytes N ADDR...
//       Listen on every ADDR (IPv4 or IPv6 literal, e.g. the anycast VIP) at port P; send N bytes
//       to each client that connects, then close. One process, non-blocking sockets and poll(), so
//       a stalled client never holds up the next one. Prints "listening" once every socket listens;
//       runs until SIGTERM/SIGINT (exit 0).
//   tcp-bulk fetch --bytes N --timeout-ms T ADDR PORT
//       Connect, read until the server closes or T ms have passed since the connect() call (then
//       reset the connection), print one line and exit:
//         status=complete|stalled|short connected=yes|no bytes=GOT expected=N seconds=ELAPSED
//         first_byte=SECONDS|-   (SECONDS since the connect() call)
//       0 complete (exactly N bytes, then EOF), 1 stalled (deadline hit), 2 short (EOF or reset
//       before N bytes), 3 cannot connect, 64 bad command line.
// No dependency beyond libc: the colo must run on a bare Debian with only pmtud's build deps.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr int kExitUsage = 64;
constexpr std::size_t kChunk = 64 * 1024;

const char kUsage[] =
    "usage: tcp-bulk serve --port P --bytes N ADDR...\n"
    "       tcp-bulk fetch --bytes N --timeout-ms T ADDR PORT\n";

[[noreturn]] void usage_error(const std::string& msg) {
    std::fprintf(stderr, "tcp-bulk: %s\n%s", msg.c_str(), kUsage);
    std::exit(kExitUsage);
}

[[noreturn]] void fail(const std::string& what, int code) {
    std::fprintf(stderr, "tcp-bulk: %s: %s\n", what.c_str(), std::strerror(errno));
    std::exit(code);
}

std::uint64_t parse_u64(std::string_view text, const char* option) {
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size()) {
        usage_error(std::string(option) + ": '" + std::string(text) + "' is not a whole number");
    }
    return v;
}

// An IPv4 or IPv6 literal and a port as a sockaddr.
struct Endpoint {
    sockaddr_storage addr{};
    socklen_t len = 0;
};

Endpoint endpoint(const std::string& text, std::uint16_t port) {
    Endpoint e;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&e.addr);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&e.addr);
    if (inet_pton(AF_INET, text.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        e.len = sizeof *v4;
    } else if (inet_pton(AF_INET6, text.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        e.len = sizeof *v6;
    } else {
        usage_error("'" + text + "' is not an IPv4 or IPv6 address");
    }
    return e;
}

double now_s() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

void set_nonblocking(int fd) {
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) fail("fcntl", 1);
}

// ---------------------------------------------------------------------------------------------------
// serve

volatile sig_atomic_t g_stop = 0;
void on_signal(int) {
    g_stop = 1;
}

struct Client {
    int fd;
    std::uint64_t left;
};

int serve(std::uint16_t port, std::uint64_t bytes, const std::vector<std::string>& addrs) {
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);

    std::vector<int> listeners;
    for (const auto& a : addrs) {
        Endpoint e = endpoint(a, port);
        int fd = socket(e.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) fail("socket", 1);
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (e.addr.ss_family == AF_INET6)
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        if (bind(fd, reinterpret_cast<sockaddr*>(&e.addr), e.len) < 0) fail("bind " + a, 1);
        if (listen(fd, 64) < 0) fail("listen " + a, 1);
        listeners.push_back(fd);
    }
    std::printf("listening\n");
    std::fflush(stdout);

    static char body[kChunk];
    std::memset(body, 'x', sizeof body);
    std::vector<Client> clients;
    std::vector<pollfd> pfds;
    while (!g_stop) {
        pfds.clear();
        for (int fd : listeners) pfds.push_back({fd, POLLIN, 0});
        for (const auto& c : clients) pfds.push_back({c.fd, POLLOUT, 0});
        if (poll(pfds.data(), pfds.size(), 1000) < 0) {
            if (errno == EINTR) continue;
            fail("poll", 1);
        }
        for (std::size_t i = 0; i < listeners.size(); ++i) {
            if (!(pfds[i].revents & POLLIN)) continue;
            int fd = accept4(listeners[i], nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd >= 0) clients.push_back({fd, bytes});
        }
        for (std::size_t i = 0; i < clients.size();) {
            Client& c = clients[i];
            bool done = c.left == 0;
            while (!done) {
                std::size_t n = c.left < kChunk ? static_cast<std::size_t>(c.left) : kChunk;
                ssize_t w = send(c.fd, body, n, MSG_NOSIGNAL);
                if (w > 0) {
                    c.left -= static_cast<std::uint64_t>(w);
                    done = c.left == 0;
                } else {
                    // A full send buffer waits for the next POLLOUT; a reset client is dropped.
                    done = !(w < 0 && (errno == EAGAIN || errno == EINTR));
                    if (!done) break;
                }
            }
            if (done) {
                close(c.fd);
                clients[i] = clients.back();
                clients.pop_back();
            } else {
                ++i;
            }
        }
    }
    for (const auto& c : clients) close(c.fd);
    for (int fd : listeners) close(fd);
    return 0;
}

// ---------------------------------------------------------------------------------------------------
// fetch

int fetch(std::uint64_t expected, std::uint64_t timeout_ms, const std::string& addr,
          std::uint16_t port) {
    Endpoint e = endpoint(addr, port);
    int fd = socket(e.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) fail("socket", 3);
    set_nonblocking(fd);
    const double start = now_s();
    const double deadline = start + static_cast<double>(timeout_ms) / 1000.0;
    if (connect(fd, reinterpret_cast<sockaddr*>(&e.addr), e.len) < 0 && errno != EINPROGRESS) {
        fail("connect " + addr, 3);
    }

    std::uint64_t got = 0;
    double first_byte = -1;
    bool connected = false, eof = false;
    static char buf[kChunk];
    while (!eof) {
        double left_s = deadline - now_s();
        if (left_s <= 0) break;
        pollfd p{fd, static_cast<short>(connected ? POLLIN : POLLOUT), 0};
        int r = poll(&p, 1, static_cast<int>(left_s * 1000.0) + 1);
        if (r < 0 && errno != EINTR) fail("poll", 3);
        if (r <= 0) continue;
        if (!connected) {
            int err = 0;
            socklen_t len = sizeof err;
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err != 0) {
                errno = err;
                fail("connect " + addr, 3);
            }
            connected = true;
            continue;
        }
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n > 0) {
            if (got == 0) first_byte = now_s() - start;
            got += static_cast<std::uint64_t>(n);
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            eof = true;
        }
    }
    const double elapsed = now_s() - start;
    if (!eof) {
        // Abort with a RST: a FIN would leave the server retransmitting the stalled data (and the
        // router sending PTBs for it) for minutes, into whatever runs next in the colo.
        linger l{1, 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    }
    close(fd);

    const char* status = !eof ? "stalled" : got == expected ? "complete" : "short";
    char fb[32] = "-";
    if (first_byte >= 0) std::snprintf(fb, sizeof fb, "%.6f", first_byte);
    std::printf("status=%s connected=%s bytes=%llu expected=%llu seconds=%.6f first_byte=%s\n",
                status, connected ? "yes" : "no", static_cast<unsigned long long>(got),
                static_cast<unsigned long long>(expected), elapsed, fb);
    return !eof ? 1 : got == expected ? 0 : 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) usage_error("missing command");
    const std::string_view cmd = argv[1];
    if (cmd == "-h" || cmd == "--help") {
        std::printf("%s", kUsage);
        return 0;
    }
    std::uint64_t port = 0, bytes = 0, timeout_ms = 0;
    bool have_port = false, have_bytes = false, have_timeout = false;
    std::vector<std::string> rest;
    for (int i = 2; i < argc; ++i) {
        const std::string_view a = argv[i];
        auto value = [&]() -> std::string_view {
            if (i + 1 >= argc) usage_error(std::string(a) + " needs a value");
            return argv[++i];
        };
        if (a == "--port") {
            port = parse_u64(value(), "--port");
            have_port = true;
        } else if (a == "--bytes") {
            bytes = parse_u64(value(), "--bytes");
            have_bytes = true;
        } else if (a == "--timeout-ms") {
            timeout_ms = parse_u64(value(), "--timeout-ms");
            have_timeout = true;
        } else if (a.starts_with("-")) {
            usage_error("unknown option '" + std::string(a) + "'");
        } else {
            rest.emplace_back(a);
        }
    }
    if (!have_bytes) usage_error("--bytes is required");
    if (cmd == "serve") {
        if (!have_port || port == 0 || port > 65535) usage_error("--port 1..65535 is required");
        if (rest.empty()) usage_error("serve: give at least one address");
        return serve(static_cast<std::uint16_t>(port), bytes, rest);
    }
    if (cmd == "fetch") {
        if (!have_timeout) usage_error("--timeout-ms is required");
        if (rest.size() != 2) usage_error("fetch: give ADDR PORT");
        std::uint64_t p = parse_u64(rest[1], "PORT");
        if (p == 0 || p > 65535) usage_error("PORT must be 1..65535");
        return fetch(bytes, timeout_ms, rest[0], static_cast<std::uint16_t>(p));
    }
    usage_error("unknown command '" + std::string(cmd) + "'");
}
