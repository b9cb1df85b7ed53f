#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/metrics.hpp"

namespace pmtud {
namespace {

// Every reason, one sample each: the part of the file that does not change between tests.
std::string dropped_lines(const Counters& c) {
    std::string text;
    for (std::size_t r = 0; r < kReasonCount; ++r) {
        text += "pmtud_packets_dropped_total{reason=\"" +
                std::string(reason_name(static_cast<Reason>(r))) + "\"} " +
                std::to_string(c.dropped[r]) + "\n";
    }
    return text;
}

Counters sample_counters() {
    Counters c;
    c.received = 12;
    c.nflog_lost = 3;
    c.ifaces = {{"eth0", 6, 4, 1}, {"eth1", 0, 0, 0}};
    c.drop(Reason::bad_checksum);
    c.drop(Reason::port_not_allowed);
    return c;
}

KernelStats sample_kernel() {
    KernelStats k;
    k.state = KernelStats::State::present;
    k.counters = {{"rx4", 20}, {"bad4", 1}, {"logged4", 19}};
    k.tracked_v4 = 7;
    k.tracked_v6 = 0;
    return k;
}

const char* const kHelperHead =
    "# HELP pmtud_build_info The running pmtud-helper's version; always 1.\n"
    "# TYPE pmtud_build_info gauge\n"
    "pmtud_build_info{version=\"1.2.3\"} 1\n"
    "# HELP pmtud_packets_received_total Packets the helper read from its NFLOG group.\n"
    "# TYPE pmtud_packets_received_total counter\n"
    "pmtud_packets_received_total 12\n"
    "# HELP pmtud_packets_forwarded_total PTBs re-sent as Ethernet broadcasts (counted as "
    "decided in a dry run).\n"
    "# TYPE pmtud_packets_forwarded_total counter\n"
    "pmtud_packets_forwarded_total{iface=\"eth0\",family=\"ipv4\"} 6\n"
    "pmtud_packets_forwarded_total{iface=\"eth0\",family=\"ipv6\"} 4\n"
    "pmtud_packets_forwarded_total{iface=\"eth1\",family=\"ipv4\"} 0\n"
    "pmtud_packets_forwarded_total{iface=\"eth1\",family=\"ipv6\"} 0\n"
    "# HELP pmtud_packets_dropped_total Packets the helper read but did not re-send, by reason.\n"
    "# TYPE pmtud_packets_dropped_total counter\n";

const char* const kHelperTail =
    "# HELP pmtud_nflog_lost_total Packets the kernel logged that never reached the helper "
    "(NFLOG sequence gaps).\n"
    "# TYPE pmtud_nflog_lost_total counter\n"
    "pmtud_nflog_lost_total 3\n"
    "# HELP pmtud_send_errors_total Broadcast frames the kernel refused to send.\n"
    "# TYPE pmtud_send_errors_total counter\n"
    "pmtud_send_errors_total{iface=\"eth0\"} 1\n"
    "pmtud_send_errors_total{iface=\"eth1\"} 0\n"
    "# HELP pmtud_peers Peers the PTBs are copied to by unicast (this server's own addresses "
    "skipped).\n"
    "# TYPE pmtud_peers gauge\n"
    "pmtud_peers{family=\"ipv4\"} 0\n"
    "pmtud_peers{family=\"ipv6\"} 0\n"
    "# HELP pmtud_peer_copies_total Unicast copies of PTBs sent to peers (counted as decided in "
    "a dry run).\n"
    "# TYPE pmtud_peer_copies_total counter\n"
    "pmtud_peer_copies_total{family=\"ipv4\"} 0\n"
    "pmtud_peer_copies_total{family=\"ipv6\"} 0\n"
    "# HELP pmtud_peer_send_errors_total Unicast copies to peers that the kernel refused to send "
    "(one per copy).\n"
    "# TYPE pmtud_peer_send_errors_total counter\n"
    "pmtud_peer_send_errors_total{family=\"ipv4\"} 0\n"
    "pmtud_peer_send_errors_total{family=\"ipv6\"} 0\n"
    "# HELP pmtud_peers_file_last_load_timestamp_seconds Unix time of the last successful load "
    "of the peers list (0: never).\n"
    "# TYPE pmtud_peers_file_last_load_timestamp_seconds gauge\n"
    "pmtud_peers_file_last_load_timestamp_seconds 0\n"
    "# HELP pmtud_peers_file_last_error_timestamp_seconds Unix time of the last failed load of "
    "the peers list (0: never).\n"
    "# TYPE pmtud_peers_file_last_error_timestamp_seconds gauge\n"
    "pmtud_peers_file_last_error_timestamp_seconds 0\n"
    "# HELP pmtud_peers_file_error 1 while the last load of the peers list failed, with its "
    "error line; the list loaded before stays in use.\n"
    "# TYPE pmtud_peers_file_error gauge\n";

TEST(Metrics, ExactTextWithTheKernelTable) {
    const Counters c = sample_counters();
    const std::string expected =
        std::string(kHelperHead) + dropped_lines(c) + kHelperTail +
        "# HELP pmtud_rules_present 1 when nftables table inet pmtud is loaded, 0 when it is "
        "missing.\n"
        "# TYPE pmtud_rules_present gauge\n"
        "pmtud_rules_present 1\n"
        "# HELP pmtud_kernel_packets_total Packets counted by the named counters of table inet "
        "pmtud (outcome = counter name; rx4 and rx6 are the eligible PTBs, the others one "
        "outcome each).\n"
        "# TYPE pmtud_kernel_packets_total counter\n"
        "pmtud_kernel_packets_total{outcome=\"rx4\"} 20\n"
        "pmtud_kernel_packets_total{outcome=\"bad4\"} 1\n"
        "pmtud_kernel_packets_total{outcome=\"logged4\"} 19\n"
        "# HELP pmtud_kernel_tracked_sources Sources (IPv6: prefixes) in the per-source limit "
        "sets src4 and src6.\n"
        "# TYPE pmtud_kernel_tracked_sources gauge\n"
        "pmtud_kernel_tracked_sources{family=\"ipv4\"} 7\n"
        "pmtud_kernel_tracked_sources{family=\"ipv6\"} 0\n";
    EXPECT_EQ(render_metrics("1.2.3", c, sample_kernel()), expected);
}

TEST(Metrics, TableMissingIsAZeroGaugeAndNoKernelCounters) {
    const Counters c = sample_counters();
    KernelStats k = sample_kernel();
    k.state = KernelStats::State::missing;  // stale fields must not leak into the file
    const std::string expected =
        std::string(kHelperHead) + dropped_lines(c) + kHelperTail +
        "# HELP pmtud_rules_present 1 when nftables table inet pmtud is loaded, 0 when it is "
        "missing.\n"
        "# TYPE pmtud_rules_present gauge\n"
        "pmtud_rules_present 0\n";
    EXPECT_EQ(render_metrics("1.2.3", c, k), expected);
}

TEST(Metrics, KernelUnknownLeavesEveryKernelFamilyOut) {
    const Counters c = sample_counters();
    EXPECT_EQ(render_metrics("1.2.3", c, KernelStats{}),
              std::string(kHelperHead) + dropped_lines(c) + kHelperTail);
}

TEST(Metrics, MissingSetsAndCountersAreLeftOut) {
    KernelStats k;
    k.state = KernelStats::State::present;
    k.tracked_v6 = 2;  // src4 absent, src6 present
    const std::string text = render_metrics("1", Counters{}, k);
    EXPECT_EQ(text.find("pmtud_kernel_packets_total"), std::string::npos);
    EXPECT_EQ(text.find("pmtud_kernel_tracked_sources{family=\"ipv4\"}"), std::string::npos);
    EXPECT_NE(text.find("pmtud_kernel_tracked_sources{family=\"ipv6\"} 2\n"), std::string::npos);
}

TEST(Metrics, PeersAndTheirLoadState) {
    Counters c;
    c.peers = {true, 3, 1, 30, 10, 2, 0, 1700000000, 1700000100, "/etc/pmtud/peers:4: \"x\" bad"};
    const std::string text = render_metrics("1", c, KernelStats{});
    for (const char* line : {
             "\npmtud_peers{family=\"ipv4\"} 3\npmtud_peers{family=\"ipv6\"} 1\n",
             "\npmtud_peer_copies_total{family=\"ipv4\"} 30\n"
             "pmtud_peer_copies_total{family=\"ipv6\"} 10\n",
             "\npmtud_peer_send_errors_total{family=\"ipv4\"} 2\n"
             "pmtud_peer_send_errors_total{family=\"ipv6\"} 0\n",
             "\npmtud_peers_file_last_load_timestamp_seconds 1700000000\n",
             "\npmtud_peers_file_last_error_timestamp_seconds 1700000100\n",
             "\npmtud_peers_file_error{error=\"/etc/pmtud/peers:4: \\\"x\\\" bad\"} 1\n",
         }) {
        EXPECT_NE(text.find(line), std::string::npos) << line;
    }
    c.peers.error.clear();  // the next load worked: the series goes away
    EXPECT_EQ(render_metrics("1", c, KernelStats{}).find("pmtud_peers_file_error{"),
              std::string::npos);
    EXPECT_EQ(render_service_status(c, KernelStats::State::unknown),
              "received=0 forwarded=0 dropped=0 nflog_lost=0 send_errors=0 copies=40");
}

TEST(Metrics, KnownSourcesAndStormFlagsPerFamily) {
    KernelStats k;
    k.state = KernelStats::State::present;
    k.known_v4 = 12;
    k.known_v6 = 0;
    k.storm_v4 = false;
    k.storm_v6 = true;
    k.storm_since_v6 = 1'796'000'000;
    const std::string text = render_metrics("1", Counters{}, k);
    for (const char* line :
         {"pmtud_kernel_known_sources{family=\"ipv4\"} 12\n",
          "pmtud_kernel_known_sources{family=\"ipv6\"} 0\n",
          "pmtud_kernel_storm{family=\"ipv4\"} 0\n", "pmtud_kernel_storm{family=\"ipv6\"} 1\n",
          "pmtud_kernel_storm_since_timestamp_seconds{family=\"ipv4\"} 0\n",
          "pmtud_kernel_storm_since_timestamp_seconds{family=\"ipv6\"} 1796000000\n",
          "# TYPE pmtud_kernel_known_sources gauge\n", "# TYPE pmtud_kernel_storm gauge\n",
          "# TYPE pmtud_kernel_storm_since_timestamp_seconds gauge\n"}) {
        EXPECT_NE(text.find(line), std::string::npos) << line;
    }
    // Rules without the storm set or the known sets (an older table): those families are absent.
    KernelStats old;
    old.state = KernelStats::State::present;
    const std::string bare = render_metrics("1", Counters{}, old);
    EXPECT_EQ(bare.find("pmtud_kernel_known_sources"), std::string::npos);
    EXPECT_EQ(bare.find("pmtud_kernel_storm"), std::string::npos);
}

TEST(StormClock, SinceIsTheFirstReadingThatSawTheFlagAndResetsWhenItClears) {
    StormClock clock;
    KernelStats k;
    k.storm_v4 = false;
    k.storm_v6 = true;
    clock.observe(k, 1000);
    EXPECT_EQ(k.storm_since_v4, 0u);
    EXPECT_EQ(k.storm_since_v6, 1000u);
    k.storm_v4 = true;
    clock.observe(k, 1001);
    EXPECT_EQ(k.storm_since_v4, 1001u);
    EXPECT_EQ(k.storm_since_v6, 1000u);  // still set: still since its first reading
    k.storm_v6 = false;
    clock.observe(k, 1002);
    EXPECT_EQ(k.storm_since_v6, 0u);
    k.storm_v6 = true;
    clock.observe(k, 1010);
    EXPECT_EQ(k.storm_since_v6, 1010u);  // a new storm
    k.storm_v4.reset();                  // the set is gone (rules reloaded without it)
    clock.observe(k, 1011);
    EXPECT_EQ(k.storm_since_v4, 0u);
}

TEST(Metrics, NoInterfaceMeansHelpAndTypeButNoSamples) {
    const std::string text = render_metrics("1", Counters{}, KernelStats{});
    EXPECT_NE(text.find("# TYPE pmtud_packets_forwarded_total counter\n# HELP "),
              std::string::npos);
    EXPECT_EQ(text.find("pmtud_packets_forwarded_total{"), std::string::npos);
}

TEST(Metrics, LabelValuesAreEscaped) {
    EXPECT_EQ(escape_label_value("eth0"), "eth0");
    EXPECT_EQ(escape_label_value(R"(a"b\c)"), R"(a\"b\\c)");
    EXPECT_EQ(escape_label_value("a\nb"), "a\\nb");
    EXPECT_EQ(escape_label_value(""), "");

    Counters c;
    c.ifaces = {{R"(we"ird\)", 1, 0, 0}};
    const std::string text = render_metrics("0.1\"x", c, KernelStats{});
    EXPECT_NE(text.find(R"(pmtud_build_info{version="0.1\"x"} 1)"), std::string::npos);
    EXPECT_NE(text.find(R"(pmtud_packets_forwarded_total{iface="we\"ird\\",family="ipv4"} 1)"),
              std::string::npos);
    EXPECT_NE(text.find(R"(pmtud_send_errors_total{iface="we\"ird\\"} 0)"), std::string::npos);
}

TEST(Metrics, LargeCountersAreWrittenInFull) {
    Counters c;
    c.received = 18446744073709551615ull;
    EXPECT_NE(render_metrics("1", c, KernelStats{})
                  .find("pmtud_packets_received_total 18446744073709551615\n"),
              std::string::npos);
}

// The format's rules, checked on every line of a full file: each family's HELP then TYPE come
// before its samples and appear once; names and labels are well formed; counters end in _total;
// only the known labels appear, so no label can grow with traffic. (No std::regex: GCC 12 warns
// inside it under the sanitizers.)
bool is_name(std::string_view s) {
    if (s.empty()) return false;
    for (const char c : s) {
        if (!((c >= 'a' && c <= 'z') || c == '_')) return false;
    }
    return true;
}

bool is_number(std::string_view s) {
    if (s.empty()) return false;
    for (const char c : s) {
        if (c < '0' || c > '9') return false;
    }
    return true;
}

// `name="value",...` (the part between the braces): the label names, or nullopt if malformed.
std::optional<std::vector<std::string>> label_names(std::string_view s) {
    std::vector<std::string> names;
    while (!s.empty()) {
        const auto eq = s.find("=\"");
        if (eq == std::string_view::npos || !is_name(s.substr(0, eq))) return std::nullopt;
        names.emplace_back(s.substr(0, eq));
        std::size_t i = eq + 2;
        for (; i < s.size() && s[i] != '"'; ++i) {
            if (s[i] == '\n') return std::nullopt;
            if (s[i] == '\\') {
                if (i + 1 >= s.size() ||
                    std::string_view("\\\"n").find(s[i + 1]) == std::string_view::npos) {
                    return std::nullopt;
                }
                ++i;
            }
        }
        if (i >= s.size()) return std::nullopt;  // no closing quote
        s.remove_prefix(i + 1);
        if (!s.empty()) {
            if (s.front() != ',' || s.size() == 1) return std::nullopt;
            s.remove_prefix(1);
        }
    }
    return names;
}

TEST(Metrics, EveryLineFollowsTheExpositionFormat) {
    KernelStats kernel = sample_kernel();
    kernel.known_v4 = 3;
    kernel.known_v6 = 1;
    kernel.storm_v4 = true;
    kernel.storm_v6 = false;
    kernel.storm_since_v4 = 1'796'000'000;
    const std::string text = render_metrics("1.2.3", sample_counters(), kernel);
    ASSERT_FALSE(text.empty());
    ASSERT_EQ(text.back(), '\n');
    const std::set<std::string> allowed_labels = {"version", "iface",   "family",
                                                  "reason",  "outcome", "error"};
    std::set<std::string> seen_families;
    std::set<std::string> seen_series;
    std::string current, current_type;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        const std::string_view l = line;
        if (l.starts_with("# HELP ")) {
            const std::string_view rest = l.substr(7);
            const auto space = rest.find(' ');
            ASSERT_NE(space, std::string_view::npos) << line;
            current = std::string(rest.substr(0, space));
            EXPECT_TRUE(is_name(current)) << line;
            EXPECT_TRUE(seen_families.insert(current).second) << "family repeated: " << line;
            current_type.clear();
        } else if (l.starts_with("# TYPE ")) {
            EXPECT_TRUE(l == "# TYPE " + current + " counter" ||
                        l == "# TYPE " + current + " gauge")
                << "TYPE without its HELP: " << line;
            EXPECT_TRUE(current_type.empty()) << line;
            current_type = std::string(l.substr(l.rfind(' ') + 1));
            EXPECT_EQ(current.ends_with("_total"), current_type == "counter") << line;
        } else {
            const auto space = l.rfind(' ');
            ASSERT_NE(space, std::string_view::npos) << line;
            EXPECT_TRUE(is_number(l.substr(space + 1))) << line;
            const std::string_view series = l.substr(0, space);
            const auto brace = series.find('{');
            EXPECT_EQ(series.substr(0, brace), current) << "sample outside its family: " << line;
            EXPECT_FALSE(current_type.empty()) << line;
            if (brace != std::string_view::npos) {
                ASSERT_EQ(series.back(), '}') << line;
                const auto names = label_names(series.substr(brace + 1, series.size() - brace - 2));
                ASSERT_TRUE(names) << "bad labels: " << line;
                for (const std::string& name : *names) {
                    EXPECT_TRUE(allowed_labels.contains(name)) << line;
                }
            }
            EXPECT_TRUE(seen_series.insert(std::string(series)).second)
                << "duplicate series: " << line;
        }
    }
    EXPECT_EQ(seen_families.size(), 18u);
}

TEST(Metrics, WatchedRulesStateOverridesOrCompletesTheSnapshot) {
    using S = KernelStats::State;
    const KernelStats read = sample_kernel();
    // Announced missing: missing, whatever the last read saw.
    KernelStats k = with_watched_rules(read, RulesState::missing);
    EXPECT_EQ(k.state, S::missing);
    EXPECT_TRUE(k.counters.empty());
    EXPECT_FALSE(k.tracked_v4);
    // Present or unknown: the read stands.
    EXPECT_EQ(with_watched_rules(read, RulesState::present), read);
    EXPECT_EQ(with_watched_rules(read, RulesState::unknown), read);
    KernelStats missing;
    missing.state = S::missing;
    EXPECT_EQ(with_watched_rules(missing, RulesState::unknown), missing);
    // No read (--no-kernel-stats): the announcement alone.
    EXPECT_EQ(with_watched_rules(KernelStats{}, RulesState::present).state, S::present);
    EXPECT_TRUE(with_watched_rules(KernelStats{}, RulesState::present).counters.empty());
    EXPECT_EQ(with_watched_rules(KernelStats{}, RulesState::unknown).state, S::unknown);
}

TEST(ServiceStatus, CountersThenWhatIsKnownOfTheRules) {
    const Counters c = sample_counters();
    const std::string counters = "received=12 forwarded=10 dropped=2 nflog_lost=3 send_errors=1";
    EXPECT_EQ(render_service_status(c, KernelStats::State::unknown), counters);
    EXPECT_EQ(render_service_status(c, KernelStats::State::present), counters + "; rules loaded");
    EXPECT_EQ(render_service_status(c, KernelStats::State::missing),
              counters + "; WARNING: table inet pmtud is missing (run pmtud-setup apply)");
}

}  // namespace
}  // namespace pmtud

