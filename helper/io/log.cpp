#include "io/log.hpp"

#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace pmtud::io {
namespace {

void write_all(iovec* iov, int count) noexcept {
    const int saved = errno;  // logging must not disturb the caller's errno
    while (count > 0) {
        const ssize_t n = ::writev(STDERR_FILENO, iov, count);
        if (n < 0) {
            if (errno == EINTR) continue;
            break;  // nowhere left to complain
        }
        auto left = static_cast<std::size_t>(n);
        while (count > 0 && left >= iov->iov_len) {
            left -= iov->iov_len;
            ++iov;
            --count;
        }
        if (count > 0) {
            iov->iov_base = static_cast<char*>(iov->iov_base) + left;
            iov->iov_len -= left;
        }
    }
    errno = saved;
}

}  // namespace

void log_line(const char* format, ...) noexcept {
    char line[kMaxLogLine];
    std::memcpy(line, kLogPrefix.data(), kLogPrefix.size());
    const std::size_t room = sizeof line - kLogPrefix.size() - 1;  // keep one byte for '\n'
    va_list args;
    va_start(args, format);
    const int n = std::vsnprintf(line + kLogPrefix.size(), room, format, args);
    va_end(args);
    std::size_t len = kLogPrefix.size();
    if (n > 0) len += static_cast<std::size_t>(n) < room ? static_cast<std::size_t>(n) : room - 1;
    line[len++] = '\n';
    iovec iov{line, len};
    write_all(&iov, 1);
}

void log_text(std::string_view text) noexcept {
    char newline = '\n';
    iovec iov[3] = {
        {const_cast<char*>(kLogPrefix.data()), kLogPrefix.size()},
        {const_cast<char*>(text.data()), text.size()},
        {&newline, 1},
    };
    write_all(iov, 3);
}

}  // namespace pmtud::io
