// A single-threaded epoll loop over a few file descriptors, plus the two event sources the
// helper needs besides its sockets: signals as a signalfd and a periodic timerfd.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

namespace pmtud::io {

class EventLoop {
public:
    EventLoop() = default;
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    bool open(std::string& error);
    // on_readable runs whenever fd is readable (level-triggered); registered before run().
    bool watch(int fd, std::function<void()> on_readable, std::string& error);
    // Runs until stop(); false (with error) if epoll_wait fails for a reason other than EINTR.
    bool run(std::string& error);
    void stop() noexcept { running_ = false; }

private:
    int epoll_fd_ = -1;
    bool running_ = false;
    std::vector<std::function<void()>> handlers_;  // indexed by the epoll data
};

// Blocks the given signals and delivers them through a file descriptor.
class SignalSource {
public:
    ~SignalSource();
    bool open(std::initializer_list<int> signals, std::string& error);
    int fd() const noexcept { return fd_; }
    // The next pending signal number, or 0 when none is pending.
    int next() noexcept;

private:
    int fd_ = -1;
};

// A periodic monotonic timer.
class IntervalTimer {
public:
    ~IntervalTimer();
    bool open(std::uint64_t period_ms, std::string& error);
    int fd() const noexcept { return fd_; }
    // Expirations since the last call (0 if none); clears readability.
    std::uint64_t expirations() noexcept;

private:
    int fd_ = -1;
};

}  // namespace pmtud::io
