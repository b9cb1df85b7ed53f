// Notices changes to a file by watching its directory with inotify: editors and configuration
// management replace a file by rename, and a Kubernetes ConfigMap volume swaps a `..data`
// symlink next to it, so the file's own inode is the wrong thing to watch. The directory of the
// path as given is watched, and the directory of its resolved target when a symlink leads
// elsewhere. Any entry created, deleted, moved in, closed after writing or changed in its
// attributes arms a short settle timer; the caller re-reads when it fires and compares.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace pmtud::io {

class DirWatch {
public:
    // A burst of events (write a temp file, rename it over) is one re-read, after the writer is
    // done.
    static constexpr std::uint64_t kSettleMs = 100;

    DirWatch() = default;
    ~DirWatch();
    DirWatch(const DirWatch&) = delete;
    DirWatch& operator=(const DirWatch&) = delete;

    bool open(std::string& error);
    int fd() const noexcept { return fd_; }
    int settle_fd() const noexcept { return timer_fd_; }

    // Watches what path needs (nothing for ""); again after every re-read, as a symlink's
    // target may have moved. False (logged once) when a directory cannot be watched yet:
    // complete() stays false and the caller retries.
    bool follow(const std::string& path);
    bool complete() const noexcept { return complete_; }

    // fd() readable: consume the events; anything at all arms the settle timer.
    void drain() noexcept;
    // settle_fd() readable: true when the settle time has passed since the last event.
    bool settled() noexcept;
    // Events came and their re-read is still to come.
    bool settling() const noexcept { return settling_; }

private:
    void arm() noexcept;

    int fd_ = -1;
    int timer_fd_ = -1;
    std::vector<std::pair<int, std::string>> watches_;  // watch descriptor, directory
    bool complete_ = true;
    bool settling_ = false;
    std::string last_error_;  // logged once per change
};

}  // namespace pmtud::io
