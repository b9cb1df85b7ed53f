#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/peers.hpp"

namespace pmtud {
namespace {

AddressList list_of(std::string_view text) {
    AddressList list;
    std::string error;
    EXPECT_TRUE(parse_peer_list(text, list, error)) << error;
    return list;
}

// n distinct addresses in 198.51.100.0/24 and 203.0.113.0/24, then 2001:db8::/32, each
// followed by separator, except the last one when it is a comma.
std::string many_peers_text(std::size_t n, char separator) {
    std::string text;
    for (std::size_t i = 0; i < n; ++i) {
        if (i > 0) text += separator;
        if (i < 500) {
            text += (i < 250 ? "198.51.100." : "203.0.113.") + std::to_string(i % 250 + 1);
        } else {
            text += "2001:db8::" + std::to_string(i);
        }
    }
    if (separator != ',') text += separator;
    return text;
}

struct GoodListCase {
    const char* description;
    const char* input;
    const char* expected_lines;  // render_peer_lines of the result
};

const GoodListCase kGoodLists[] = {
    {"empty", "", ""},
    {"only spaces", "   ", ""},
    {"one v4", "192.0.2.1", "192.0.2.1\n"},
    {"one v6", "2001:db8::1", "2001:db8::1\n"},
    {"v4 before v6, each sorted", "2001:db8::2, 203.0.113.5,2001:db8::1 , 192.0.2.9",
     "192.0.2.9\n203.0.113.5\n2001:db8::1\n2001:db8::2\n"},
    {"sorted by value, not text", "192.0.2.10,192.0.2.9", "192.0.2.9\n192.0.2.10\n"},
    {"duplicates kept once", "192.0.2.1,192.0.2.1, 192.0.2.1", "192.0.2.1\n"},
    {"v6 spellings normalized and deduplicated", "2001:DB8:0:0::1,2001:db8::1,2001:0db8::0001",
     "2001:db8::1\n"},
    {"tabs around items", "\t192.0.2.1\t,\t192.0.2.2", "192.0.2.1\n192.0.2.2\n"},
    {"IPv4-compatible v6 is not mapped", "::192.0.2.1", "::192.0.2.1\n"},
    {"edges of the refused classes",
     "126.255.255.255,128.0.0.1,169.253.255.255,223.255.255.255,"
     "240.0.0.1,255.255.255.254,0.0.0.1,fe7f::1,fec0::1,feff::1,::2,::fffe:0:1",
     "0.0.0.1\n126.255.255.255\n128.0.0.1\n169.253.255.255\n223.255.255.255\n240.0.0.1\n"
     "255.255.255.254\n::2\n::fffe:0:1\nfe7f::1\nfec0::1\nfeff::1\n"},
};

TEST(ParsePeerList, AcceptsGoodLists) {
    for (const auto& c : kGoodLists) {
        SCOPED_TRACE(c.description);
        AddressList list = list_of("203.0.113.99");  // replaced, not added to
        std::string error;
        ASSERT_TRUE(parse_peer_list(c.input, list, error)) << error;
        EXPECT_EQ(render_peer_lines(list), c.expected_lines);
    }
}

struct BadListCase {
    const char* description;
    std::string input;
    const char* expected_error;
};

const BadListCase kBadLists[] = {
    {"not an address", "server-a", "\"server-a\" is not an IPv4 or IPv6 address"},
    {"a prefix", "192.0.2.0/24", "\"192.0.2.0/24\" is not an IPv4 or IPv6 address"},
    {"a zone index", "fe80::1%eth0", "\"fe80::1%eth0\" is not an IPv4 or IPv6 address"},
    {"leading zero in v4", "192.0.2.01", "\"192.0.2.01\" is not an IPv4 or IPv6 address"},
    {"three parts", "192.0.2", "\"192.0.2\" is not an IPv4 or IPv6 address"},
    {"octet over 255", "192.0.2.256", "\"192.0.2.256\" is not an IPv4 or IPv6 address"},
    {"space inside", "192.0.2.1 192.0.2.2",
     "\"192.0.2.1 192.0.2.2\" is not an IPv4 or IPv6 address"},
    {"bracketed v6", "[2001:db8::1]", "\"[2001:db8::1]\" is not an IPv4 or IPv6 address"},
    {"NUL inside", std::string("192.0.2.1\0x", 11),
     "\"192.0.2.1\\x00x\" is not an IPv4 or IPv6 address"},
    {"v4 loopback", "127.0.0.1", "\"127.0.0.1\" is a loopback address (127.0.0.0/8)"},
    {"v4 loopback, top of the block", "127.255.255.254",
     "\"127.255.255.254\" is a loopback address (127.0.0.0/8)"},
    {"v6 loopback", "::1", "\"::1\" is a loopback address (::1)"},
    {"v4 link-local", "169.254.1.1", "\"169.254.1.1\" is a link-local address (169.254.0.0/16)"},
    {"v6 link-local", "fe80::1", "\"fe80::1\" is a link-local address (fe80::/10)"},
    {"v6 link-local, top of fe80::/10", "febf::1",
     "\"febf::1\" is a link-local address (fe80::/10)"},
    {"v4 multicast", "224.0.0.1", "\"224.0.0.1\" is a multicast address (224.0.0.0/4)"},
    {"v4 multicast, top", "239.255.255.255",
     "\"239.255.255.255\" is a multicast address (224.0.0.0/4)"},
    {"v6 multicast", "ff02::1", "\"ff02::1\" is a multicast address (ff00::/8)"},
    {"v4 unspecified", "0.0.0.0", "\"0.0.0.0\" is the unspecified address (0.0.0.0)"},
    {"v6 unspecified", "::", "\"::\" is the unspecified address (::)"},
    {"limited broadcast", "255.255.255.255",
     "\"255.255.255.255\" is the limited broadcast address (255.255.255.255)"},
    {"v4-mapped", "::ffff:192.0.2.1",
     "\"::ffff:192.0.2.1\" is an IPv4-mapped IPv6 address (::ffff:0:0/96; list the IPv4 address "
     "instead)"},
    {"the error names the bad item, not the first", "192.0.2.1, 127.0.0.2",
     "\"127.0.0.2\" is a loopback address (127.0.0.0/8)"},
    {"empty item", "192.0.2.1,,192.0.2.2", "element 2 of \"192.0.2.1,,192.0.2.2\" is empty"},
    {"trailing comma", "192.0.2.1,", "element 2 of \"192.0.2.1,\" is empty"},
    {"a long value is cut", std::string(100, 'a'),
     "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\" is not an IPv4 or "
     "IPv6 address"},
    {"4097 peers", many_peers_text(4097, ','), "4097 peers (at most 4096)"},
};

TEST(ParsePeerList, RefusesWithOneLine) {
    for (const auto& c : kBadLists) {
        SCOPED_TRACE(c.description);
        AddressList list = list_of("192.0.2.77");
        const AddressList before = list;
        std::string error;
        EXPECT_FALSE(parse_peer_list(c.input, list, error));
        EXPECT_EQ(error, c.expected_error);
        EXPECT_EQ(error.find('\n'), std::string::npos);
        EXPECT_EQ(list, before) << "a refused list must leave the old one";
    }
}

TEST(ParsePeerList, ExactlyTheLimitIsFine) {
    std::string text = many_peers_text(4096, ',');
    // A duplicate does not count twice.
    text += ",198.51.100.1";
    AddressList list;
    std::string error;
    ASSERT_TRUE(parse_peer_list(text, list, error)) << error;
    EXPECT_EQ(list.size(), kMaxPeers);
    EXPECT_EQ(list.v4.size(), 500u);
}

struct FileCase {
    const char* description;
    std::string input;
    bool ok;
    int expected_line;     // when refused
    const char* expected;  // lines when accepted, the error when refused
};

const FileCase kFiles[] = {
    {"empty file", "", true, 0, ""},
    {"comments and blank lines only", "# fleet\n\n   \n\t# more\n", true, 0, ""},
    {"one per line, spaces and comments", "  192.0.2.1  \n2001:db8::1 # server b\n#192.0.2.3\n",
     true, 0, "192.0.2.1\n2001:db8::1\n"},
    {"CRLF", "192.0.2.2\r\n192.0.2.1\r\n", true, 0, "192.0.2.1\n192.0.2.2\n"},
    {"no newline at the end", "192.0.2.1\n192.0.2.2", true, 0, "192.0.2.1\n192.0.2.2\n"},
    {"duplicates", "192.0.2.1\n192.0.2.1\n", true, 0, "192.0.2.1\n"},
    {"bad address names its line", "192.0.2.1\n\n# x\nbogus\n", false, 4,
     "\"bogus\" is not an IPv4 or IPv6 address"},
    {"two on one line", "192.0.2.1 192.0.2.2\n", false, 1,
     "\"192.0.2.1 192.0.2.2\" is not an IPv4 or IPv6 address"},
    {"commas are not the file's separator", "192.0.2.1,192.0.2.2\n", false, 1,
     "\"192.0.2.1,192.0.2.2\" is not an IPv4 or IPv6 address"},
    {"refused class", "192.0.2.1\n::1\n", false, 2, "\"::1\" is a loopback address (::1)"},
    {"binary", "192.0.2.1\n\x01\xff\x1b[0m\n", false, 2,
     "\"\\x01\\xff\\x1b[0m\" is not an IPv4 or IPv6 address"},
    {"4097 lines", many_peers_text(4097, '\n'), false, 0, "4097 peers (at most 4096)"},
    {"4096 lines and duplicates", many_peers_text(4096, '\n') + "198.51.100.1\n", true, 0, nullptr},
};

TEST(ParsePeersFile, Table) {
    for (const auto& c : kFiles) {
        SCOPED_TRACE(c.description);
        AddressList list = list_of("192.0.2.77");
        const AddressList before = list;
        PeersFileError error;
        const bool ok = parse_peers_file(c.input, list, error);
        ASSERT_EQ(ok, c.ok) << error.line << ": " << error.message;
        if (ok) {
            if (c.expected != nullptr) {
                EXPECT_EQ(render_peer_lines(list), c.expected);
            }
            EXPECT_LE(list.size(), kMaxPeers);
        } else {
            EXPECT_EQ(error.line, c.expected_line);
            EXPECT_EQ(error.message, c.expected);
            EXPECT_EQ(list, before);
        }
    }
}

TEST(MergePeers, UnionDeduplicatedAndBounded) {
    AddressList out;
    std::string error;
    ASSERT_TRUE(
        merge_peers(list_of("192.0.2.2,2001:db8::2"), list_of("192.0.2.1,192.0.2.2"), out, error));
    EXPECT_EQ(render_peer_lines(out), "192.0.2.1\n192.0.2.2\n2001:db8::2\n");

    const AddressList full = list_of(many_peers_text(4096, ','));
    ASSERT_TRUE(merge_peers(full, list_of("198.51.100.1"), out, error)) << "a duplicate is free";
    EXPECT_EQ(out.size(), 4096u);
    out = list_of("192.0.2.1");
    EXPECT_FALSE(merge_peers(full, list_of("192.0.2.200"), out, error));
    EXPECT_EQ(error, "4097 peers (at most 4096) in all");
    EXPECT_EQ(out, list_of("192.0.2.1"));
}

TEST(PeersText, RendersRoundTrip) {
    const AddressList list = list_of("2001:db8::a, 192.0.2.3, 203.0.113.1, 2001:db8:1::");
    EXPECT_EQ(join_peers(list), "192.0.2.3,203.0.113.1,2001:db8::a,2001:db8:1::");
    EXPECT_EQ(list_of(join_peers(list)), list);
    AddressList again;
    PeersFileError error;
    ASSERT_TRUE(parse_peers_file(render_peer_lines(list), again, error));
    EXPECT_EQ(again, list);
    EXPECT_EQ(join_peers(AddressList{}), "");
}

TEST(AddressList, Contains) {
    const AddressList list = list_of("192.0.2.1,192.0.2.5,2001:db8::1");
    const std::uint8_t in4[4] = {192, 0, 2, 5}, out4[4] = {192, 0, 2, 4};
    Ipv6Addr in6{0x20, 0x01, 0x0d, 0xb8};
    in6[15] = 1;
    Ipv6Addr out6 = in6;
    out6[15] = 2;
    EXPECT_TRUE(list.contains(Family::v4, in4));
    EXPECT_FALSE(list.contains(Family::v4, out4));
    EXPECT_TRUE(list.contains(Family::v6, in6.data()));
    EXPECT_FALSE(list.contains(Family::v6, out6.data()));
    EXPECT_FALSE(AddressList{}.contains(Family::v4, in4));
}

struct SelectCase {
    const char* description;
    const char* peers;
    const char* own;
    const char* expected_targets;
    std::size_t expected_skipped;
    const char* expected_source_v4;  // "" = none
    const char* expected_source_v6;
};

const SelectCase kSelect[] = {
    {"no own address listed", "192.0.2.1,192.0.2.2", "198.51.100.9", "192.0.2.1,192.0.2.2", 0, "",
     ""},
    {"own v4 skipped and used as source", "192.0.2.1,192.0.2.2,192.0.2.3", "192.0.2.2",
     "192.0.2.1,192.0.2.3", 1, "192.0.2.2", ""},
    {"two own listed: the lowest is the source", "192.0.2.1,192.0.2.7,192.0.2.9",
     "192.0.2.9,192.0.2.7", "192.0.2.1", 2, "192.0.2.7", ""},
    {"per family", "192.0.2.1,2001:db8::1,2001:db8::2", "2001:db8::2,192.0.2.200",
     "192.0.2.1,2001:db8::1", 1, "", "2001:db8::2"},
    {"both families", "192.0.2.1,192.0.2.2,2001:db8::1,2001:db8::2", "192.0.2.1,2001:db8::1",
     "192.0.2.2,2001:db8::2", 2, "192.0.2.1", "2001:db8::1"},
    {"only ourselves", "192.0.2.1", "192.0.2.1", "", 1, "192.0.2.1", ""},
    {"empty list", "", "192.0.2.1", "", 0, "", ""},
};

TEST(SelectPeers, SkipsOwnAddresses) {
    for (const auto& c : kSelect) {
        SCOPED_TRACE(c.description);
        const PeerSelection s = select_peers(list_of(c.peers), list_of(c.own));
        EXPECT_EQ(join_peers(s.targets), c.expected_targets);
        EXPECT_EQ(s.own_skipped, c.expected_skipped);
        EXPECT_EQ(s.source_v4 ? format_address(*s.source_v4) : "", c.expected_source_v4);
        EXPECT_EQ(s.source_v6 ? format_address(*s.source_v6) : "", c.expected_source_v6);
    }
}

}  // namespace
}  // namespace pmtud
