#include "send_streams.hpp"

#include <cstdio>
#include <string>
#include <vector>

namespace pmtud::bench {
namespace {

std::unique_ptr<FrameTemplate> make_frames(const Options& o, int fam, const Mac& src_mac,
                                           std::string& error) {
    if (o.proto == Proto::ptb) {
        FrameSpec spec;
        spec.family = fam;
        spec.l3_bytes = fam == 4 ? o.size4 : o.size6;
        spec.mtu = o.mtu;
        spec.sport = o.sport;
        spec.dst = fam == 4 ? o.dst4 : o.dst6;
        spec.dst_mac = o.dst_mac;
        spec.src_mac = src_mac;
        return std::make_unique<PtbTemplate>(spec, error);
    }
    SegmentSpec spec;
    spec.family = fam;
    spec.proto = o.proto;
    spec.l3_bytes = fam == 4 ? o.size4 : o.size6;
    spec.dport = o.dport;
    spec.tcp_flags = o.tcp_flags;
    spec.dst = fam == 4 ? o.dst4 : o.dst6;
    spec.dst_mac = o.dst_mac;
    spec.src_mac = src_mac;
    return std::make_unique<SegmentTemplate>(spec, error);
}

}  // namespace

int make_streams(const Options& o, const Mac& src_mac, Streams& streams) {
    for (int fam : {4, 6}) {
        if (o.family != fam && o.family != 46) continue;
        std::string error;
        Stream& s = streams[fam == 4 ? 0 : 1];
        s.frames = make_frames(o, fam, src_mac, error);
        if (!error.empty()) {
            std::fprintf(stderr, "ptb-send: --size%d: %s\n", fam, error.c_str());
            return 64;
        }
        s.sources = std::make_unique<SourcePool>(fam, o.mode, o.rotate_count,
                                                 fam == 4 ? o.src4 : o.src6, o.seed + fam);
        // Self-test: incremental checksums against a full recomputation, on a throwaway pool.
        SourcePool probe(fam, SourceMode::random, 0, {}, o.seed);
        std::vector<std::uint8_t> buf(s.frames->size());
        for (std::uint64_t i :
             {0ULL, 1ULL, 2ULL, 28231ULL, 28232ULL, 65535ULL, 65536ULL, 2966ULL, 4294967295ULL}) {
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
    return 0;
}

}  // namespace pmtud::bench
