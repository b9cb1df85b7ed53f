#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/ports.hpp"

namespace pmtud {
namespace {

struct GoodPortsCase {
    const char* description;
    const char* input;
    std::size_t expected_count;
    const char* expected_text;  // to_string() of the result
};

const GoodPortsCase kGoodPorts[] = {
    {"empty text is the empty set", "", 0, ""},
    {"one port", "443", 1, "443"},
    {"port zero", "0", 1, "0"},
    {"highest port", "65535", 1, "65535"},
    {"list", "80,443", 2, "80,443"},
    {"list is sorted", "443,80", 2, "80,443"},
    {"range", "8000-8999", 1000, "8000-8999"},
    {"single-port range", "22-22", 1, "22"},
    {"whole range", "0-65535", 65536, "0-65535"},
    {"mixed", "80,443,8000-8999", 1002, "80,443,8000-8999"},
    {"spaces after commas", "80, 443,  8000-8001", 4, "80,443,8000-8001"},
    {"duplicates counted once", "80,80,79-81", 3, "79-81"},
    {"adjacent ports merge", "1,2,3,5", 4, "1-3,5"},
    {"overlapping ranges merge", "10-20,15-30", 21, "10-30"},
    {"touching ranges merge", "10-19,20-29", 20, "10-29"},
    {"leading zeros are decimal", "080", 1, "80"},
};

TEST(ParsePorts, AcceptsGoodLists) {
    for (const auto& c : kGoodPorts) {
        SCOPED_TRACE(c.description);
        PortSet set;
        set.allow(1, 1);  // must be replaced, not added to
        std::string error;
        ASSERT_TRUE(parse_ports(c.input, set, error)) << error;
        EXPECT_EQ(set.count(), c.expected_count);
        EXPECT_EQ(set.empty(), c.expected_count == 0);
        EXPECT_EQ(set.to_string(), c.expected_text);
        EXPECT_TRUE(error.empty());
    }
}

struct BadPortsCase {
    const char* description;
    const char* input;
    const char* expected_error;
};

const BadPortsCase kBadPorts[] = {
    {"empty element", "80,,443", "element 2 of \"80,,443\" is empty"},
    {"trailing comma", "80,", "element 2 of \"80,\" is empty"},
    {"leading comma", ",80", "element 1 of \",80\" is empty"},
    {"only a comma", ",", "element 1 of \",\" is empty"},
    {"space only after comma", "80, ", "element 2 of \"80, \" is empty"},
    {"non-digits", "http", "\"http\" is not a port or range LO-HI in 0..65535"},
    {"digits then letters", "80a", "\"80a\" is not a port or range LO-HI in 0..65535"},
    {"above 65535", "65536", "\"65536\" is not a port or range LO-HI in 0..65535"},
    {"huge number", "99999999999999999999",
     "\"99999999999999999999\" is not a port or range LO-HI in 0..65535"},
    {"range end above 65535", "1-70000", "\"1-70000\" is not a port or range LO-HI in 0..65535"},
    {"reversed range", "9000-8000", "\"9000-8000\" is a range whose start is greater than its end"},
    {"reversed by one", "81-80", "\"81-80\" is a range whose start is greater than its end"},
    {"leading plus", "+80", "\"+80\" is not a port or range LO-HI in 0..65535"},
    {"leading minus", "-80", "\"-80\" is not a port or range LO-HI in 0..65535"},
    {"open range", "80-", "\"80-\" is not a port or range LO-HI in 0..65535"},
    {"double range", "1-2-3", "\"1-2-3\" is not a port or range LO-HI in 0..65535"},
    {"space before comma", "80 ,443", "\"80 \" is not a port or range LO-HI in 0..65535"},
    {"leading space", " 80", "\" 80\" is not a port or range LO-HI in 0..65535"},
    {"space in range", "80 - 90", "\"80 - 90\" is not a port or range LO-HI in 0..65535"},
    {"bad element after good ones", "80,443,x", "\"x\" is not a port or range LO-HI in 0..65535"},
};

TEST(ParsePorts, RejectsBadListsNamingTheElement) {
    for (const auto& c : kBadPorts) {
        SCOPED_TRACE(c.description);
        PortSet set;
        set.allow(7, 7);
        const PortSet before = set;
        std::string error;
        EXPECT_FALSE(parse_ports(c.input, set, error));
        EXPECT_EQ(error, c.expected_error);
        EXPECT_EQ(error.find('\n'), std::string::npos);
        EXPECT_EQ(set, before) << "a failed parse must leave the set alone";
    }
}

TEST(PortSet, StartsEmptyAndAllowsNothing) {
    const PortSet set;
    EXPECT_TRUE(set.empty());
    EXPECT_EQ(set.count(), 0u);
    EXPECT_FALSE(set.allows(0));
    EXPECT_FALSE(set.allows(65535));
    EXPECT_EQ(set.to_string(), "");
}

TEST(PortSet, AllowsExactlyTheRangeEnds) {
    PortSet set;
    set.allow(100, 200);
    EXPECT_FALSE(set.allows(99));
    EXPECT_TRUE(set.allows(100));
    EXPECT_TRUE(set.allows(150));
    EXPECT_TRUE(set.allows(200));
    EXPECT_FALSE(set.allows(201));
    EXPECT_EQ(set.count(), 101u);
}

TEST(PortSet, BoundaryPorts) {
    PortSet set;
    set.allow(0, 0);
    set.allow(65535, 65535);
    EXPECT_TRUE(set.allows(0));
    EXPECT_TRUE(set.allows(65535));
    EXPECT_FALSE(set.allows(1));
    EXPECT_EQ(set.count(), 2u);
    EXPECT_EQ(set.to_string(), "0,65535");
}

TEST(PortSet, ReversedRangeIsIgnored) {
    PortSet set;
    set.allow(20, 10);
    EXPECT_TRUE(set.empty());
}

TEST(PortSet, EqualityComparesMembers) {
    PortSet a, b;
    a.allow(80, 81);
    b.allow(81, 81);
    EXPECT_NE(a, b);
    b.allow(80, 80);
    EXPECT_EQ(a, b);
}

TEST(PortSet, ToStringRoundTrips) {
    const std::vector<std::string> inputs = {"1,3,5-9,1000-2000,65534-65535", "0-65535", "22"};
    for (const auto& text : inputs) {
        PortSet first, second;
        std::string error;
        ASSERT_TRUE(parse_ports(text, first, error)) << error;
        ASSERT_TRUE(parse_ports(first.to_string(), second, error)) << error;
        EXPECT_EQ(first, second) << text;
        EXPECT_EQ(second.to_string(), text);
    }
}

}  // namespace
}  // namespace pmtud
