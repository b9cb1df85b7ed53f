// Writes the metrics file the way node_exporter's textfile collector needs it: a temp file in
// the same directory (named so the collector ignores it), then rename(2), so a scrape never
// sees half a file.
#pragma once

#include <string>
#include <string_view>

namespace pmtud::io {

// 0 or the errno of the step that failed (the temp file is removed then). Mode 0644.
int write_file_atomically(const std::string& path, std::string_view text) noexcept;

}  // namespace pmtud::io
