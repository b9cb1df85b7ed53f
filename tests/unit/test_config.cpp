#include <gtest/gtest.h>

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "core/config.hpp"

namespace pmtud {

// Readable failure output: gtest would otherwise dump the 8 KiB port bitset as bytes.
void PrintTo(const Config& c, std::ostream* os) {
    *os << "\n" << render_config(c);
}

namespace {

PortSet ports_of(std::string_view text) {
    PortSet set;
    std::string error;
    EXPECT_TRUE(parse_ports(text, set, error)) << error;
    return set;
}

struct GoodConfigCase {
    const char* description;
    const char* input;
    std::function<void(Config&)> expected;  // applied to the defaults
};

const std::vector<GoodConfigCase>& good_config_cases() {
    static const std::vector<GoodConfigCase> cases = {
        {"empty file", "", [](Config&) {}},
        {"only blank lines and comments", "\n   \n# a comment\n\t# indented\n", [](Config&) {}},
        {"group", "group = 7", [](Config& c) { c.group = 7; }},
        {"group 0", "group = 0", [](Config& c) { c.group = 0; }},
        {"group 65535", "group = 65535", [](Config& c) { c.group = 65535; }},
        {"one iface", "ifaces = eth0", [](Config& c) { c.ifaces = {"eth0"}; }},
        {"two ifaces", "ifaces = eth0,eth1",
         [](Config& c) {
             c.ifaces = {"eth0", "eth1"};
         }},
        {"ifaces with spaces", "ifaces = eth0 , eth1",
         [](Config& c) {
             c.ifaces = {"eth0", "eth1"};
         }},
        {"15-byte iface", "ifaces = abcdefghijklmno",
         [](Config& c) { c.ifaces = {"abcdefghijklmno"}; }},
        {"iface with dots and dashes", "ifaces = br-lan.10,veth-a_b",
         [](Config& c) {
             c.ifaces = {"br-lan.10", "veth-a_b"};
         }},
        {"repeated iface kept once, first position", "ifaces = eth1,eth0,eth1",
         [](Config& c) {
             c.ifaces = {"eth1", "eth0"};
         }},
        {"empty ifaces", "ifaces =", [](Config& c) { c.ifaces.clear(); }},
        {"mode host", "mode = host", [](Config& c) { c.mode = Mode::host; }},
        {"mode router", "mode = router", [](Config& c) { c.mode = Mode::router; }},
        {"src_rate per minute", "src_rate = 30/minute",
         [](Config& c) { c.src_rate = "30/minute"; }},
        {"src_rate per hour", "src_rate = 5/hour", [](Config& c) { c.src_rate = "5/hour"; }},
        {"src_rate per day", "src_rate = 1000000/day",
         [](Config& c) { c.src_rate = "1000000/day"; }},
        {"bare src_rate means per second", "src_rate = 5",
         [](Config& c) { c.src_rate = "5/second"; }},
        {"bare ceiling_rate", "ceiling_rate = 010",
         [](Config& c) { c.ceiling_rate = "10/second"; }},
        {"src_rate normalized", "src_rate = 007/second",
         [](Config& c) { c.src_rate = "7/second"; }},
        {"src_burst", "src_burst = 1", [](Config& c) { c.src_burst = 1; }},
        {"src_burst max", "src_burst = 1000000", [](Config& c) { c.src_burst = 1000000; }},
        {"v6_prefix 1", "v6_prefix = 1", [](Config& c) { c.v6_prefix = 1; }},
        {"v6_prefix 128", "v6_prefix = 128", [](Config& c) { c.v6_prefix = 128; }},
        {"ceiling_rate", "ceiling_rate = 2000/second",
         [](Config& c) { c.ceiling_rate = "2000/second"; }},
        {"ceiling_burst", "ceiling_burst = 300", [](Config& c) { c.ceiling_burst = 300; }},
        {"strict yes", "strict = yes", [](Config& c) { c.strict = true; }},
        {"strict true", "strict = true", [](Config& c) { c.strict = true; }},
        {"strict on", "strict = on", [](Config& c) { c.strict = true; }},
        {"strict 1", "strict = 1", [](Config& c) { c.strict = true; }},
        {"strict no over yes", "strict = yes\nstrict = no", [](Config& c) { c.strict = false; }},
        {"strict false", "strict = yes\nstrict = false", [](Config& c) { c.strict = false; }},
        {"strict off", "strict = yes\nstrict = off", [](Config& c) { c.strict = false; }},
        {"strict 0", "strict = yes\nstrict = 0", [](Config& c) { c.strict = false; }},
        {"ports", "ports = 80,443,8000-8999",
         [](Config& c) { c.ports = ports_of("80,443,8000-8999"); }},
        {"ports with spaces after commas", "ports = 80, 443",
         [](Config& c) { c.ports = ports_of("80,443"); }},
        {"empty ports", "ports =", [](Config& c) { c.ports = PortSet{}; }},
        {"iface_rate", "iface_rate = 1000000", [](Config& c) { c.iface_rate = 1000000; }},
        {"iface_burst", "iface_burst = 1", [](Config& c) { c.iface_burst = 1; }},
        {"use_src yes", "use_src = yes", [](Config& c) { c.use_src = true; }},
        {"use_src no", "use_src = no", [](Config& c) { c.use_src = false; }},
        {"verbose 0", "verbose = 0", [](Config& c) { c.verbose = 0; }},
        {"verbose 3", "verbose = 3", [](Config& c) { c.verbose = 3; }},
        {"no spaces around =", "group=9", [](Config& c) { c.group = 9; }},
        {"tabs and spaces", " \tgroup\t =\t 9 \t", [](Config& c) { c.group = 9; }},
        {"trailing comment", "group = 9 # the NFLOG group", [](Config& c) { c.group = 9; }},
        {"comment right after value", "group = 9#x", [](Config& c) { c.group = 9; }},
        {"comment hides an equals sign", "# group = 1\ngroup = 2", [](Config& c) { c.group = 2; }},
        {"empty value then comment", "ports = # all ports", [](Config& c) { c.ports = PortSet{}; }},
        {"CRLF line ends", "group = 5\r\nverbose = 2\r\n",
         [](Config& c) {
             c.group = 5;
             c.verbose = 2;
         }},
        {"no newline at end", "group = 5\nverbose = 2",
         [](Config& c) {
             c.group = 5;
             c.verbose = 2;
         }},
        {"duplicate key: last wins", "group = 1\ngroup = 2\ngroup = 3",
         [](Config& c) { c.group = 3; }},
        {"duplicate ifaces replace, not append", "ifaces = a,b\nifaces = c",
         [](Config& c) { c.ifaces = {"c"}; }},
        {"duplicate ports replace, not merge", "ports = 80\nports = 443",
         [](Config& c) { c.ports = ports_of("443"); }},
    };
    return cases;
}

TEST(ParseConfig, AcceptsGoodFiles) {
    for (const auto& c : good_config_cases()) {
        SCOPED_TRACE(c.description);
        Config expected;
        c.expected(expected);
        Config parsed;
        ConfigError error;
        ASSERT_TRUE(parse_config(c.input, parsed, error))
            << "line " << error.line << ": " << error.message;
        EXPECT_EQ(parsed, expected);
    }
}

struct BadConfigCase {
    const char* description;
    const char* input;
    int expected_line;
    const char* expected_message;
};

const BadConfigCase kBadConfig[] = {
    {"unknown key", "group = 3\n\nprots = 80\n", 3, "unknown key \"prots\""},
    {"unknown key after comments", "# header\n# more\nfoo = 1", 3, "unknown key \"foo\""},
    {"key is case-sensitive", "Group = 1", 1, "unknown key \"Group\""},
    {"line without =", "group 33", 1, "expected \"key = value\", got \"group 33\""},
    {"lone word", "\n\nstrict\n", 3, "expected \"key = value\", got \"strict\""},
    {"missing key", " = 5", 1, "missing key before \"=\" in \"= 5\""},
    {"= only inside a comment", "group # = 5", 1, "expected \"key = value\", got \"group\""},
    {"binary bytes are shown escaped, the line stays readable",
     "group = 1\n\x01\x02garb\x1b[31mage\xff\n", 2,
     "expected \"key = value\", got \"\\x01\\x02garb\\x1b[31mage\\xff\""},
    {"a long line is cut",
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaa",
     1,
     "expected \"key = value\", got "
     "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\""},
    {"group empty", "group =", 1, "group: \"\" is not an integer in 0..65535"},
    {"group too big", "group = 65536", 1, "group: \"65536\" is not an integer in 0..65535"},
    {"group negative", "group = -1", 1, "group: \"-1\" is not an integer in 0..65535"},
    {"group plus sign", "group = +1", 1, "group: \"+1\" is not an integer in 0..65535"},
    {"group hex", "group = 0x21", 1, "group: \"0x21\" is not an integer in 0..65535"},
    {"group overflow", "group = 4294967296", 1,
     "group: \"4294967296\" is not an integer in 0..65535"},
    {"group two words", "group = 3 4", 1, "group: \"3 4\" is not an integer in 0..65535"},
    {"iface with slash", "ifaces = eth0/1", 1,
     "ifaces: \"eth0/1\" is not an interface name (1..15 printable ASCII characters, none of / : , "
     "# "
     "\" \\ *, not . or ..)"},
    {"burst overflowing the kernel's token count", "src_rate = 1/day\nsrc_burst = 106752", 0,
     "src_rate/src_burst: a burst of 106752 at 1/day overflows the kernel's 64-bit token count"},
    {"the ceiling pair is checked too", "ceiling_rate = 1/day\nceiling_burst = 106752", 0,
     "ceiling_rate/ceiling_burst: a burst of 106752 at 1/day overflows the kernel's 64-bit token "
     "count"},
    {"iface with colon", "ifaces = eth0:1", 1,
     "ifaces: \"eth0:1\" is not an interface name (1..15 printable ASCII characters, none of / : , "
     "# "
     "\" \\ *, not . or ..)"},
    {"iface too long", "ifaces = abcdefghijklmnop", 1,
     "ifaces: \"abcdefghijklmnop\" is not an interface name (1..15 printable ASCII characters, "
     "none of / : , # "
     "\" \\ *, not . or ..)"},
    {"iface dot", "ifaces = .", 1,
     "ifaces: \".\" is not an interface name (1..15 printable ASCII characters, none of / : , # "
     "\" \\ *, not . or ..)"},
    {"iface with a space inside", "ifaces = eth 0", 1,
     "ifaces: \"eth 0\" is not an interface name (1..15 printable ASCII characters, none of / : , "
     "# "
     "\" \\ *, not . or ..)"},
    {"iface trailing comma", "ifaces = eth0,", 1, "ifaces: element 2 of \"eth0,\" is empty"},
    {"iface empty element", "ifaces = a,,b", 1, "ifaces: element 2 of \"a,,b\" is empty"},
    {"mode bad", "mode = bridge", 1, "mode: \"bridge\" is not host or router"},
    {"mode uppercase", "mode = Host", 1, "mode: \"Host\" is not host or router"},
    {"mode empty", "mode =", 1, "mode: \"\" is not host or router"},
    {"src_rate zero", "src_rate = 0/second", 1,
     "src_rate: \"0/second\" is not a rate N/second|minute|hour|day with N in 1..1000000"},
    {"src_rate too high", "src_rate = 1000001/second", 1,
     "src_rate: \"1000001/second\" is not a rate N/second|minute|hour|day with N in 1..1000000"},
    {"src_rate bad unit", "src_rate = 5/week", 1,
     "src_rate: \"5/week\" is not a rate N/second|minute|hour|day with N in 1..1000000"},
    {"src_rate bare zero", "src_rate = 0", 1,
     "src_rate: \"0\" is not a rate N/second|minute|hour|day with N in 1..1000000"},
    {"src_rate unit only", "src_rate = second", 1,
     "src_rate: \"second\" is not a rate N/second|minute|hour|day with N in 1..1000000"},
    {"src_rate empty unit", "src_rate = 5/", 1,
     "src_rate: \"5/\" is not a rate N/second|minute|hour|day with N in 1..1000000"},
    {"src_rate no number", "src_rate = /second", 1,
     "src_rate: \"/second\" is not a rate N/second|minute|hour|day with N in 1..1000000"},
    {"src_rate spaces", "src_rate = 5 / second", 1,
     "src_rate: \"5 / second\" is not a rate N/second|minute|hour|day with N in 1..1000000"},
    {"src_rate plural", "src_rate = 5/seconds", 1,
     "src_rate: \"5/seconds\" is not a rate N/second|minute|hour|day with N in 1..1000000"},
    {"src_burst zero", "src_burst = 0", 1, "src_burst: \"0\" is not an integer in 1..1000000"},
    {"src_burst too big", "src_burst = 1000001", 1,
     "src_burst: \"1000001\" is not an integer in 1..1000000"},
    {"v6_prefix zero", "v6_prefix = 0", 1, "v6_prefix: \"0\" is not an integer in 1..128"},
    {"v6_prefix 129", "v6_prefix = 129", 1, "v6_prefix: \"129\" is not an integer in 1..128"},
    {"v6_prefix with slash", "v6_prefix = /64", 1,
     "v6_prefix: \"/64\" is not an integer in 1..128"},
    {"ceiling_rate bad", "ceiling_rate = fast", 1,
     "ceiling_rate: \"fast\" is not a rate N/second|minute|hour|day with N in 1..1000000"},
    {"ceiling_burst zero", "ceiling_burst = 0", 1,
     "ceiling_burst: \"0\" is not an integer in 1..1000000"},
    {"strict bad", "strict = maybe", 1,
     "strict: \"maybe\" is not yes or no (or true/false, on/off, 1/0)"},
    {"strict uppercase", "strict = YES", 1,
     "strict: \"YES\" is not yes or no (or true/false, on/off, 1/0)"},
    {"strict empty", "strict =", 1, "strict: \"\" is not yes or no (or true/false, on/off, 1/0)"},
    {"ports bad", "ports = 80,http", 1, "ports: \"http\" is not a port or range LO-HI in 0..65535"},
    {"ports reversed", "ports = 90-80", 1,
     "ports: \"90-80\" is a range whose start is greater than its end"},
    {"ports trailing comma", "ports = 80,", 1, "ports: element 2 of \"80,\" is empty"},
    {"iface_rate zero", "iface_rate = 0", 1, "iface_rate: \"0\" is not an integer in 1..1000000"},
    {"iface_rate fraction", "iface_rate = 1.5", 1,
     "iface_rate: \"1.5\" is not an integer in 1..1000000"},
    {"iface_burst zero", "iface_burst = 0", 1,
     "iface_burst: \"0\" is not an integer in 1..1000000"},
    {"use_src bad", "use_src = y", 1,
     "use_src: \"y\" is not yes or no (or true/false, on/off, 1/0)"},
    {"verbose 4", "verbose = 4", 1, "verbose: \"4\" is not an integer in 0..3"},
    {"error on a later line", "group = 1\nmode = host\n# ok\n\nverbose = 9\n", 5,
     "verbose: \"9\" is not an integer in 0..3"},
    {"first error wins", "verbose = 9\nprots = 1\n", 1, "verbose: \"9\" is not an integer in 0..3"},
    {"CRLF does not shift line numbers", "group = 1\r\n\r\nfoo = 2\r\n", 3, "unknown key \"foo\""},
};

TEST(ParseConfig, RejectsBadFilesWithLineAndMessage) {
    for (const auto& c : kBadConfig) {
        SCOPED_TRACE(c.description);
        Config parsed;
        parsed.group = 99;
        const Config before = parsed;
        ConfigError error;
        EXPECT_FALSE(parse_config(c.input, parsed, error));
        EXPECT_EQ(error.line, c.expected_line);
        EXPECT_EQ(error.message, c.expected_message);
        EXPECT_EQ(error.message.find('\n'), std::string::npos);
        EXPECT_EQ(parsed, before) << "a failed parse must leave the config alone";
    }
}

// The file as documented at the top of config.hpp, comments included.
constexpr const char* kDocumentedDefaults = R"(# /etc/pmtud/pmtud.conf
group = 33                 # NFLOG group, 0..65535
ifaces =                   # comma-separated interface names
mode = host                # host | router
src_rate = 1/second        # kernel: per-source limit, N/second|minute|hour|day
src_burst = 2              # kernel: per-source burst (packets)
v6_prefix = 64             # kernel: IPv6 per-source key length, 1..128
ceiling_rate = 100/second  # kernel: global ceiling shared by v4 and v6
ceiling_burst = 50         # kernel: ceiling burst (packets)
strict = no                # yes | no: MTU v4 576..1499, v6 1280..1499
ports =                    # inner source ports re-broadcast, e.g. 80,443,8000-8999; empty = all
iface_rate = 10            # helper: re-broadcasts per second per interface
iface_burst = 10           # helper: bucket depth
use_src = no               # helper: send with the original source MAC
verbose = 0                # helper: 0..3
)";

TEST(ParseConfig, DocumentedDefaultFileGivesTheDefaults) {
    Config parsed;
    // Start away from every default so that each line has to do its job.
    parsed.group = 1;
    parsed.ifaces = {"x"};
    parsed.mode = Mode::router;
    parsed.src_rate = "9/day";
    parsed.src_burst = 9;
    parsed.v6_prefix = 9;
    parsed.ceiling_rate = "9/day";
    parsed.ceiling_burst = 9;
    parsed.strict = true;
    parsed.ports = ports_of("9");
    parsed.iface_rate = 9;
    parsed.iface_burst = 9;
    parsed.use_src = true;
    parsed.verbose = 3;
    ConfigError error;
    ASSERT_TRUE(parse_config(kDocumentedDefaults, parsed, error))
        << "line " << error.line << ": " << error.message;
    EXPECT_EQ(parsed, Config{});
}

TEST(RenderConfig, DefaultsRenderAsDocumented) {
    EXPECT_EQ(render_config(Config{}),
              "group = 33\n"
              "ifaces =\n"
              "mode = host\n"
              "src_rate = 1/second\n"
              "src_burst = 2\n"
              "v6_prefix = 64\n"
              "ceiling_rate = 100/second\n"
              "ceiling_burst = 50\n"
              "strict = no\n"
              "ports =\n"
              "iface_rate = 10\n"
              "iface_burst = 10\n"
              "use_src = no\n"
              "verbose = 0\n");
}

TEST(RenderConfig, RoundTripsDefaultsAndNonDefaults) {
    Config custom;
    custom.group = 65535;
    custom.ifaces = {"eth0", "bond0.42"};
    custom.mode = Mode::router;
    custom.src_rate = "3/minute";
    custom.src_burst = 1;
    custom.v6_prefix = 48;
    custom.ceiling_rate = "1000000/day";
    custom.ceiling_burst = 1000000;
    custom.strict = true;
    custom.ports = ports_of("22,80,443,8000-8999");
    custom.iface_rate = 1;
    custom.iface_burst = 2;
    custom.use_src = true;
    custom.verbose = 2;

    for (const Config& original : {Config{}, custom}) {
        const std::string text = render_config(original);
        Config parsed;
        parsed.group = 12345;  // must be overwritten
        ConfigError error;
        ASSERT_TRUE(parse_config(text, parsed, error))
            << "line " << error.line << ": " << error.message << "\n"
            << text;
        EXPECT_EQ(parsed, original);
        EXPECT_EQ(render_config(parsed), text);
    }
}

TEST(ParseConfig, LayersOnTopOfThePreviousConfig) {
    Config c;
    c.ifaces = {"eth9"};  // e.g. from an earlier file
    ConfigError error;
    ASSERT_TRUE(parse_config("verbose = 1\n", c, error));
    EXPECT_EQ(c.verbose, 1u);
    EXPECT_EQ(c.ifaces, std::vector<std::string>{"eth9"});
}

// The value parsers are also used by the command line: check their own contract.
TEST(ValueParsers, U32BoundsAndUntouchedOnError) {
    std::uint32_t v = 77;
    std::string error;
    EXPECT_TRUE(parse_u32("4294967295", 0, 4294967295u, v, error));
    EXPECT_EQ(v, 4294967295u);
    v = 77;
    EXPECT_FALSE(parse_u32("4294967296", 0, 4294967295u, v, error));
    EXPECT_EQ(error, "\"4294967296\" is not an integer in 0..4294967295");
    EXPECT_EQ(v, 77u);
    EXPECT_FALSE(parse_u32(" 5", 0, 10, v, error));
    EXPECT_FALSE(parse_u32("5 ", 0, 10, v, error));
    EXPECT_FALSE(parse_u32("", 0, 10, v, error));
    EXPECT_EQ(v, 77u);
    EXPECT_TRUE(parse_u32("10", 10, 10, v, error));
    EXPECT_EQ(v, 10u);
}

TEST(ValueParsers, RateNormalizes) {
    std::string rate = "untouched";
    std::string error;
    EXPECT_TRUE(parse_rate("0001/hour", rate, error));
    EXPECT_EQ(rate, "1/hour");
    EXPECT_FALSE(parse_rate("1/Hour", rate, error));
    EXPECT_EQ(rate, "1/hour");
}

TEST(ValueParsers, BoolAndModeUntouchedOnError) {
    bool b = true;
    Mode m = Mode::router;
    std::string error;
    EXPECT_FALSE(parse_bool("nope", b, error));
    EXPECT_TRUE(b);
    EXPECT_FALSE(parse_mode("hosts", m, error));
    EXPECT_EQ(m, Mode::router);
    EXPECT_TRUE(parse_bool("off", b, error));
    EXPECT_FALSE(b);
    EXPECT_TRUE(parse_mode("host", m, error));
    EXPECT_EQ(m, Mode::host);
}

struct IfaceNameCase {
    const char* description;
    std::string name;
    bool expected;
};

TEST(ValueParsers, InterfaceNames) {
    const IfaceNameCase cases[] = {
        {"simple", "eth0", true},
        {"one byte", "e", true},
        {"15 bytes", std::string(15, 'a'), true},
        {"16 bytes", std::string(16, 'a'), false},
        {"empty", "", false},
        {"dot", ".", false},
        {"dot dot", "..", false},
        {"three dots are fine", "...", true},
        {"slash", "a/b", false},
        {"colon (alias syntax)", "eth0:0", false},
        {"space", "a b", false},
        {"tab", "a\tb", false},
        {"newline", "a\nb", false},
        {"NUL", std::string("a\0b", 3), false},
        {"non-ASCII", "\xc3\xa9th0", false},
        {"comma", "a,b", false},
        {"hash", "a#b", false},
        {"double quote", "a\"b", false},
        {"backslash", "a\\b", false},
        {"nft wildcard", "eth*", false},
        {"DEL", "a\x7f", false},
        {"punctuation that is fine", "br-0_x.1@v", true},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.description);
        EXPECT_EQ(valid_iface_name(c.name), c.expected);
    }
}

TEST(ValueParsers, IfaceListReplacesOnlyOnSuccess) {
    std::vector<std::string> list = {"old"};
    std::string error;
    EXPECT_FALSE(parse_iface_list("eth0,bad/name", list, error));
    EXPECT_EQ(list, std::vector<std::string>{"old"});
    EXPECT_TRUE(parse_iface_list("eth0, eth1", list, error));
    EXPECT_EQ(list, (std::vector<std::string>{"eth0", "eth1"}));
    EXPECT_TRUE(parse_iface_list("", list, error));
    EXPECT_TRUE(list.empty());
}

}  // namespace
}  // namespace pmtud
