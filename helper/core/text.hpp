// Small text helpers shared by the config and peers parsers: every error line quotes the
// offending piece through quoted(), so a binary or mangled file still gives one short line.
#pragma once

#include <string>
#include <string_view>

namespace pmtud {

// s in double quotes, control and non-ASCII bytes as \xNN, cut after 64 bytes ("...").
std::string quoted(std::string_view s);

// The C-locale isspace set, which is also what the kernel refuses in interface names.
constexpr bool is_space(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

std::string_view trim(std::string_view s) noexcept;

// Calls on_line(line_no, line) for each line of text (1-based numbers), with what follows a
// '#' cut off; stops at and returns the first false.
template <class F>
bool for_each_line(std::string_view text, F&& on_line) {
    int line_no = 0;
    std::size_t start = 0;
    while (start < text.size()) {
        ++line_no;
        const std::size_t nl = text.find('\n', start);
        const std::size_t stop = nl == std::string_view::npos ? text.size() : nl;
        std::string_view line = text.substr(start, stop - start);
        if (const auto hash = line.find('#'); hash != std::string_view::npos) {
            line = line.substr(0, hash);
        }
        if (!on_line(line_no, line)) return false;
        start = stop + 1;
    }
    return true;
}

}  // namespace pmtud
