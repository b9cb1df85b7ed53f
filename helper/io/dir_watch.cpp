#include "io/dir_watch.hpp"

#include <sys/inotify.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "io/log.hpp"

namespace pmtud::io {
namespace {

constexpr std::uint32_t kEvents = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE |
                                  IN_DELETE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;

std::string dir_of(const std::string& path) {
    const std::size_t slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

}  // namespace

DirWatch::~DirWatch() {
    if (fd_ >= 0) ::close(fd_);
    if (timer_fd_ >= 0) ::close(timer_fd_);
}

bool DirWatch::open(std::string& error) {
    fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd_ < 0) {
        error = std::string("inotify_init1: ") + std::strerror(errno);
        return false;
    }
    timer_fd_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (timer_fd_ < 0) {
        error = std::string("timerfd_create: ") + std::strerror(errno);
        return false;
    }
    return true;
}

bool DirWatch::follow(const std::string& path) {
    std::vector<std::string> wanted;
    if (!path.empty()) {
        wanted.push_back(dir_of(path));
        char resolved[PATH_MAX];
        if (::realpath(path.c_str(), resolved) != nullptr) {
            const std::string target_dir = dir_of(resolved);
            if (target_dir != wanted.front()) wanted.push_back(target_dir);
        }
    }
    // Drop what is no longer wanted (a ConfigMap's previous timestamped directory).
    for (auto it = watches_.begin(); it != watches_.end();) {
        if (std::find(wanted.begin(), wanted.end(), it->second) == wanted.end()) {
            ::inotify_rm_watch(fd_, it->first);
            it = watches_.erase(it);
        } else {
            ++it;
        }
    }
    std::string error;
    for (const std::string& dir : wanted) {
        const bool have = std::any_of(watches_.begin(), watches_.end(),
                                      [&](const auto& w) { return w.second == dir; });
        if (have) continue;
        const int wd = ::inotify_add_watch(fd_, dir.c_str(), kEvents | IN_ONLYDIR);
        if (wd < 0) {
            if (error.empty()) error = dir + ": " + std::strerror(errno);
            continue;
        }
        watches_.emplace_back(wd, dir);
    }
    complete_ = error.empty();
    if (error != last_error_) {
        if (!error.empty()) {
            log_line("warning: peers: cannot watch %s (retrying every second; SIGHUP reloads)",
                     error.c_str());
        } else if (!last_error_.empty()) {
            log_line("peers: watching the peers file's directory again");
        }
        last_error_ = error;
    }
    return complete_;
}

void DirWatch::arm() noexcept {
    itimerspec spec{};
    spec.it_value.tv_nsec = static_cast<long>(kSettleMs * 1'000'000);
    ::timerfd_settime(timer_fd_, 0, &spec, nullptr);
    settling_ = true;
}

void DirWatch::drain() noexcept {
    alignas(inotify_event) char buffer[16384];
    bool any = false;
    for (;;) {
        const ssize_t n = ::read(fd_, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        any = true;
        for (ssize_t off = 0; off < n;) {
            const auto* event = reinterpret_cast<const inotify_event*>(buffer + off);
            // The directory itself went away: its watch is gone, follow() adds it back.
            if ((event->mask & IN_IGNORED) != 0) {
                std::erase_if(watches_, [&](const auto& w) { return w.first == event->wd; });
                complete_ = false;
            }
            off += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
        }
    }
    if (any) arm();
}

bool DirWatch::settled() noexcept {
    std::uint64_t count = 0;
    for (;;) {
        const ssize_t n = ::read(timer_fd_, &count, sizeof count);
        if (n < 0 && errno == EINTR) continue;
        const bool fired = n == static_cast<ssize_t>(sizeof count) && count > 0;
        if (fired) settling_ = false;
        return fired;
    }
}

}  // namespace pmtud::io
