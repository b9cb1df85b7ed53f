#include "ptb_send_options.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstdio>
#include <string_view>

namespace pmtud::bench {
namespace {

constexpr unsigned long long kMaxCount = 100'000'000;
constexpr double kMaxSeconds = 600;

template <typename T>
bool number(std::string_view text, T& out, T lo, T hi) {
    T v{};
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || v < lo || v > hi) return false;
    out = v;
    return true;
}

bool address(std::string_view text, int family, Addr& out) {
    const std::string s(text);
    out = {};
    return inet_pton(family == 4 ? AF_INET : AF_INET6, s.c_str(), out.data()) == 1;
}

bool mac(std::string_view text, Mac& out) {
    unsigned b[6];
    char tail;
    const std::string s(text);
    if (std::sscanf(s.c_str(), "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
                    &tail) != 6) {
        return false;
    }
    for (int i = 0; i < 6; ++i) {
        if (b[i] > 0xff) return false;
        out[i] = static_cast<std::uint8_t>(b[i]);
    }
    return true;
}

bool sources(std::string_view text, Options& o) {
    if (text == "one") {
        o.mode = SourceMode::one;
        return true;
    }
    if (text == "random") {
        o.mode = SourceMode::random;
        return true;
    }
    if (text.substr(0, 7) != "rotate:") return false;
    o.mode = SourceMode::rotate;
    return number<std::size_t>(text.substr(7), o.rotate_count, 1, 0xf000);
}

bool proto(std::string_view text, Proto& out) {
    if (text == "ptb") return out = Proto::ptb, true;
    if (text == "tcp") return out = Proto::tcp, true;
    if (text == "udp") return out = Proto::udp, true;
    return false;
}

// A comma-separated list of syn, ack, rst, fin, psh.
bool tcp_flags(std::string_view text, std::uint8_t& out) {
    struct Flag {
        std::string_view name;
        std::uint8_t bit;
    };
    constexpr Flag kFlags[] = {
        {"syn", kTcpSyn}, {"ack", kTcpAck}, {"rst", kTcpRst}, {"fin", kTcpFin}, {"psh", kTcpPsh}};
    out = 0;
    while (!text.empty()) {
        const std::size_t comma = text.find(',');
        const std::string_view word = text.substr(0, comma);
        bool known = false;
        for (const Flag& f : kFlags) {
            if (word == f.name) out |= f.bit, known = true;
        }
        if (!known) return false;
        text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    }
    return out != 0;
}

// The L3 sizes when none is given: what a router quotes in a PTB (RFC 1812 / RFC 4443 maxima),
// a client's pure ACK with timestamps, a small datagram (32 bytes of payload).
void default_sizes(Options& o) {
    const std::size_t v4 = o.proto == Proto::ptb ? 576 : o.proto == Proto::tcp ? 52 : 60;
    const std::size_t v6 = o.proto == Proto::ptb ? 1280 : v4 + 20;
    if (o.size4 == 0) o.size4 = v4;
    if (o.size6 == 0) o.size6 = v6;
}

}  // namespace

