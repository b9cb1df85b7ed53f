// Reads a small text file (the config file, the peers file) whole.
#pragma once

#include <cstddef>
#include <string>

namespace pmtud::io {

// 0 or an errno; out gets the bytes read. A file over max_bytes is refused with EFBIG.
int read_text_file(const std::string& path, std::string& out, std::size_t max_bytes) noexcept;

}  // namespace pmtud::io
