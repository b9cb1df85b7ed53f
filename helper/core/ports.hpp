// The inner L4 source-port allow-list: a 65536-bit set. Empty means every port is allowed.
#pragma once

#include <bitset>
#include <cstdint>
#include <string>
#include <string_view>

namespace pmtud {

class PortSet {
public:
    void allow(std::uint16_t lo, std::uint16_t hi) noexcept;  // inclusive; lo <= hi
    bool empty() const noexcept { return count_ == 0; }
    bool allows(std::uint16_t port) const noexcept { return bits_.test(port); }
    std::size_t count() const noexcept { return count_; }
    // "80,443,8000-8999" (ranges merged); "" when empty.
    std::string to_string() const;

    bool operator==(const PortSet&) const = default;

private:
    std::bitset<65536> bits_;
    std::size_t count_ = 0;
};

// Parse "80,443,8000-8999" (spaces after commas allowed; "" = empty set).
// On error returns false and sets error to a one-line description.
bool parse_ports(std::string_view text, PortSet& out, std::string& error);

}  // namespace pmtud
