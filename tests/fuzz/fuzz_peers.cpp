// libFuzzer target: arbitrary bytes as a peers file and as a `peers` value.
// Properties checked on every accepted input (a violation aborts, which libFuzzer reports):
//  - never more than kMaxPeers addresses, each family sorted and without duplicates;
//  - the rendered list (file lines, and the comma list) parses back to the same list;
//  - every address is found by contains(), and select_peers() with the list's first half as
//    this host's own addresses splits it exactly: targets and skipped add up, none overlap.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/peers.hpp"

namespace {

using namespace pmtud;

void check(bool ok) {
    if (!ok) std::abort();
}

void check_list(const AddressList& list) {
    check(list.size() <= kMaxPeers);
    check(std::adjacent_find(list.v4.begin(), list.v4.end(), std::greater_equal<>()) ==
          list.v4.end());
    check(std::adjacent_find(list.v6.begin(), list.v6.end(), std::greater_equal<>()) ==
          list.v6.end());
    for (const auto& a : list.v4) check(list.contains(Family::v4, a.data()));
    for (const auto& a : list.v6) check(list.contains(Family::v6, a.data()));

    AddressList again;
    PeersFileError file_error;
    check(parse_peers_file(render_peer_lines(list), again, file_error));
    check(again == list);
    std::string error;
    check(parse_peer_list(join_peers(list), again, error));
    check(again == list);

    AddressList own;
    own.v4.assign(list.v4.begin(), list.v4.begin() + static_cast<long>(list.v4.size() / 2));
    own.v6.assign(list.v6.begin(), list.v6.begin() + static_cast<long>(list.v6.size() / 2));
    const PeerSelection s = select_peers(list, own);
    check(s.own_skipped == own.size());
    check(s.targets.size() + s.own_skipped == list.size());
    for (const auto& a : s.targets.v4) check(!own.contains(Family::v4, a.data()));
    for (const auto& a : s.targets.v6) check(!own.contains(Family::v6, a.data()));
    check(s.source_v4.has_value() == !own.v4.empty());
    check(s.source_v6.has_value() == !own.v6.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    AddressList list;
    PeersFileError file_error;
    if (parse_peers_file(text, list, file_error)) {
        check_list(list);
    } else {
        check(!file_error.message.empty() && file_error.message.find('\n') == std::string::npos);
        check(list.empty());
    }
    std::string error;
    if (parse_peer_list(text, list, error)) {
        check_list(list);
    } else {
        check(!error.empty() && error.find('\n') == std::string::npos);
    }
    return 0;
}
