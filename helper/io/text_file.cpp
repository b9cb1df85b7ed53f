#include "io/text_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <new>

namespace pmtud::io {

int read_text_file(const std::string& path, std::string& out, std::size_t max_bytes) noexcept {
    out.clear();
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    char chunk[4096];
    int err = 0;
    try {
        for (;;) {
            const ssize_t n = ::read(fd, chunk, sizeof chunk);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) {
                err = errno;
                break;
            }
            if (n == 0) break;
            out.append(chunk, static_cast<std::size_t>(n));
            if (out.size() > max_bytes) {
                err = EFBIG;
                break;
            }
        }
    } catch (const std::bad_alloc&) {
        err = ENOMEM;
    }
    ::close(fd);
    return err;
}

}  // namespace pmtud::io
