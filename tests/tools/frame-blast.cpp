// frame-blast: send many Ethernet frames fast from the current network namespace (a flood that
// scapy cannot produce), for tests that need to overrun a queue.
//
//   frame-blast IFACE DST_MAC COUNT HEX_L3 [HEX_L3 ...]
//   frame-blast IFACE DST_MAC COUNT -          (the L3 packets from stdin, one hex line each)
//
// Sends COUNT frames DST_MAC | IFACE's MAC | EtherType (from the IP version) | L3 packet, taking
// the given L3 packets in turn, in sendmmsg batches of 64. Prints "sent N" on stderr; exit 0 when
// every frame was handed to the kernel, 1 on a send error, 64 on a bad command line.
// Test tool: not part of pmtud itself.

#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr std::size_t kBatch = 64;

bool parse_hex(const char* text, std::vector<std::uint8_t>& out) {
    const std::size_t len = std::strlen(text);
    if (len == 0 || len % 2 != 0) return false;
    for (std::size_t i = 0; i < len; i += 2) {
        const char pair[3] = {text[i], text[i + 1], '\0'};
        char* end = nullptr;
        const long v = std::strtol(pair, &end, 16);
        if (*end != '\0') return false;
        out.push_back(static_cast<std::uint8_t>(v));
    }
    return true;
}

bool parse_mac(const char* text, std::uint8_t* out) {
    unsigned b[6];
    if (std::sscanf(text, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6) {
        return false;
    }
    for (int i = 0; i < 6; ++i) out[i] = static_cast<std::uint8_t>(b[i]);
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 5) {
        std::fprintf(stderr, "usage: frame-blast IFACE DST_MAC COUNT HEX_L3 [HEX_L3 ...]\n");
        return 64;
    }
    const char* iface = argv[1];
    std::uint8_t dst[6];
    char* end = nullptr;
    const unsigned long count = std::strtoul(argv[3], &end, 10);
    if (!parse_mac(argv[2], dst) || *end != '\0') {
        std::fprintf(stderr, "frame-blast: bad MAC or count\n");
        return 64;
    }
    const int fd = ::socket(AF_PACKET, SOCK_RAW, 0);
    if (fd < 0) {
        std::perror("frame-blast: socket");
        return 1;
    }
    ifreq req{};
    std::snprintf(req.ifr_name, sizeof req.ifr_name, "%s", iface);
    std::uint8_t src[6];
    if (::ioctl(fd, SIOCGIFHWADDR, &req) != 0) {
        std::perror("frame-blast: SIOCGIFHWADDR");
        return 1;
    }
    std::memcpy(src, req.ifr_hwaddr.sa_data, 6);
    if (::ioctl(fd, SIOCGIFINDEX, &req) != 0) {
        std::perror("frame-blast: SIOCGIFINDEX");
        return 1;
    }
    sockaddr_ll addr{};
    addr.sll_family = AF_PACKET;
    addr.sll_ifindex = req.ifr_ifindex;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        std::perror("frame-blast: bind");
        return 1;
    }

    std::vector<std::string> packets(argv + 4, argv + argc);
    if (argc == 5 && packets[0] == "-") {
        packets.clear();
        char line[1 << 17];
        while (std::fgets(line, sizeof line, stdin) != nullptr) {
            std::string text(line);
            while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
            if (!text.empty()) packets.push_back(text);
        }
        if (packets.empty()) {
            std::fprintf(stderr, "frame-blast: no packet on stdin\n");
            return 64;
        }
    }
    std::vector<std::vector<std::uint8_t>> frames;
    for (std::size_t i = 0; i < packets.size(); ++i) {
        std::vector<std::uint8_t> l3;
        if (!parse_hex(packets[i].c_str(), l3)) {
            std::fprintf(stderr, "frame-blast: bad hex packet %zu\n", i + 1);
            return 64;
        }
        std::vector<std::uint8_t> frame(dst, dst + 6);
        frame.insert(frame.end(), src, src + 6);
        const bool v6 = (l3[0] >> 4) == 6;
        frame.push_back(v6 ? 0x86 : 0x08);
        frame.push_back(v6 ? 0xdd : 0x00);
        frame.insert(frame.end(), l3.begin(), l3.end());
        frames.push_back(std::move(frame));
    }

    std::array<mmsghdr, kBatch> msgs{};
    std::array<iovec, kBatch> iov{};
    unsigned long sent = 0;
    while (sent < count) {
        const std::size_t n = count - sent < kBatch ? count - sent : kBatch;
        for (std::size_t i = 0; i < n; ++i) {
            std::vector<std::uint8_t>& f = frames[(sent + i) % frames.size()];
            iov[i] = {f.data(), f.size()};
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
        }
        const int r = ::sendmmsg(fd, msgs.data(), static_cast<unsigned>(n), 0);
        if (r < 0) {
            if (errno == ENOBUFS || errno == EINTR) continue;
            std::perror("frame-blast: sendmmsg");
            return 1;
        }
        sent += static_cast<unsigned long>(r);
    }
    std::fprintf(stderr, "sent %lu\n", sent);
    ::close(fd);
    return 0;
}
