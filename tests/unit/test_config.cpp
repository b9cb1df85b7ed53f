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

AddressList peers_of(std::string_view text) {
    AddressList list;
    std::string error;
    EXPECT_TRUE(parse_peer_list(text, list, error)) << error;
    return list;
}

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
        {"iface_rate auto over a number", "iface_rate = 5\niface_rate = auto",
         [](Config& c) { c.iface_rate.reset(); }},
        {"iface_burst auto", "iface_burst = auto", [](Config& c) { c.iface_burst.reset(); }},
        {"iface_rate leading zeros", "iface_rate = 007", [](Config& c) { c.iface_rate = 7; }},
        {"known_ceiling_rate", "known_ceiling_rate = 30/minute",
         [](Config& c) { c.known_ceiling_rate = "30/minute"; }},
        {"bare known_ceiling_rate", "known_ceiling_rate = 7",
         [](Config& c) { c.known_ceiling_rate = "7/second"; }},
        {"known_ceiling_burst", "known_ceiling_burst = 1000000",
         [](Config& c) { c.known_ceiling_burst = 1000000; }},
        {"known_timeout seconds", "known_timeout = 90s",
         [](Config& c) { c.known_timeout = "90s"; }},
        {"known_timeout minutes", "known_timeout = 30m",
         [](Config& c) { c.known_timeout = "30m"; }},
        {"known_timeout hours", "known_timeout = 12h", [](Config& c) { c.known_timeout = "12h"; }},
        {"known_timeout 1s", "known_timeout = 1s", [](Config& c) { c.known_timeout = "1s"; }},
        {"known_timeout 30d", "known_timeout = 30d", [](Config& c) { c.known_timeout = "30d"; }},
        {"known_timeout 720h", "known_timeout = 720h", [](Config& c) { c.known_timeout = "720h"; }},
        {"known_timeout 2592000s", "known_timeout = 2592000s",
         [](Config& c) { c.known_timeout = "2592000s"; }},
        {"known_timeout normalized", "known_timeout = 0090s",
         [](Config& c) { c.known_timeout = "90s"; }},
        {"known_size 1", "known_size = 1", [](Config& c) { c.known_size = 1; }},
        {"known_size 65536", "known_size = 65536", [](Config& c) { c.known_size = 65536; }},
        {"learn_rate", "learn_rate = 1/hour", [](Config& c) { c.learn_rate = "1/hour"; }},
        {"learn_burst", "learn_burst = 1", [](Config& c) { c.learn_burst = 1; }},
        {"storm_timeout 1s", "storm_timeout = 1s", [](Config& c) { c.storm_timeout = "1s"; }},
        {"storm_timeout 1h", "storm_timeout = 1h", [](Config& c) { c.storm_timeout = "1h"; }},
        {"storm_timeout 60m", "storm_timeout = 60m", [](Config& c) { c.storm_timeout = "60m"; }},
        {"storm_timeout 3600s", "storm_timeout = 3600s",
         [](Config& c) { c.storm_timeout = "3600s"; }},
        {"broadcast no with peers", "peers = 192.0.2.1\nbroadcast = no",
         [](Config& c) {
             c.peers = peers_of("192.0.2.1");
             c.broadcast = false;
         }},
        {"broadcast off with a peers file", "broadcast = off\npeers_file = /etc/pmtud/peers",
         [](Config& c) {
             c.broadcast = false;
             c.peers_file = "/etc/pmtud/peers";
         }},
        {"broadcast yes", "broadcast = yes", [](Config& c) { c.broadcast = true; }},
        {"peers", "peers = 2001:db8::2, 192.0.2.2,192.0.2.1",
         [](Config& c) { c.peers = peers_of("192.0.2.1,192.0.2.2,2001:db8::2"); }},
        {"peers deduplicated", "peers = 192.0.2.1,192.0.2.1",
         [](Config& c) { c.peers = peers_of("192.0.2.1"); }},
        {"empty peers", "peers = 192.0.2.1\npeers =", [](Config& c) { c.peers = {}; }},
        {"peers replace, not merge", "peers = 192.0.2.1\npeers = 192.0.2.2",
         [](Config& c) { c.peers = peers_of("192.0.2.2"); }},
        {"peers_file", "peers_file = /etc/pmtud/peers",
         [](Config& c) { c.peers_file = "/etc/pmtud/peers"; }},
        {"relative peers_file", "peers_file = peers.txt",
         [](Config& c) { c.peers_file = "peers.txt"; }},
        {"peers_file with a space inside", "peers_file = /srv/my peers",
         [](Config& c) { c.peers_file = "/srv/my peers"; }},
        {"empty peers_file", "peers_file = /x\npeers_file =", [](Config& c) { c.peers_file = ""; }},
        {"peer_rate", "peer_rate = 1", [](Config& c) { c.peer_rate = 1; }},
        {"peer_burst", "peer_burst = 1000000", [](Config& c) { c.peer_burst = 1000000; }},
        {"peer_rate auto", "peer_rate = 3\npeer_rate = auto",
         [](Config& c) { c.peer_rate.reset(); }},
        {"peer_burst auto", "peer_burst = auto", [](Config& c) { c.peer_burst.reset(); }},
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
    {"iface_rate zero", "iface_rate = 0", 1,
     "iface_rate: \"0\" is not auto or an integer in 1..1000000"},
    {"iface_rate fraction", "iface_rate = 1.5", 1,
     "iface_rate: \"1.5\" is not auto or an integer in 1..1000000"},
    {"iface_burst zero", "iface_burst = 0", 1,
     "iface_burst: \"0\" is not auto or an integer in 1..1000000"},
    {"iface_rate too big", "iface_rate = 1000001", 1,
     "iface_rate: \"1000001\" is not auto or an integer in 1..1000000"},
    {"iface_rate Auto", "iface_rate = Auto", 1,
     "iface_rate: \"Auto\" is not auto or an integer in 1..1000000"},
    {"iface_burst empty", "iface_burst =", 1,
     "iface_burst: \"\" is not auto or an integer in 1..1000000"},
    {"known_ceiling_rate bad", "known_ceiling_rate = 0/second", 1,
     "known_ceiling_rate: \"0/second\" is not a rate N/second|minute|hour|day with N in "
     "1..1000000"},
    {"known_ceiling_burst zero", "known_ceiling_burst = 0", 1,
     "known_ceiling_burst: \"0\" is not an integer in 1..1000000"},
    {"known_timeout 0s", "known_timeout = 0s", 1,
     "known_timeout: \"0s\" is not a duration N followed by s, m, h or d, from 1s to 30d"},
    {"known_timeout 31d", "known_timeout = 31d", 1,
     "known_timeout: \"31d\" is not a duration N followed by s, m, h or d, from 1s to 30d"},
    {"known_timeout 721h", "known_timeout = 721h", 1,
     "known_timeout: \"721h\" is not a duration N followed by s, m, h or d, from 1s to 30d"},
    {"known_timeout 2592001s", "known_timeout = 2592001s", 1,
     "known_timeout: \"2592001s\" is not a duration N followed by s, m, h or d, from 1s to "
     "30d"},
    {"known_timeout without a unit", "known_timeout = 3600", 1,
     "known_timeout: \"3600\" is not a duration N followed by s, m, h or d, from 1s to 30d"},
    {"known_timeout two units", "known_timeout = 1h30m", 1,
     "known_timeout: \"1h30m\" is not a duration N followed by s, m, h or d, from 1s to 30d"},
    {"known_timeout uppercase unit", "known_timeout = 1D", 1,
     "known_timeout: \"1D\" is not a duration N followed by s, m, h or d, from 1s to 30d"},
    {"known_timeout week", "known_timeout = 1w", 1,
     "known_timeout: \"1w\" is not a duration N followed by s, m, h or d, from 1s to 30d"},
    {"known_timeout space before unit", "known_timeout = 5 m", 1,
     "known_timeout: \"5 m\" is not a duration N followed by s, m, h or d, from 1s to 30d"},
    {"known_timeout unit only", "known_timeout = s", 1,
     "known_timeout: \"s\" is not a duration N followed by s, m, h or d, from 1s to 30d"},
    {"known_timeout negative", "known_timeout = -5s", 1,
     "known_timeout: \"-5s\" is not a duration N followed by s, m, h or d, from 1s to 30d"},
    {"known_timeout huge", "known_timeout = 99999999999s", 1,
     "known_timeout: \"99999999999s\" is not a duration N followed by s, m, h or d, from 1s to "
     "30d"},
    {"known_size zero", "known_size = 0", 1, "known_size: \"0\" is not an integer in 1..65536"},
    {"known_size 65537", "known_size = 65537", 1,
     "known_size: \"65537\" is not an integer in 1..65536"},
    {"learn_rate bad unit", "learn_rate = 10/min", 1,
     "learn_rate: \"10/min\" is not a rate N/second|minute|hour|day with N in 1..1000000"},
    {"learn_burst zero", "learn_burst = 0", 1,
     "learn_burst: \"0\" is not an integer in 1..1000000"},
    {"storm_timeout 2h", "storm_timeout = 2h", 1,
     "storm_timeout: \"2h\" is not a duration N followed by s, m, h or d, from 1s to 1h"},
    {"storm_timeout 61m", "storm_timeout = 61m", 1,
     "storm_timeout: \"61m\" is not a duration N followed by s, m, h or d, from 1s to 1h"},
    {"storm_timeout 1d", "storm_timeout = 1d", 1,
     "storm_timeout: \"1d\" is not a duration N followed by s, m, h or d, from 1s to 1h"},
    {"storm_timeout 0s", "storm_timeout = 0s", 1,
     "storm_timeout: \"0s\" is not a duration N followed by s, m, h or d, from 1s to 1h"},
    {"known ceiling pair overflowing", "known_ceiling_rate = 1/day\nknown_ceiling_burst = 106752",
     0,
     "known_ceiling_rate/known_ceiling_burst: a burst of 106752 at 1/day overflows the kernel's "
     "64-bit token count"},
    {"learn pair overflowing", "learn_rate = 1/day\nlearn_burst = 106752", 0,
     "learn_rate/learn_burst: a burst of 106752 at 1/day overflows the kernel's 64-bit token "
     "count"},
    {"broadcast bad", "broadcast = nope", 1,
     "broadcast: \"nope\" is not yes or no (or true/false, on/off, 1/0)"},
    {"broadcast no without peers", "broadcast = no", 0,
     "broadcast = no needs peers or peers_file (else nothing is relayed)"},
    {"broadcast no, peers emptied later", "peers = 192.0.2.1\nbroadcast = no\npeers =", 0,
     "broadcast = no needs peers or peers_file (else nothing is relayed)"},
    {"peers: a bad address", "peers = 192.0.2.1, server-b", 1,
     "peers: \"server-b\" is not an IPv4 or IPv6 address"},
    {"peers: loopback", "peers = 127.0.0.1", 1,
     "peers: \"127.0.0.1\" is a loopback address (127.0.0.0/8)"},
    {"peers: v6 loopback", "peers = ::1", 1, "peers: \"::1\" is a loopback address (::1)"},
    {"peers: link-local", "peers = 169.254.0.1", 1,
     "peers: \"169.254.0.1\" is a link-local address (169.254.0.0/16)"},
    {"peers: v6 link-local", "peers = fe80::2", 1,
     "peers: \"fe80::2\" is a link-local address (fe80::/10)"},
    {"peers: multicast", "peers = 239.1.2.3", 1,
     "peers: \"239.1.2.3\" is a multicast address (224.0.0.0/4)"},
    {"peers: v6 multicast", "peers = ff05::2", 1,
     "peers: \"ff05::2\" is a multicast address (ff00::/8)"},
    {"peers: unspecified", "peers = 0.0.0.0", 1,
     "peers: \"0.0.0.0\" is the unspecified address (0.0.0.0)"},
    {"peers: v6 unspecified", "peers = ::", 1, "peers: \"::\" is the unspecified address (::)"},
    {"peers: limited broadcast", "peers = 255.255.255.255", 1,
     "peers: \"255.255.255.255\" is the limited broadcast address (255.255.255.255)"},
    {"peers: v4-mapped", "peers = ::ffff:198.51.100.1", 1,
     "peers: \"::ffff:198.51.100.1\" is an IPv4-mapped IPv6 address (::ffff:0:0/96; list the "
     "IPv4 address instead)"},
    {"peers: empty item", "peers = 192.0.2.1,,192.0.2.2", 1,
     "peers: element 2 of \"192.0.2.1,,192.0.2.2\" is empty"},
    {"peer_rate zero", "peer_rate = 0", 1,
     "peer_rate: \"0\" is not auto or an integer in 1..1000000"},
    {"peer_burst word", "peer_burst = lots", 1,
     "peer_burst: \"lots\" is not auto or an integer in 1..1000000"},
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
group = 33                     # NFLOG group, 0..65535
ifaces =                       # comma-separated interface names
mode = host                    # host | router
src_rate = 1/second            # kernel: per-source limit, N/second|minute|hour|day
src_burst = 2                  # kernel: per-source burst (packets)
v6_prefix = 64                 # kernel: IPv6 per-source key length, 1..128
ceiling_rate = 100/second      # kernel: ceiling for new sources, per family
ceiling_burst = 50             # kernel: ceiling burst (packets)
known_ceiling_rate = 100/second  # kernel: ceiling of the known-source lane, per family
known_ceiling_burst = 50       # kernel: its burst (packets)
known_timeout = 1d             # kernel: a known source is forgotten this long after its last PTB
known_size = 4096              # kernel: known sources per family, 1..65536
learn_rate = 10/minute         # kernel: how fast new sources are learned in peace, per family
learn_burst = 5                # kernel: its burst
storm_timeout = 10s            # kernel: a family's storm flag outlives its last over-ceiling PTB
strict = no                    # yes | no: MTU v4 576..1499, v6 1280..1499
ports =                        # inner source ports relayed, e.g. 80,443,8000-8999; empty = all
iface_rate = auto              # helper: broadcasts per second per interface and family
iface_burst = auto             # helper: that bucket's depth
use_src = no                   # helper: send with the original source MAC
broadcast = yes                # yes | no: broadcast on the segment (no: peers needed)
peers =                        # unicast relay: comma-separated peer server addresses
peers_file =                   # unicast relay: a file of them, one per line; empty = none
peer_rate = auto               # helper: PTBs relayed to the peers per second, per family
peer_burst = auto              # helper: that bucket's depth
verbose = 0                    # helper: 0..3
)";

