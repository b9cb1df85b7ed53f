// Writes the seed corpora for the fuzz targets: valid and borderline PTBs (options, extension
// headers, truncations) and NFLOG datagrams wrapping them. Run by `make fuzz-seeds`; the
// output is checked in under tests/fuzz/corpus/.
#include <cstdio>
#include <string>
#include <vector>

#include "nflog_builder.hpp"
#include "packet_builder.hpp"

namespace {

using pmtud::testing::build_ptb;
using pmtud::testing::PtbSpec;

void write(const std::string& path, const std::vector<std::uint8_t>& bytes) {
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f || std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size()) {
        std::perror(path.c_str());
        std::exit(1);
    }
    std::fclose(f);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s PACKET_DIR NFLOG_DIR\n", argv[0]);
        return 64;
    }
    const std::string pdir = argv[1], ndir = argv[2];
    std::vector<std::pair<std::string, PtbSpec>> specs;
    PtbSpec s;
    specs.emplace_back("v4", s);
    s.outer_options = {1, 1, 1, 0};
    s.inner_options = {1, 1, 1, 1, 1, 1, 1, 0};
    specs.emplace_back("v4-options", s);
    s = {};
    s.inner_proto = 17;
    s.l4_bytes = 8;
    specs.emplace_back("v4-udp-min", s);
    s = {};
    s.inner_frag = 100;
    specs.emplace_back("v4-inner-frag", s);
    s = {};
    s.l4_bytes = 576 - 48;
    specs.emplace_back("v4-576", s);
    s = {};
    s.family = 6;
    specs.emplace_back("v6", s);
    s.outer_ext = {{0}, {60, 0, 0, 1}};
    s.inner_ext = {{0}, {43, 1, 0, 2}, {44}, {60}};
    specs.emplace_back("v6-ext", s);
    s = {};
    s.family = 6;
    s.inner_ext = {{44, 0, 10}};
    s.inner_proto = 132;
    specs.emplace_back("v6-inner-later-frag", s);
    s = {};
    s.family = 6;
    s.l4_bytes = 1280 - 88;
    specs.emplace_back("v6-1280", s);

    int n = 0;
    for (const auto& [name, spec] : specs) {
        const auto pkt = build_ptb(spec);
        for (int mode : {0x00, 0x05, 0x0a, 0x21, 0x30}) {
            std::vector<std::uint8_t> in{static_cast<std::uint8_t>(mode)};
            in.insert(in.end(), pkt.begin(), pkt.end());
            write(pdir + "/" + name + "-m" + std::to_string(mode), in);
            ++n;
        }
        // Two truncations of each: half the packet, and all but the last byte.
        for (std::size_t cut : {pkt.size() / 2, pkt.size() - 1}) {
            std::vector<std::uint8_t> in{0};
            in.insert(in.end(), pkt.begin(), pkt.begin() + static_cast<long>(cut));
            write(pdir + "/" + name + "-cut" + std::to_string(cut), in);
            ++n;
        }
        // NFLOG: one packet, and a batch of two with the NLMSG_DONE trailer.
        const std::uint16_t proto = spec.family == 4 ? 0x0800 : 0x86dd;
        const std::uint8_t hw[14] = {2,
                                     0,
                                     0,
                                     0,
                                     0,
                                     2,
                                     2,
                                     0,
                                     0,
                                     0,
                                     0,
                                     1,
                                     static_cast<std::uint8_t>(proto >> 8),
                                     static_cast<std::uint8_t>(proto)};
        auto add = [&](pmtud::test::NetlinkBuilder& b, std::uint32_t seq) {
            b.begin(pmtud::test::kNflogPacketType)
                .nfgen(spec.family == 4 ? 2 : 10, 33)
                .packet_hdr(proto, 0)
                .attr_be32(NFULA_IFINDEX_INDEV, 2)
                .attr(NFULA_HWHEADER, hw, sizeof hw)
                .attr(NFULA_PAYLOAD, pkt)
                .attr_str(NFULA_PREFIX, "pmtud4 ")
                .attr_be32(NFULA_SEQ, seq)
                .end();
        };
        pmtud::test::NetlinkBuilder one;
        add(one, 0);
        write(ndir + "/" + name + "-one", one.bytes());
        pmtud::test::NetlinkBuilder two;
        add(two, 5);
        add(two, 7);
        two.done();
        write(ndir + "/" + name + "-batch", two.bytes());
        n += 2;
    }
    pmtud::test::NetlinkBuilder err;
    err.error(-1);
    write(ndir + "/error-eperm", err.bytes());
    std::printf("%d seeds\n", n + 1);
    return 0;
}
