// Parser tests: one table row per case (description, packet, expected verdict and fields),
// then exhaustive truncation sweeps.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "core/ptb.hpp"
#include "packet_builder.hpp"

namespace pmtud {
namespace {

using testing::build_ptb;
using testing::ExtHeader;
using testing::fix_lengths_and_checksum;
using testing::PtbSpec;

struct Expect {
    std::optional<Reason> reject;  // nullopt: parses
    std::uint32_t mtu = 0;
    std::uint8_t proto = 0;
    bool has_port = false;
    std::uint16_t sport = 0;
};

struct Row {
    const char* description;
    PtbSpec spec;
    Expect expect;
};

Expect ok(std::uint32_t mtu, std::uint8_t proto, std::optional<std::uint16_t> sport) {
    return {std::nullopt, mtu, proto, sport.has_value(), sport.value_or(0)};
}
Expect rejected(Reason r) {
    return {r};
}

PtbSpec v4(auto&& edit) {
    PtbSpec s;
    edit(s);
    return s;
}
PtbSpec v6(auto&& edit) {
    PtbSpec s;
    s.family = 6;
    edit(s);
    return s;
}
const auto none = [](PtbSpec&) {};

const std::vector<std::uint8_t> kOpts8 = {1, 1, 1, 0, 0, 0, 0, 0};  // NOP NOP NOP EOL + pad

const Row kRows[] = {
    // IPv4
    {"v4 TCP", v4(none), ok(1280, 6, 443)},
    {"v4 outer options", v4([](PtbSpec& s) { s.outer_options = kOpts8; }), ok(1280, 6, 443)},
    {"v4 inner options", v4([](PtbSpec& s) { s.inner_options = kOpts8; }), ok(1280, 6, 443)},
    {"v4 inner 40 bytes of options", v4([](PtbSpec& s) { s.inner_options.assign(40, 1); }),
     ok(1280, 6, 443)},
    {"v4 UDP", v4([](PtbSpec& s) { s.inner_proto = 17, s.sport = 53; }), ok(1280, 17, 53)},
    {"v4 SCTP", v4([](PtbSpec& s) { s.inner_proto = 132, s.sport = 5060; }), ok(1280, 132, 5060)},
    {"v4 DCCP", v4([](PtbSpec& s) { s.inner_proto = 33, s.sport = 9; }), ok(1280, 33, 9)},
    {"v4 UDP-Lite", v4([](PtbSpec& s) { s.inner_proto = 136, s.sport = 7; }), ok(1280, 136, 7)},
    {"v4 inner ICMP has no port", v4([](PtbSpec& s) { s.inner_proto = 1; }), ok(1280, 1, {})},
    {"v4 inner GRE has no port", v4([](PtbSpec& s) { s.inner_proto = 47; }), ok(1280, 47, {})},
    {"v4 inner later fragment has no port", v4([](PtbSpec& s) { s.inner_frag = 185; }),
     ok(1280, 6, {})},
    {"v4 inner first fragment (MF) has a port", v4([](PtbSpec& s) { s.inner_frag = 0x2000; }),
     ok(1280, 6, 443)},
    {"v4 exactly 8 quoted L4 bytes", v4([](PtbSpec& s) { s.l4_bytes = 8; }), ok(1280, 6, 443)},
    {"v4 7 quoted L4 bytes", v4([](PtbSpec& s) { s.l4_bytes = 7; }),
     rejected(Reason::inner_truncated)},
    {"v4 MTU 0 parses (policy decides)", v4([](PtbSpec& s) { s.mtu = 0; }), ok(0, 6, 443)},
    {"v4 MTU 65535", v4([](PtbSpec& s) { s.mtu = 65535; }), ok(65535, 6, 443)},
    {"v4 576-byte PTB", v4([](PtbSpec& s) { s.l4_bytes = 576 - 48; }), ok(1280, 6, 443)},
    {"v4 dest unreachable code 1",
     v4([](PtbSpec& s) { s.default_type = false, s.type = 3, s.code = 1; }),
     rejected(Reason::not_ptb)},
    {"v4 echo request", v4([](PtbSpec& s) { s.default_type = false, s.type = 8; }),
     rejected(Reason::not_ptb)},
    {"v4 time exceeded", v4([](PtbSpec& s) { s.default_type = false, s.type = 11; }),
     rejected(Reason::not_ptb)},
    {"v4 outer TCP", v4([](PtbSpec& s) { s.outer_proto_override = 6; }),
     rejected(Reason::not_icmp)},
    {"v4 bad checksum", v4([](PtbSpec& s) { s.bad_checksum = true; }),
     rejected(Reason::bad_checksum)},
    {"v4 outer MF", v4([](PtbSpec& s) { s.outer_frag = 0x2000; }),
     rejected(Reason::outer_fragment)},
    {"v4 outer offset", v4([](PtbSpec& s) { s.outer_frag = 0x0010; }),
     rejected(Reason::outer_fragment)},
    {"v4 outer DF is fine", v4([](PtbSpec& s) { s.outer_frag = 0x4000; }), ok(1280, 6, 443)},
    // IPv6
    {"v6 TCP", v6(none), ok(1280, 6, 443)},
    {"v6 MTU is 32 bits", v6([](PtbSpec& s) { s.mtu = 0x00010500; }), ok(0x00010500, 6, 443)},
    {"v6 UDP", v6([](PtbSpec& s) { s.inner_proto = 17, s.sport = 4500; }), ok(1280, 17, 4500)},
    {"v6 inner ICMPv6 has no port", v6([](PtbSpec& s) { s.inner_proto = 58; }), ok(1280, 58, {})},
    {"v6 outer hop-by-hop", v6([](PtbSpec& s) { s.outer_ext = {{0}}; }), ok(1280, 6, 443)},
    {"v6 outer dest opts (24 bytes)", v6([](PtbSpec& s) {
         s.outer_ext = {{60, 0, 0, 2}};
     }),
     ok(1280, 6, 443)},
    {"v6 outer routing, no segments left", v6([](PtbSpec& s) {
         s.outer_ext = {{0}, {43}};
     }),
     ok(1280, 6, 443)},
    {"v6 outer routing with segments left", v6([](PtbSpec& s) {
         s.outer_ext = {{43, 1, 0, 2}};
     }),
     rejected(Reason::outer_ext_header)},
    {"v6 outer fragment", v6([](PtbSpec& s) { s.outer_ext = {{44}}; }),
     rejected(Reason::outer_fragment)},
    {"v6 outer ESP", v6([](PtbSpec& s) { s.outer_proto_override = 50; }),
     rejected(Reason::outer_ext_header)},
    {"v6 outer TCP", v6([](PtbSpec& s) { s.outer_proto_override = 6; }),
     rejected(Reason::not_icmp)},
    {"v6 hop-by-hop then UDP",
     v6([](PtbSpec& s) { s.outer_ext = {{0}}, s.outer_proto_override = 17; }),
     rejected(Reason::not_icmp)},
    {"v6 destination unreachable",
     v6([](PtbSpec& s) { s.default_type = false, s.type = 1, s.code = 4; }),
     rejected(Reason::not_ptb)},
    {"v6 PTB with code 1", v6([](PtbSpec& s) { s.default_type = false, s.type = 2, s.code = 1; }),
     rejected(Reason::not_ptb)},
    {"v6 echo request", v6([](PtbSpec& s) { s.default_type = false, s.type = 128; }),
     rejected(Reason::not_ptb)},
    {"v6 bad checksum", v6([](PtbSpec& s) { s.bad_checksum = true; }),
     rejected(Reason::bad_checksum)},
    {"v6 inner hop, dest, routing, fragment", v6([](PtbSpec& s) {
         s.inner_ext = {{0}, {60, 0, 0, 1}, {43, 2, 0, 2}, {44}};
     }),
     ok(1280, 6, 443)},
    {"v6 inner later fragment has no port", v6([](PtbSpec& s) {
         s.inner_ext = {{44, 0, 100}};
     }),
     ok(1280, 6, {})},
    {"v6 inner ext then 4 L4 bytes", v6([](PtbSpec& s) { s.inner_ext = {{0}}, s.l4_bytes = 4; }),
     rejected(Reason::inner_truncated)},
    {"v6 1280-byte PTB", v6([](PtbSpec& s) { s.l4_bytes = 1280 - 88; }), ok(1280, 6, 443)},
};

class ParseTable : public ::testing::TestWithParam<Row> {};

TEST_P(ParseTable, Verdict) {
    const Row& row = GetParam();
    const auto pkt = build_ptb(row.spec);
    const auto r = parse_ptb({Bytes(pkt), {}, 0});
    if (row.expect.reject) {
        ASSERT_FALSE(r) << row.description;
        EXPECT_EQ(reason_name(r.reason()), reason_name(*row.expect.reject)) << row.description;
        return;
    }
    ASSERT_TRUE(r) << row.description << ": " << reason_name(r.reason());
    EXPECT_EQ(r->family, row.spec.family == 4 ? Family::v4 : Family::v6);
    EXPECT_EQ(r->mtu, row.expect.mtu);
    EXPECT_EQ(r->inner_proto, row.expect.proto);
    EXPECT_EQ(r->has_port, row.expect.has_port);
    if (row.expect.has_port) {
        EXPECT_EQ(r->sport, row.expect.sport);
    }
    EXPECT_EQ(r->l3.data(), pkt.data());  // a view, not a copy
    EXPECT_EQ(r->l3.size(), pkt.size());
}

INSTANTIATE_TEST_SUITE_P(Rows, ParseTable, ::testing::ValuesIn(kRows),
                         [](const ::testing::TestParamInfo<Row>& row_info) {
                             std::string name = row_info.param.description;
                             for (char& c : name) {
                                 if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                             }
                             return name;
                         });

TEST(Parse, OuterSourceAddress) {
    const auto p4 = build_ptb({});
    const auto r4 = parse_ptb({Bytes(p4), {}, 0});
    ASSERT_TRUE(r4);
    EXPECT_EQ(r4->src[0], 198);
    EXPECT_EQ(r4->src[3], 1);
    PtbSpec s6;
    s6.family = 6;
    const auto p6 = build_ptb(s6);
    const auto r6 = parse_ptb({Bytes(p6), {}, 0});
    ASSERT_TRUE(r6);
    EXPECT_EQ(r6->src[1], 0x01);
    EXPECT_EQ(r6->src[5], 0x0e);
    EXPECT_EQ(r6->src[15], 0x01);
}

// The unicast copies carry the ICMP message alone: after outer IPv4 options and IPv6 extension
// headers, to the end of the packet.
TEST(Parse, OuterDestinationAndIcmpMessage) {
    PtbSpec s4;
    s4.outer_options = {1, 1, 1, 0};
    const auto p4 = build_ptb(s4);
    const auto r4 = parse_ptb({Bytes(p4), {}, 0});
    ASSERT_TRUE(r4);
    EXPECT_EQ(r4->dst[0], 203);
    EXPECT_EQ(r4->dst[3], 10);
    EXPECT_EQ(r4->icmp.data(), p4.data() + 24);
    EXPECT_EQ(r4->icmp.size(), p4.size() - 24);
    EXPECT_EQ(r4->icmp[0], 3);

    PtbSpec s6;
    s6.family = 6;
    s6.outer_ext = {{0, 0, 0, 0}, {60, 0, 0, 1}};  // hop-by-hop 8 bytes, dest opts 16 bytes
    const auto p6 = build_ptb(s6);
    const auto r6 = parse_ptb({Bytes(p6), {}, 0});
    ASSERT_TRUE(r6);
    EXPECT_EQ(r6->dst[5], 0xff);
    EXPECT_EQ(r6->dst[15], 0x10);
    EXPECT_EQ(r6->icmp.data(), p6.data() + 40 + 24);
    EXPECT_EQ(r6->icmp.size(), p6.size() - 64);
    EXPECT_EQ(r6->icmp[0], 2);
}

TEST(Parse, HeaderFieldErrors) {
    auto p = build_ptb({});
    auto reject = [](const std::vector<std::uint8_t>& pkt) {
        const auto r = parse_ptb({Bytes(pkt), {}, 0});
        return r ? std::string("parsed") : std::string(reason_name(r.reason()));
    };
    auto q = p;
    q[0] = 0x44;  // IHL 4
    EXPECT_EQ(reject(q), "bad_ip_header");
    q[0] = 0x4f;  // IHL 15 = 60 bytes: fits, but then ICMP is at the wrong place
    EXPECT_NE(reject(q), "parsed");
    q = p;
    q[0] = 0x55;
    EXPECT_EQ(reject(q), "bad_ip_version");
    q = p;
    q[3] ^= 1;  // total length one off
    EXPECT_EQ(reject(q), "length_mismatch");
    q = p;
    q.push_back(0);  // trailing byte not covered by the IP length
    EXPECT_EQ(reject(q), "length_mismatch");
    q = p;
    q[28] = 0x65;  // inner version 6 inside ICMPv4
    fix_lengths_and_checksum(q);
    EXPECT_EQ(reject(q), "inner_bad_header");
    q = p;
    q[28] = 0x44;  // inner IHL 4
    fix_lengths_and_checksum(q);
    EXPECT_EQ(reject(q), "inner_bad_header");
    q = p;
    q[28] = 0x4f;  // inner IHL 60 with 40 bytes quoted
    q.resize(28 + 40);
    fix_lengths_and_checksum(q);
    EXPECT_EQ(reject(q), "inner_truncated");

    PtbSpec s6;
    s6.family = 6;
    auto p6 = build_ptb(s6);
    q = p6;
    q[39] ^= 1;  // destination changed after the checksum: pseudo-header covers it
    EXPECT_EQ(reject(q), "bad_checksum");
    q = p6;
    q[5] ^= 2;
    EXPECT_EQ(reject(q), "length_mismatch");
    q = p6;
    q[48] = 0x45;  // inner IPv4 inside ICMPv6
    fix_lengths_and_checksum(q);
    EXPECT_EQ(reject(q), "inner_bad_header");
    EXPECT_EQ(reject({}), "truncated");

    // A quoted extension header that claims more bytes than were quoted.
    s6.inner_ext = {{0}};
    q = build_ptb(s6);
    q[48 + 40 + 1] = 200;
    fix_lengths_and_checksum(q);
    EXPECT_EQ(reject(q), "inner_ext_header");
    // A chain that ends exactly at the end of the quote, with no L4 bytes left.
    s6.l4_bytes = 0;
    q = build_ptb(s6);
    EXPECT_EQ(reject(q), "inner_truncated");
    q.resize(q.size() - 4);  // now the hop-by-hop header itself is cut
    fix_lengths_and_checksum(q);
    EXPECT_EQ(reject(q), "inner_ext_header");
}

TEST(Parse, LinkLayerChecks) {
    const auto p4 = build_ptb({});
    const std::uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    const std::uint8_t mcast6[6] = {0x33, 0x33, 0, 0, 0, 1};
    const std::uint8_t unicast[6] = {0x02, 0, 0, 0, 0, 2};
    const std::uint8_t src[6] = {0x02, 0, 0, 0, 0, 1};
    const auto hb = testing::eth_header(bcast, src, 0x0800);
    const auto hm = testing::eth_header(mcast6, src, 0x0800);
    const auto hu = testing::eth_header(unicast, src, 0x0800);
    EXPECT_EQ(parse_ptb({Bytes(p4), Bytes(hb), 0x0800}).reason(), Reason::link_multicast);
    EXPECT_EQ(parse_ptb({Bytes(p4), Bytes(hm), 0x0800}).reason(), Reason::link_multicast);
    EXPECT_TRUE(parse_ptb({Bytes(p4), Bytes(hu), 0x0800}));
    EXPECT_EQ(parse_ptb({Bytes(p4), Bytes(hu), 0x86dd}).reason(), Reason::family_mismatch);
}

// Every prefix of a valid PTB, as NFLOG would deliver a cut copy (lengths still claim the
// whole packet): none may parse, none may read out of bounds (ASan run of this test).
void sweep_raw_truncations(const PtbSpec& spec) {
    const auto full = build_ptb(spec);
    for (std::size_t n = 0; n < full.size(); ++n) {
        // A heap copy of exactly n bytes, so ASan catches any read past the end.
        const std::vector<std::uint8_t> cut(full.begin(), full.begin() + static_cast<long>(n));
        const auto r = parse_ptb({Bytes(cut.data(), n), {}, 0});
        EXPECT_FALSE(r) << "prefix of " << n << " bytes parsed";
    }
}

// Every prefix with lengths and checksum fixed up, as a router that quotes too little would
// send it: accepted exactly when the quote reaches 8 bytes past the inner headers.
void sweep_consistent_truncations(const PtbSpec& spec, std::size_t min_valid) {
    const auto full = build_ptb(spec);
    for (std::size_t n = 0; n <= full.size(); ++n) {
        std::vector<std::uint8_t> cut(full.begin(), full.begin() + static_cast<long>(n));
        fix_lengths_and_checksum(cut);
        const auto r = parse_ptb({Bytes(cut), {}, 0});
        EXPECT_EQ(bool(r), n >= min_valid)
            << n << " bytes: " << (r ? "parsed" : reason_name(r.reason()));
    }
}

TEST(Truncation, V4) {
    sweep_raw_truncations({});
    sweep_consistent_truncations({}, 20 + 8 + 20 + 8);
}

TEST(Truncation, V4WithOptions) {
    PtbSpec s;
    s.outer_options = kOpts8;
    s.inner_options = kOpts8;
    sweep_raw_truncations(s);
    sweep_consistent_truncations(s, 28 + 8 + 28 + 8);
}

TEST(Truncation, V6) {
    PtbSpec s;
    s.family = 6;
    sweep_raw_truncations(s);
    sweep_consistent_truncations(s, 40 + 8 + 40 + 8);
}

TEST(Truncation, V6WithExtensionHeaders) {
    PtbSpec s;
    s.family = 6;
    s.outer_ext = {{0}, {60, 0, 0, 1}};
    s.inner_ext = {{0}, {43, 0, 0, 2}, {44}, {60}};
    sweep_raw_truncations(s);
    // The outer chain is 24 bytes, the inner one 8 + 24 + 8 + 8 = 48.
    sweep_consistent_truncations(s, 40 + 24 + 8 + 40 + 48 + 8);
}

TEST(Checksum, MatchesReferenceOnOddAndEvenLengths) {
    std::vector<std::uint8_t> data(1400);
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 37 + 11);
    for (std::size_t n = 0; n <= data.size(); ++n) {
        const std::vector<std::uint8_t> v(data.begin(), data.begin() + static_cast<long>(n));
        const std::uint16_t ref = testing::reference_checksum(v, 0, n);
        for (const bool baseline : {false, true}) {
            const std::uint32_t sum =
                baseline ? detail::checksum_partial_baseline(v) : checksum_partial(v);
            // ~fold(sum) in host order equals the reference when read back in network order.
            const auto ours = static_cast<std::uint16_t>(~checksum_fold(sum));
            const auto* b = reinterpret_cast<const std::uint8_t*>(&ours);
            EXPECT_EQ(std::uint16_t(b[0] << 8 | b[1]), ref)
                << n << " bytes" << (baseline ? " (baseline)" : "");
        }
    }
}

TEST(Checksum, AllOnesDoesNotOverflow) {
    // 64 KiB of 0xff: the largest sum any packet can produce.
    const std::vector<std::uint8_t> v(65535, 0xff);
    const std::uint16_t ref = testing::reference_checksum(v, 0, v.size());
    for (const bool baseline : {false, true}) {
        const std::uint32_t sum =
            baseline ? detail::checksum_partial_baseline(v) : checksum_partial(v);
        const auto ours = static_cast<std::uint16_t>(~checksum_fold(sum));
        const auto* b = reinterpret_cast<const std::uint8_t*>(&ours);
        EXPECT_EQ(std::uint16_t(b[0] << 8 | b[1]), ref);
    }
}

}  // namespace
}  // namespace pmtud