const char* usage_text() {
    return R"(Usage: ptb-send --iface IF --dst-mac MAC --count N [options]

Sends ICMP frag-needed (IPv4) / packet-too-big (IPv6) messages quoting a realistic TCP segment,
or (--proto) TCP segments or UDP datagrams from clients, as Ethernet frames on IF (AF_PACKET,
sendmmsg). Stops after N frames or --seconds, whichever comes first, or on SIGINT/SIGTERM; then
prints one JSON object on stdout.

  --iface IF            send on IF (needs CAP_NET_RAW)
  --dst-mac MAC         Ethernet destination (the server's MAC: unicast, as a router sends)
  --dst-mac2 MAC        alternate batches between --dst-mac and MAC, and report each one's
                        sent frames and the CPU its send calls took (by_dst): an A/B of two
                        receivers' kernel paths inside one flood
  --count N             frames to send, 1..100000000
  --seconds S           stop after S seconds even if N were not sent (default 60, max 600)
  --rate PPS            pace at PPS frames per second (default 0: as fast as possible)
  --family 4|6|46       IPv4, IPv6 or both in turn (default 4)
  --sources MODE        one | rotate:N | random (default one). rotate and random draw from
                        198.51.100.0/24 + 203.0.113.0/24 (507 hosts, not 203.0.113.10) and
                        2001:db8:1000::/36-2001:db8:ffff::/36 (a /64 per source when rotating)
  --src4 A --src6 A     the source with --sources one (default 192.0.2.1, 2001:db8:1::1)
  --dst4 A --dst6 A     outer destination (default 203.0.113.10, 2001:db8:ff::10)
  --proto ptb|tcp|udp   what to send (default ptb). tcp and udp: from a new client port per
                        packet (32768-60999 in turn) to --dport, valid checksums
  --size4 N --size6 N   L3 bytes of each packet (default: PTB 576 and 1280, what a router
                        quotes; TCP 52 and 72, a pure ACK with timestamps; UDP 60 and 80)
  --mtu N               PTB: the announced next-hop MTU (default 1280)
  --sport N             PTB: the quoted segment's source port (default 443)
  --dport N             TCP/UDP: the destination port (default 443)
  --tcp-flags LIST      TCP: flags, comma-separated among syn,ack,rst,fin,psh (default ack)
  --seed N              random sources are reproducible per seed (default 1)
  --cpu N               pin the sender to CPU N
  --batch N             frames per sendmmsg, 1..1024 (default 64)
  -h, --help            this text

Output keys: proto, sent, sent_v4, sent_v6, seconds, pps, stopped_by (count|time|signal),
send_retries (ENOBUFS: frame sent again), frame_bytes_v4/v6, start_realtime_ns, sender_cpu_s,
cpu_ticks (the machine's /proc/stat "cpu" line over the sending window, all CPUs; busy =
user+nice+system+irq+softirq, steal apart), self_cpu_ns (the sender's own on-CPU time, which
includes the receive path veth runs in its context) and, with --cpu, ksoftirqd_cpu_ns (that
CPU's ksoftirqd: receive work deferred out of the sender's context; -1 without --cpu), by_dst
(per receiver: mac, sent, send_cpu_ns: this thread's CPU time inside its sendmmsg calls).
Exit 0; 1 system error; 64 bad command line; 70 checksum self-test failed.
)";
}

bool parse_options(int argc, char** argv, Options& o, std::string& error) {
    address("192.0.2.1", 4, o.src4);
    address("2001:db8:1::1", 6, o.src6);
    address("203.0.113.10", 4, o.dst4);
    address("2001:db8:ff::10", 6, o.dst6);
    bool have_mac = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "-h" || arg == "--help") {
            error.clear();
            return false;
        }
        if (i + 1 >= argc) {
            error = std::string(arg) + ": unknown option or missing value";
            return false;
        }
        const std::string_view v = argv[++i];
        bool ok = true;
        if (arg == "--iface") {
            o.iface = v;
            ok = !v.empty();
        } else if (arg == "--dst-mac") {
            ok = have_mac = mac(v, o.dst_mac);
        } else if (arg == "--dst-mac2") {
            ok = o.have_dst_mac2 = mac(v, o.dst_mac2);
        } else if (arg == "--count") {
            ok = number(v, o.count, 1ULL, kMaxCount);
        } else if (arg == "--seconds") {
            ok = number(v, o.seconds, 0.001, kMaxSeconds);
        } else if (arg == "--rate") {
            ok = number(v, o.rate, 0.0, 1e9);
        } else if (arg == "--family") {
            ok = number(v, o.family, 4, 46) && (o.family == 4 || o.family == 6 || o.family == 46);
        } else if (arg == "--sources") {
            ok = sources(v, o);
        } else if (arg == "--src4") {
            ok = address(v, 4, o.src4);
        } else if (arg == "--src6") {
            ok = address(v, 6, o.src6);
        } else if (arg == "--dst4") {
            ok = address(v, 4, o.dst4);
        } else if (arg == "--dst6") {
            ok = address(v, 6, o.dst6);
        } else if (arg == "--proto") {
            ok = proto(v, o.proto);
        } else if (arg == "--size4") {
            ok = number<std::size_t>(v, o.size4, 28, 1500);
        } else if (arg == "--size6") {
            ok = number<std::size_t>(v, o.size6, 48, 1500);
        } else if (arg == "--dport") {
            ok = number<std::uint16_t>(v, o.dport, 0, 65535);
        } else if (arg == "--tcp-flags") {
            ok = tcp_flags(v, o.tcp_flags);
        } else if (arg == "--mtu") {
            ok = number<std::uint32_t>(v, o.mtu, 68, 65535);
        } else if (arg == "--sport") {
            ok = number<std::uint16_t>(v, o.sport, 0, 65535);
        } else if (arg == "--seed") {
            ok = number(v, o.seed, 0ULL, ~0ULL);
        } else if (arg == "--cpu") {
            ok = number(v, o.cpu, 0, 1023);
        } else if (arg == "--batch") {
            ok = number<std::size_t>(v, o.batch, 1, 1024);
        } else {
            error = std::string(arg) + ": unknown option";
            return false;
        }
        if (!ok) {
            error = std::string(arg) + ": bad value '" + std::string(v) + "'";
            return false;
        }
    }
    if (o.iface.empty() || !have_mac || o.count == 0) {
        error = "--iface, --dst-mac and --count are required";
        return false;
    }
    default_sizes(o);
    if (o.mode == SourceMode::rotate && o.family != 6 && o.rotate_count > SourcePool::kV4PoolSize) {
        error = "--sources rotate:N: IPv4 has 507 addresses to rotate through";
        return false;
    }
    return true;
}

}  // namespace pmtud::bench
