#include <gtest/gtest.h>

#include <cerrno>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "alloc_counter.hpp"
#include "core/nflog_msg.hpp"
#include "nflog_builder.hpp"

namespace pmtud {
namespace {

using Status = NflogBatchReader::Status;
using test::NetlinkBuilder;

constexpr std::uint8_t kHwHeader[14] = {0x02, 0,   0, 0, 0, 0x02,  // dst
                                        0x02, 0,   0, 0, 0, 0x01,  // src
                                        0x08, 0x00};

// An L3 payload whose bytes tell packets apart.
std::vector<std::uint8_t> payload(std::uint8_t tag, std::size_t len = 76) {
    std::vector<std::uint8_t> p(len);
    for (std::size_t i = 0; i < len; ++i) p[i] = static_cast<std::uint8_t>(tag + i);
    if (len > 0) p[0] = 0x45;
    return p;
}

struct PacketSpec {
    std::uint8_t family = 2;
    std::uint16_t group = 33;
    std::optional<std::uint32_t> seq;
    std::vector<std::uint8_t> l3 = payload(0);
    std::string prefix = "pmtud4 ";
    bool hwheader = true;
};

// A packet message with the attributes the kernel sends, in its order (kernel-facts §2.1).
void add_packet(NetlinkBuilder& b, const PacketSpec& s) {
    b.begin(test::kNflogPacketType).nfgen(s.family, s.group);
    b.packet_hdr(s.family == 10 ? 0x86DD : 0x0800, 1);
    const std::uint8_t ts[16] = {0, 0, 0, 0, 0x65, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x10, 0};
    b.attr(NFULA_TIMESTAMP, ts, sizeof ts);
    b.attr_be32(NFULA_IFINDEX_INDEV, 7);
    const std::uint8_t hwaddr[12] = {0, 6, 0, 0, 0x02, 0, 0, 0, 0, 0x01, 0, 0};
    b.attr(NFULA_HWADDR, hwaddr, sizeof hwaddr);
    b.attr(NFULA_PAYLOAD, s.l3);
    b.attr_str(NFULA_PREFIX, s.prefix);
    if (s.seq) b.attr_be32(NFULA_SEQ, *s.seq);
    b.attr_be16(NFULA_HWTYPE, 1);
    if (s.hwheader) {
        b.attr(NFULA_HWHEADER, kHwHeader, sizeof kHwHeader);
        b.attr_be16(NFULA_HWLEN, 14);
    }
    b.end();
}

Bytes view(const NetlinkBuilder& b) {
    return {b.bytes().data(), b.size()};
}

bool inside(Bytes part, Bytes whole) {
    return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

// Reads until end; the statuses in order (a guard stops runaway loops).
std::vector<Status> statuses(Bytes datagram) {
    NflogBatchReader reader(datagram);
    std::vector<Status> seen;
    NflogPacket p;
    for (int guard = 0; guard < 100; ++guard) {
        const Status s = reader.next(p);
        seen.push_back(s);
        if (s == Status::end) break;
    }
    return seen;
}

TEST(NflogBatchReader, SinglePacketAllFields) {
    NetlinkBuilder b;
    const auto l3 = payload(0x10);
    add_packet(b, {.family = 2, .group = 33, .seq = 41, .l3 = l3, .prefix = "pmtud4 "});
    const Bytes dgram = view(b);

    NflogBatchReader reader(dgram);
    NflogPacket p;
    ASSERT_EQ(reader.next(p), Status::packet);
    EXPECT_EQ(p.group, 33);
    EXPECT_EQ(p.nfproto, 2);
    EXPECT_EQ(p.hook, 1);
    EXPECT_EQ(p.indev, 7u);
    EXPECT_TRUE(p.has_seq);
    EXPECT_EQ(p.seq, 41u);
    EXPECT_EQ(p.prefix, "pmtud4 ");
    EXPECT_EQ(p.packet.hw_protocol, 0x0800);
    ASSERT_EQ(p.packet.l3.size(), l3.size());
    EXPECT_TRUE(std::equal(l3.begin(), l3.end(), p.packet.l3.begin()));
    ASSERT_EQ(p.packet.hwheader.size(), 14u);
    EXPECT_TRUE(std::equal(std::begin(kHwHeader), std::end(kHwHeader), p.packet.hwheader.begin()));
    // Views into the datagram, not copies.
    EXPECT_TRUE(inside(p.packet.l3, dgram));
    EXPECT_TRUE(inside(p.packet.hwheader, dgram));
    EXPECT_TRUE(p.prefix.data() >= reinterpret_cast<const char*>(dgram.data()) &&
                p.prefix.data() < reinterpret_cast<const char*>(dgram.data() + dgram.size()));
    EXPECT_EQ(reader.next(p), Status::end);
    EXPECT_EQ(reader.next(p), Status::end) << "end is sticky";
}

TEST(NflogBatchReader, Ipv6AndHighGroupNumber) {
    NetlinkBuilder b;
    add_packet(b, {.family = 10,
                   .group = 0xABCD,
                   .seq = std::nullopt,
                   .l3 = payload(1, 96),
                   .prefix = "pmtud6 "});
    NflogBatchReader reader(view(b));
    NflogPacket p;
    ASSERT_EQ(reader.next(p), Status::packet);
    EXPECT_EQ(p.group, 0xABCD) << "res_id is big endian";
    EXPECT_EQ(p.nfproto, 10);
    EXPECT_EQ(p.packet.hw_protocol, 0x86DD);
    EXPECT_EQ(p.packet.l3.size(), 96u);
    EXPECT_EQ(p.prefix, "pmtud6 ");
}

TEST(NflogBatchReader, BatchOfThreeWithDoneTrailer) {
    NetlinkBuilder b;
    for (std::uint8_t i = 0; i < 3; ++i) {
        add_packet(b, {.seq = 100u + i,
                       .l3 = payload(static_cast<std::uint8_t>(0x20 * (i + 1)),
                                     static_cast<std::size_t>(60 + i))});
    }
    b.done();
    NflogBatchReader reader(view(b));
    NflogPacket p;
    for (std::uint8_t i = 0; i < 3; ++i) {
        SCOPED_TRACE(i);
        ASSERT_EQ(reader.next(p), Status::packet);
        EXPECT_EQ(p.seq, 100u + i);
        ASSERT_EQ(p.packet.l3.size(), 60u + i) << "unaligned payload lengths keep the walk right";
        EXPECT_EQ(p.packet.l3[1], static_cast<std::uint8_t>(0x20 * (i + 1) + 1));
    }
    EXPECT_EQ(reader.next(p), Status::end);
}

TEST(NflogBatchReader, WithoutSeq) {
    NetlinkBuilder b;
    add_packet(b, {.seq = std::nullopt});
    NflogBatchReader reader(view(b));
    NflogPacket p;
    p.has_seq = true;  // must be reset by next()
    p.seq = 5;
    ASSERT_EQ(reader.next(p), Status::packet);
    EXPECT_FALSE(p.has_seq);
    EXPECT_EQ(p.seq, 0u);
}

TEST(NflogBatchReader, SeqZeroIsStillPresent) {
    NetlinkBuilder b;
    add_packet(b, {.seq = 0});
    NflogBatchReader reader(view(b));
    NflogPacket p;
    ASSERT_EQ(reader.next(p), Status::packet);
    EXPECT_TRUE(p.has_seq);
    EXPECT_EQ(p.seq, 0u);
}

TEST(NflogBatchReader, SeqIsBigEndian) {
    NetlinkBuilder b;
    add_packet(b, {.seq = 0x01020304});
    NflogBatchReader reader(view(b));
    NflogPacket p;
    ASSERT_EQ(reader.next(p), Status::packet);
    EXPECT_EQ(p.seq, 0x01020304u);
}

TEST(NflogBatchReader, MinimalPacketLeavesOptionalFieldsEmpty) {
    NetlinkBuilder b;
    b.begin(test::kNflogPacketType).nfgen(2, 1).attr(NFULA_PAYLOAD, payload(3, 20)).end();
    NflogBatchReader reader(view(b));
    NflogPacket p;
    p.indev = 9;
    p.hook = 9;
    p.prefix = "stale";
    ASSERT_EQ(reader.next(p), Status::packet);
    EXPECT_EQ(p.group, 1);
    EXPECT_EQ(p.indev, 0u);
    EXPECT_EQ(p.hook, 0);
    EXPECT_EQ(p.packet.hw_protocol, 0);
    EXPECT_TRUE(p.prefix.empty());
    EXPECT_TRUE(p.packet.hwheader.empty());
    EXPECT_EQ(p.packet.l3.size(), 20u);
}

TEST(NflogBatchReader, HardwareHeaderOnlyWhenEthernetSized) {
    struct Case {
        const char* description;
        std::size_t hw_len;
        std::size_t expected;
    };
    const Case cases[] = {
        {"none", 0, 0},
        {"too short for Ethernet", 13, 0},
        {"Ethernet", 14, 14},
        {"longer (kept whole)", 18, 18},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.description);
        NetlinkBuilder b;
        b.begin(test::kNflogPacketType).nfgen(2, 33).attr(NFULA_PAYLOAD, payload(0));
        if (c.hw_len > 0) {
            const std::vector<std::uint8_t> hw(c.hw_len, 0xEE);
            b.attr(NFULA_HWHEADER, hw).attr_be16(NFULA_HWLEN, static_cast<std::uint16_t>(c.hw_len));
        }
        b.end();
        NflogBatchReader reader(view(b));
        NflogPacket p;
        ASSERT_EQ(reader.next(p), Status::packet);
        EXPECT_EQ(p.packet.hwheader.size(), c.expected);
        if (c.expected > 0) {
            EXPECT_EQ(p.packet.hwheader[0], 0xEE);
        }
    }
}

TEST(NflogBatchReader, EmptyPayloadIsAPacketForTheParserToReject) {
    NetlinkBuilder b;
    b.begin(test::kNflogPacketType).nfgen(2, 33).attr(NFULA_PAYLOAD, nullptr, 0).end();
    NflogBatchReader reader(view(b));
    NflogPacket p;
    ASSERT_EQ(reader.next(p), Status::packet);
    EXPECT_TRUE(p.packet.l3.empty());
}

TEST(NflogBatchReader, MissingPayloadIsMalformedAndTheNextMessageStillDecodes) {
    NetlinkBuilder b;
    b.begin(test::kNflogPacketType).nfgen(2, 33).packet_hdr(0x0800, 1).attr_str(NFULA_PREFIX, "x");
    b.end();
    add_packet(b, {.seq = 8, .l3 = payload(0x55)});
    b.done();
    NflogBatchReader reader(view(b));
    NflogPacket p;
    EXPECT_EQ(reader.next(p), Status::malformed);
    ASSERT_EQ(reader.next(p), Status::packet);
    EXPECT_EQ(p.seq, 8u);
    EXPECT_EQ(p.packet.l3[1], 0x56);
    EXPECT_EQ(reader.next(p), Status::end);
}

// Messages that are broken in themselves; each is followed by a good packet that must decode.
struct MalformedCase {
    const char* description;
    void (*build)(NetlinkBuilder&);
};

const MalformedCase kMalformed[] = {
    {"no room for nfgenmsg",
     [](NetlinkBuilder& b) {
         // nlmsg_len 18 (header + 2 bytes), then the padding that keeps the next one aligned.
         b.begin(test::kNflogPacketType).raw({2, 0}).end(false).raw({0, 0});
     }},
    {"nfgenmsg only, no attributes",
     [](NetlinkBuilder& b) { b.begin(test::kNflogPacketType).nfgen(2, 33).end(); }},
    {"IFINDEX_INDEV of 2 bytes",
     [](NetlinkBuilder& b) {
         b.begin(test::kNflogPacketType).nfgen(2, 33).attr(NFULA_PAYLOAD, payload(0));
         b.attr_be16(NFULA_IFINDEX_INDEV, 7).end();
     }},
    {"SEQ of 8 bytes",
     [](NetlinkBuilder& b) {
         const std::uint8_t seq8[8] = {};
         b.begin(test::kNflogPacketType).nfgen(2, 33).attr(NFULA_PAYLOAD, payload(0));
         b.attr(NFULA_SEQ, seq8, sizeof seq8).end();
     }},
    {"PACKET_HDR too short",
     [](NetlinkBuilder& b) {
         b.begin(test::kNflogPacketType).nfgen(2, 33).attr_be16(NFULA_PACKET_HDR, 0x0800);
         b.attr(NFULA_PAYLOAD, payload(0)).end();
     }},
    {"PREFIX without NUL",
     [](NetlinkBuilder& b) {
         const std::uint8_t text[3] = {'a', 'b', 'c'};
         b.begin(test::kNflogPacketType).nfgen(2, 33).attr(NFULA_PAYLOAD, payload(0));
         b.attr(NFULA_PREFIX, text, sizeof text).end();
     }},
    {"payload attribute longer than its message",
     [](NetlinkBuilder& b) {
         // nla_len claims 76 bytes of payload, the message holds 4: the walk drops it.
         b.begin(test::kNflogPacketType).nfgen(2, 33).attr_header(NFULA_PAYLOAD, 76);
         b.raw({0x45, 0, 0, 76}).end();
     }},
    {"NLMSG_ERROR shorter than struct nlmsgerr",
     [](NetlinkBuilder& b) { b.begin(NLMSG_ERROR).raw_host32(0xFFFFFFFF).end(); }},
};

TEST(NflogBatchReader, MalformedMessagesAreReportedOnceThenSkipped) {
    for (const auto& c : kMalformed) {
        SCOPED_TRACE(c.description);
        NetlinkBuilder b;
        c.build(b);
        add_packet(b, {.seq = 77});
        b.done();
        NflogBatchReader reader(view(b));
        NflogPacket p;
        EXPECT_EQ(reader.next(p), Status::malformed);
        ASSERT_EQ(reader.next(p), Status::packet);
        EXPECT_EQ(p.seq, 77u);
        EXPECT_EQ(reader.next(p), Status::end);
    }
}

TEST(NflogBatchReader, ErrorMessageReportsPositiveErrno) {
    NetlinkBuilder b;
    b.error(-EPERM);
    add_packet(b, {.seq = 1});
    NflogBatchReader reader(view(b));
    NflogPacket p;
    ASSERT_EQ(reader.next(p), Status::error);
    EXPECT_EQ(reader.error_code(), EPERM);
    ASSERT_EQ(reader.next(p), Status::packet) << "the walk goes on after an error";
    EXPECT_EQ(reader.next(p), Status::end);
}

TEST(NflogBatchReader, ErrorCodeOfLastError) {
    NetlinkBuilder b;
    b.error(-EPERM).error(-ENOBUFS);
    NflogBatchReader reader(view(b));
    NflogPacket p;
    EXPECT_EQ(reader.error_code(), 0);
    ASSERT_EQ(reader.next(p), Status::error);
    EXPECT_EQ(reader.error_code(), EPERM);
    ASSERT_EQ(reader.next(p), Status::error);
    EXPECT_EQ(reader.error_code(), ENOBUFS);
}

TEST(NflogBatchReader, AckIsSkipped) {
    NetlinkBuilder b;
    b.error(0);
    add_packet(b, {.seq = 3});
    NflogBatchReader reader(view(b));
    NflogPacket p;
    ASSERT_EQ(reader.next(p), Status::packet);
    EXPECT_EQ(p.seq, 3u);
    EXPECT_EQ(reader.next(p), Status::end);
}

TEST(NflogBatchReader, OnlyAnAckIsEnd) {
    NetlinkBuilder b;
    b.error(0);
    EXPECT_EQ(statuses(view(b)), std::vector<Status>{Status::end});
}

TEST(NflogBatchReader, NoopDoneAndForeignTypesAreSkipped) {
    NetlinkBuilder b;
    b.begin(NLMSG_NOOP).end();
    b.begin(test::kNflogConfigType).nfgen(0, 33).attr_be32(NFULA_CFG_QTHRESH, 1).end();
    b.begin(static_cast<std::uint16_t>(test::kNflogPacketType + 0x100)).nfgen(2, 33).end();
    b.done();
    add_packet(b, {.seq = 4});
    b.done();
    EXPECT_EQ(statuses(view(b)), (std::vector<Status>{Status::packet, Status::end}));
}

TEST(NflogBatchReader, UnknownAttributeTypesAreIgnored) {
    NetlinkBuilder b;
    b.begin(test::kNflogPacketType).nfgen(2, 33).attr_be32(200, 0xDEADBEEF);
    b.attr(NFULA_PAYLOAD, payload(0)).attr_be32(NFULA_MAX + 1, 1).end();
    NflogBatchReader reader(view(b));
    NflogPacket p;
    ASSERT_EQ(reader.next(p), Status::packet);
    EXPECT_EQ(p.packet.l3.size(), 76u);
}

TEST(NflogBatchReader, ZeroLengthDatagram) {
    EXPECT_EQ(statuses(Bytes{}), std::vector<Status>{Status::end});
}

TEST(NflogBatchReader, TruncatedDatagram) {
    NetlinkBuilder b;
    add_packet(b, {.seq = 1});
    const std::size_t first_end = b.size();
    add_packet(b, {.seq = 2});
    b.done();
    // recv() cut inside the second message: its header says more than is there.
    const Bytes cut(b.bytes().data(), b.size() - 40);
    ASSERT_GT(cut.size(), first_end + sizeof(nlmsghdr));
    NflogBatchReader reader(cut);
    NflogPacket p;
    ASSERT_EQ(reader.next(p), Status::packet);
    EXPECT_EQ(p.seq, 1u);
    EXPECT_EQ(reader.next(p), Status::malformed) << "the cut message is reported once";
    EXPECT_EQ(reader.next(p), Status::end);
    EXPECT_EQ(reader.next(p), Status::end);
}

TEST(NflogBatchReader, TruncatedSingleMessage) {
    NetlinkBuilder b;
    add_packet(b, {});
    const Bytes cut(b.bytes().data(), b.size() - 1);
    EXPECT_EQ(statuses(cut), (std::vector<Status>{Status::malformed, Status::end}));
}

TEST(NflogBatchReader, TrailingBytesShorterThanAHeaderAreIgnored) {
    NetlinkBuilder b;
    add_packet(b, {});
    b.raw({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
    EXPECT_EQ(statuses(view(b)), (std::vector<Status>{Status::packet, Status::end}));
}

TEST(NflogBatchReader, TrailingGarbageIsMalformedOnce) {
    struct Case {
        const char* description;
        std::uint32_t nlmsg_len;
    };
    const Case cases[] = {
        {"length zero", 0},
        {"length below a header", 8},
        {"length past the datagram", 4096},
        {"length 2^31 (negative as an int)", 0x80000000u},
        {"length just below 2^32", 0xFFFFFFF0u},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.description);
        NetlinkBuilder b;
        add_packet(b, {});
        b.begin(test::kNflogPacketType).raw_host32(0xFFFFFFFF).end().set_len(c.nlmsg_len);
        EXPECT_EQ(statuses(view(b)),
                  (std::vector<Status>{Status::packet, Status::malformed, Status::end}));
    }
}

TEST(NflogBatchReader, LastMessageWithoutPaddingIsMalformed) {
    // The kernel pads every message; libmnl reads attributes up to the padded end, so an
    // unpadded last message would make it read past the datagram (found by fuzzing).
    NetlinkBuilder b;
    add_packet(b, {.seq = 1});
    b.begin(test::kNflogPacketType).nfgen(2, 33).attr_be32(NFULA_SEQ, 2);
    const auto l3 = payload(0, 3);
    b.attr(NFULA_PAYLOAD, l3.data(), l3.size(), false).end(false);  // nlmsg_len 4n + 3
    ASSERT_NE(b.size() % 4, 0u);
    NflogBatchReader reader(view(b));
    NflogPacket p;
    ASSERT_EQ(reader.next(p), Status::packet);
    EXPECT_EQ(p.seq, 1u);
    EXPECT_EQ(reader.next(p), Status::malformed);
    EXPECT_EQ(reader.next(p), Status::end);
}

TEST(NflogBatchReader, AttributeIntoTheMissingPaddingIsMalformed) {
    struct Case {
        const char* description;
        bool followed;  // another message after it (then the padding bytes exist)
        std::vector<Status> expected;
    };
    const Case cases[] = {
        {"last in the datagram", false, {Status::malformed, Status::end}},
        {"followed by a packet", true, {Status::malformed, Status::packet, Status::end}},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.description);
        NetlinkBuilder b;
        b.begin(test::kNflogPacketType).nfgen(2, 33).attr(NFULA_PAYLOAD, payload(0));
        // An attribute claiming 14 bytes with 13 inside nlmsg_len: it ends in the padding.
        b.attr_header(NFULA_HWHEADER, 14);
        b.raw({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}).end(false);
        ASSERT_EQ(b.size(), 117u);  // nlmsg_len 117: the attribute ends at 118, in the padding
        if (c.followed) {
            b.raw({0, 0, 0});
            add_packet(b, {});
        }
        EXPECT_EQ(statuses(view(b)), c.expected);
    }
}

TEST(NflogBatchReader, MisalignedDatagramIsRefused) {
    NetlinkBuilder b;
    add_packet(b, {});
    std::vector<std::uint8_t> shifted(b.size() + 1);
    std::copy(b.bytes().begin(), b.bytes().end(), shifted.begin() + 1);
    const Bytes dgram(shifted.data() + 1, b.size());
    EXPECT_EQ(statuses(dgram), (std::vector<Status>{Status::malformed, Status::end}));
}

TEST(NflogBatchReader, ManyMessagesInOneDatagram) {
    NetlinkBuilder b;
    for (std::uint32_t i = 0; i < 500; ++i) add_packet(b, {.seq = i});
    b.done();
    NflogBatchReader reader(view(b));
    NflogPacket p;
    std::uint32_t n = 0;
    while (reader.next(p) == Status::packet) {
        ASSERT_EQ(p.seq, n);
        ++n;
    }
    EXPECT_EQ(n, 500u);
}

TEST(NflogBatchReader, NoAllocationWhileReading) {
    NetlinkBuilder b;
    b.error(0);
    for (std::uint32_t i = 0; i < 20; ++i) add_packet(b, {.seq = i * 2});
    b.begin(test::kNflogPacketType).nfgen(2, 33).end();  // malformed
    b.error(-EPERM);
    b.done();
    b.raw({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});  // trailing garbage
    const Bytes dgram = view(b);

    std::size_t packets = 0, others = 0;
    std::uint64_t lost = 0;
    pmtud::testing::CountAllocations counter;
    NflogBatchReader reader(dgram);
    SeqTracker seq;
    NflogPacket p;
    for (Status s = reader.next(p); s != Status::end; s = reader.next(p)) {
        if (s == Status::packet) {
            ++packets;
            lost += seq.observe(p.seq);
        } else {
            ++others;
        }
    }
    EXPECT_EQ(counter.count(), 0u);
    EXPECT_EQ(packets, 20u);
    EXPECT_EQ(others, 3u);  // malformed, error, garbage
    EXPECT_EQ(lost, 19u);
}

// SeqTracker: {description, sequence numbers observed, lost returned for each}.
struct SeqCase {
    const char* description;
    std::vector<std::uint32_t> seqs;
    std::vector<std::uint64_t> expected_lost;
};

const SeqCase kSeqCases[] = {
    {"first seen counts nothing", {1000}, {0}},
    {"first seen zero", {0}, {0}},
    {"consecutive", {0, 1, 2, 3}, {0, 0, 0, 0}},
    {"one gap", {10, 13}, {0, 2}},
    {"gaps add up", {1, 3, 10, 11}, {0, 1, 6, 0}},
    {"wrap without loss", {0xFFFFFFFE, 0xFFFFFFFF, 0, 1}, {0, 0, 0, 0}},
    {"loss across the wrap", {0xFFFFFFFE, 1}, {0, 2}},
    {"restart resynchronises", {5000, 0, 1, 5}, {0, 0, 0, 3}},
    {"repeated number is a restart", {7, 7, 8}, {0, 0, 0}},
    {"largest forward gap is a loss", {0, 0x80000000}, {0, 0x7FFFFFFF}},
    {"half-way round is a restart", {0, 0x80000001}, {0, 0}},
};

TEST(SeqTracker, CountsGaps) {
    for (const auto& c : kSeqCases) {
        SCOPED_TRACE(c.description);
        ASSERT_EQ(c.seqs.size(), c.expected_lost.size());
        SeqTracker t;
        for (std::size_t i = 0; i < c.seqs.size(); ++i) {
            EXPECT_EQ(t.observe(c.seqs[i]), c.expected_lost[i]) << "at index " << i;
        }
    }
}

}  // namespace
}  // namespace pmtud
