// The command line of ptb-send (bench/pipeline/ptb_send.cpp).
#pragma once

#include <string>

#include "ptb_frames.hpp"
#include "segment_frames.hpp"

namespace pmtud::bench {

struct Options {
    std::string iface;
    Mac dst_mac{};
    Mac dst_mac2{};  // with have_dst_mac2: every other batch goes there
    bool have_dst_mac2 = false;
    int family = 4;  // 4, 6, or 46: alternate, v4 first
    unsigned long long count = 0;
    double seconds = 60;
    double rate = 0;  // frames per second; 0 = as fast as possible
    SourceMode mode = SourceMode::one;
    std::size_t rotate_count = 0;
    Addr src4{}, src6{}, dst4{}, dst6{};
    Proto proto = Proto::ptb;
    std::size_t size4 = 0, size6 = 0;  // L3 bytes; 0 until parsed: the protocol's default
    std::uint32_t mtu = 1280;
    std::uint16_t sport = 443;  // PTBs: the quoted segment's
    std::uint16_t dport = 443;  // TCP/UDP
    std::uint8_t tcp_flags = kTcpAck;
    unsigned long long seed = 1;
    int cpu = -1;
    std::size_t batch = 64;
};

// False with an empty error for --help, with a one-line error for a bad command line.
bool parse_options(int argc, char** argv, Options& out, std::string& error);
const char* usage_text();

}  // namespace pmtud::bench
