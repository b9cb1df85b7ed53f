// Logging to stderr (journald captures it): one line per event, each prefixed "pmtud-helper: ",
// written with a single write(2) so lines from one process never interleave. No allocation:
// the per-packet path logs through here.
#pragma once

#include <cstddef>
#include <string_view>

namespace pmtud::io {

inline constexpr std::string_view kLogPrefix = "pmtud-helper: ";

// printf-style; the line is cut at kMaxLogLine bytes. A trailing newline is added.
void log_line(const char* format, ...) noexcept __attribute__((format(printf, 1, 2)));

// Writes prefix + text + "\n" (text may be long, e.g. a hex dump).
void log_text(std::string_view text) noexcept;

inline constexpr std::size_t kMaxLogLine = 1024;

}  // namespace pmtud::io