namespace pmtud {
namespace {

TEST(SourceWalkPolicy, WalksWhileTheSetsMustBeSmall) {
    SourceWalkPolicy p;
    EXPECT_TRUE(p.due(0, 100));  // never walked
    p.walked(10, 1000, 100);
    EXPECT_TRUE(p.due(1000, 101));
    // 10 elements + 4086 eligible PTBs since: at most 4096 elements, still cheap.
    EXPECT_TRUE(p.due(1000 + 4086, 105));
    // One more and the sets could hold 4097: keep the last counts.
    EXPECT_FALSE(p.due(1000 + 4087, 105));
    EXPECT_FALSE(p.due(2'000'000, 159));
    // A minute after the last walk: walk whatever it costs.
    EXPECT_TRUE(p.due(2'000'000, 160));
}

TEST(SourceWalkPolicy, ReloadedTableMeansEmptySets) {
    SourceWalkPolicy p;
    p.walked(60000, 1'000'000, 100);
    EXPECT_FALSE(p.due(1'000'001, 101));
    EXPECT_TRUE(p.due(5, 101));  // counters went backwards: the table was loaded again
}

TEST(SourceWalkPolicy, EligibleCountsRx4AndRx6Only) {
    KernelStats k;
    k.counters = {{"rx4", 7}, {"bad4", 100}, {"rx6", 5}, {"logged4", 3}};
    EXPECT_EQ(eligible_ptbs(k), 12u);
    EXPECT_EQ(eligible_ptbs(KernelStats{}), 0u);
}

TEST(SourceWalkPolicy, LearnedCountsLearned4AndLearned6Only) {
    KernelStats k;
    k.counters = {{"learned4", 4}, {"known_logged4", 100}, {"learned6", 2}, {"rx6", 5}};
    EXPECT_EQ(learned_sources(k), 6u);
    EXPECT_EQ(learned_sources(KernelStats{}), 0u);
}

}  // namespace
}  // namespace pmtud