// Every field away from its default (and valid together).
Config custom_config() {
    Config custom;
    custom.group = 65535;
    custom.ifaces = {"eth0", "bond0.42"};
    custom.mode = Mode::router;
    custom.src_rate = "3/minute";
    custom.src_burst = 1;
    custom.v6_prefix = 48;
    custom.ceiling_rate = "1000000/day";
    custom.ceiling_burst = 1000000;
    custom.known_ceiling_rate = "7/hour";
    custom.known_ceiling_burst = 3;
    custom.known_timeout = "12h";
    custom.known_size = 65536;
    custom.learn_rate = "1/second";
    custom.learn_burst = 9;
    custom.storm_timeout = "90s";
    custom.strict = true;
    custom.ports = ports_of("22,80,443,8000-8999");
    custom.iface_rate = 1;
    custom.iface_burst = 2;
    custom.use_src = true;
    custom.broadcast = false;
    custom.peers = peers_of("2001:db8::1,192.0.2.1,203.0.113.9");
    custom.peers_file = "/etc/pmtud/peers";
    custom.peer_rate = 1000000;
    custom.peer_burst = 4;
    custom.verbose = 2;
    return custom;
}

TEST(ParseConfig, DocumentedDefaultFileGivesTheDefaults) {
    // Start away from every default so that each line has to do its job.
    Config parsed = custom_config();
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
              "known_ceiling_rate = 100/second\n"
              "known_ceiling_burst = 50\n"
              "known_timeout = 1d\n"
              "known_size = 4096\n"
              "learn_rate = 10/minute\n"
              "learn_burst = 5\n"
              "storm_timeout = 10s\n"
              "strict = no\n"
              "ports =\n"
              "iface_rate = auto\n"
              "iface_burst = auto\n"
              "use_src = no\n"
              "broadcast = yes\n"
              "peers =\n"
              "peers_file =\n"
              "peer_rate = auto\n"
              "peer_burst = auto\n"
              "verbose = 0\n");
}

