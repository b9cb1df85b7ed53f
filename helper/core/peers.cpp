#include "core/peers.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "core/text.hpp"

namespace pmtud {
namespace {

template <class A>
bool all_bytes(const A& a, std::size_t from, std::size_t to, std::uint8_t value) {
    for (std::size_t i = from; i < to; ++i) {
        if (a[i] != value) return false;
    }
    return true;
}

// The class that makes an address useless or harmful as a copy's destination, or nullptr.
const char* refused_class(const Ipv4Addr& a) {
    if (a[0] == 127) return "a loopback address (127.0.0.0/8)";
    if (a[0] == 169 && a[1] == 254) return "a link-local address (169.254.0.0/16)";
    if ((a[0] & 0xf0) == 224) return "a multicast address (224.0.0.0/4)";
    if (all_bytes(a, 0, 4, 0)) return "the unspecified address (0.0.0.0)";
    if (all_bytes(a, 0, 4, 255)) return "the limited broadcast address (255.255.255.255)";
    return nullptr;
}

const char* refused_class(const Ipv6Addr& a) {
    if (all_bytes(a, 0, 15, 0) && a[15] == 1) return "a loopback address (::1)";
    if (all_bytes(a, 0, 16, 0)) return "the unspecified address (::)";
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) return "a link-local address (fe80::/10)";
    if (a[0] == 0xff) return "a multicast address (ff00::/8)";
    if (all_bytes(a, 0, 10, 0) && a[10] == 0xff && a[11] == 0xff) {
        return "an IPv4-mapped IPv6 address (::ffff:0:0/96; list the IPv4 address instead)";
    }
    return nullptr;
}

std::string too_many(std::size_t n) {
    return std::to_string(n) + " peers (at most " + std::to_string(kMaxPeers) + ")";
}

}  // namespace

bool AddressList::contains(Family family, const std::uint8_t* addr) const noexcept {
    if (family == Family::v4) {
        Ipv4Addr key;
        std::memcpy(key.data(), addr, key.size());
        return std::binary_search(v4.begin(), v4.end(), key);
    }
    Ipv6Addr key;
    std::memcpy(key.data(), addr, key.size());
    return std::binary_search(v6.begin(), v6.end(), key);
}

void AddressList::normalize() {
    std::sort(v4.begin(), v4.end());
    v4.erase(std::unique(v4.begin(), v4.end()), v4.end());
    std::sort(v6.begin(), v6.end());
    v6.erase(std::unique(v6.begin(), v6.end()), v6.end());
}

bool parse_peer(std::string_view text, AddressList& into, std::string& error) {
    // inet_pton wants a C string; anything longer than the longest address is not one.
    const std::string value(text.substr(0, INET6_ADDRSTRLEN + 1));
    const char* why = nullptr;
    if (value.size() == text.size() && value.find('\0') == std::string::npos) {
        Ipv4Addr a4;
        Ipv6Addr a6;
        if (inet_pton(AF_INET, value.c_str(), a4.data()) == 1) {
            why = refused_class(a4);
            if (why == nullptr) {
                into.v4.push_back(a4);
                return true;
            }
        } else if (inet_pton(AF_INET6, value.c_str(), a6.data()) == 1) {
            why = refused_class(a6);
            if (why == nullptr) {
                into.v6.push_back(a6);
                return true;
            }
        }
    }
    error = quoted(text) + (why == nullptr ? std::string(" is not an IPv4 or IPv6 address")
                                           : std::string(" is ") + why);
    return false;
}

bool parse_peer_list(std::string_view text, AddressList& out, std::string& error) {
    AddressList list;
    text = trim(text);
    if (!text.empty()) {
        std::size_t start = 0;
        for (std::size_t index = 1;; ++index) {
            const std::size_t comma = text.find(',', start);
            const std::string_view item = trim(text.substr(
                start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
            if (item.empty()) {
                error = "element " + std::to_string(index) + " of " + quoted(text) + " is empty";
                return false;
            }
            if (!parse_peer(item, list, error)) return false;
            if (comma == std::string_view::npos) break;
            start = comma + 1;
        }
    }
    list.normalize();
    if (list.size() > kMaxPeers) {
        error = too_many(list.size());
        return false;
    }
    out = std::move(list);
    return true;
}

bool parse_peers_file(std::string_view text, AddressList& out, PeersFileError& error) {
    AddressList list;
    const bool ok = for_each_line(text, [&](int line_no, std::string_view line) {
        line = trim(line);
        if (line.empty()) return true;
        std::string message;
        if (parse_peer(line, list, message)) return true;
        error = PeersFileError{line_no, std::move(message)};
        return false;
    });
    if (!ok) return false;
    list.normalize();
    if (list.size() > kMaxPeers) {
        error = PeersFileError{0, too_many(list.size())};
        return false;
    }
    out = std::move(list);
    return true;
}

bool merge_peers(const AddressList& a, const AddressList& b, AddressList& out, std::string& error) {
    AddressList all;
    all.v4.reserve(a.v4.size() + b.v4.size());
    all.v6.reserve(a.v6.size() + b.v6.size());
    std::set_union(a.v4.begin(), a.v4.end(), b.v4.begin(), b.v4.end(), std::back_inserter(all.v4));
    std::set_union(a.v6.begin(), a.v6.end(), b.v6.begin(), b.v6.end(), std::back_inserter(all.v6));
    if (all.size() > kMaxPeers) {
        error = too_many(all.size()) + " in all";
        return false;
    }
    out = std::move(all);
    return true;
}

std::string format_address(const Ipv4Addr& a) {
    char text[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, a.data(), text, sizeof text);
    return text;
}

std::string format_address(const Ipv6Addr& a) {
    char text[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, a.data(), text, sizeof text);
    return text;
}

std::string render_peer_lines(const AddressList& peers) {
    std::string out;
    for (const auto& a : peers.v4) out += format_address(a) + '\n';
    for (const auto& a : peers.v6) out += format_address(a) + '\n';
    return out;
}

std::string join_peers(const AddressList& peers) {
    std::string out;
    const auto add = [&out](const std::string& text) {
        if (!out.empty()) out += ',';
        out += text;
    };
    for (const auto& a : peers.v4) add(format_address(a));
    for (const auto& a : peers.v6) add(format_address(a));
    return out;
}

PeerSelection select_peers(const AddressList& peers, const AddressList& own) {
    PeerSelection s;
    for (const auto& a : peers.v4) {
        if (std::binary_search(own.v4.begin(), own.v4.end(), a)) {
            ++s.own_skipped;
            if (!s.source_v4) s.source_v4 = a;  // the lowest: peers.v4 is sorted
        } else {
            s.targets.v4.push_back(a);
        }
    }
    for (const auto& a : peers.v6) {
        if (std::binary_search(own.v6.begin(), own.v6.end(), a)) {
            ++s.own_skipped;
            if (!s.source_v6) s.source_v6 = a;
        } else {
            s.targets.v6.push_back(a);
        }
    }
    return s;
}

}  // namespace pmtud