TEST(RenderConfig, RoundTripsDefaultsAndNonDefaults) {
    for (const Config& original : {Config{}, custom_config()}) {
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
    EXPECT_NE(render_config(custom_config()).find("peers = 192.0.2.1,203.0.113.9,2001:db8::1\n"),
              std::string::npos);
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

TEST(ValueParsers, DurationAndAutoCountUntouchedOnError) {
    std::string d = "untouched";
    std::string error;
    EXPECT_FALSE(parse_duration("0s", 60, d, error));
    EXPECT_FALSE(parse_duration("61s", 60, d, error));
    EXPECT_FALSE(parse_duration("", 60, d, error));
    EXPECT_EQ(error, "\"\" is not a duration N followed by s, m, h or d, from 1s to 1m");
    EXPECT_EQ(d, "untouched");
    EXPECT_TRUE(parse_duration("1m", 60, d, error));
    EXPECT_EQ(d, "1m");
    EXPECT_TRUE(parse_duration("90s", 90, d, error));
    EXPECT_FALSE(parse_duration("2m", 90, d, error));
    EXPECT_EQ(error, "\"2m\" is not a duration N followed by s, m, h or d, from 1s to 90s");

    AutoCount n = 5;
    EXPECT_FALSE(parse_auto_count("0", n, error));
    EXPECT_FALSE(parse_auto_count(" auto", n, error));
    EXPECT_EQ(n, AutoCount{5});
    EXPECT_TRUE(parse_auto_count("auto", n, error));
    EXPECT_FALSE(n.has_value());
    EXPECT_TRUE(parse_auto_count("1000000", n, error));
    EXPECT_EQ(n, AutoCount{1000000});
}

struct BucketCase {
    const char* description;
    const char* config;
    BucketSize expected_iface;
    BucketSize expected_peer;
};

// auto = ceil(ceiling_rate + known_ceiling_rate) per second (at least 1), and the sum of bursts.
const BucketCase kBuckets[] = {
    {"defaults", "", {200, 100, true, true}, {200, 100, true, true}},
    {"per-minute known ceiling rounds up",
     "known_ceiling_rate = 30/minute",
     {101, 100, true, true},
     {101, 100, true, true}},
    {"two per-minute rates",
     "ceiling_rate = 90/minute\nknown_ceiling_rate = 90/minute",
     {3, 100, true, true},
     {3, 100, true, true}},
    {"exactly one per second",
     "ceiling_rate = 30/minute\nknown_ceiling_rate = 30/minute",
     {1, 100, true, true},
     {1, 100, true, true}},
    {"slow rates give at least 1",
     "ceiling_rate = 1/hour\nknown_ceiling_rate = 1/day",
     {1, 100, true, true},
     {1, 100, true, true}},
    {"hour and day",
     "ceiling_rate = 7200/hour\nknown_ceiling_rate = 86401/day",
     {4, 100, true, true},
     {4, 100, true, true}},
    {"largest",
     "ceiling_rate = 1000000\nknown_ceiling_rate = 1000000\nceiling_burst = "
     "1000000\nknown_ceiling_burst = 1000000",
     {2000000, 2000000, true, true},
     {2000000, 2000000, true, true}},
    {"bursts add up",
     "ceiling_burst = 7\nknown_ceiling_burst = 3",
     {200, 10, true, true},
     {200, 10, true, true}},
    {"explicit iface values, auto peer ones",
     "iface_rate = 10\niface_burst = 4",
     {10, 4, false, false},
     {200, 100, true, true}},
    {"explicit peer rate only", "peer_rate = 5", {200, 100, true, true}, {5, 100, false, true}},
    {"explicit peer burst only", "peer_burst = 1", {200, 100, true, true}, {200, 1, true, false}},
};

TEST(Buckets, AutoIsTheKernelSteadyStateAndExplicitWins) {
    for (const auto& c : kBuckets) {
        SCOPED_TRACE(c.description);
        Config config;
        ConfigError error;
        ASSERT_TRUE(parse_config(c.config, config, error)) << error.message;
        const BucketSize iface = iface_bucket(config), peer = peer_bucket(config);
        EXPECT_EQ(iface.rate_pps, c.expected_iface.rate_pps);
        EXPECT_EQ(iface.burst, c.expected_iface.burst);
        EXPECT_EQ(iface, c.expected_iface);
        EXPECT_EQ(peer, c.expected_peer);
    }
}

TEST(Buckets, Described) {
    EXPECT_EQ(describe_bucket({200, 100, true, true}), "auto=200/s burst auto=100");
    EXPECT_EQ(describe_bucket({10, 3, false, false}), "10/s burst 3");
    EXPECT_EQ(describe_bucket({10, 100, false, true}), "10/s burst auto=100");
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
