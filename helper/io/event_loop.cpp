#include "io/event_loop.hpp"

#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

namespace pmtud::io {
namespace {

std::string errno_text(const char* what) {
    return std::string(what) + ": " + std::strerror(errno);
}

}  // namespace

EventLoop::~EventLoop() {
    if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

bool EventLoop::open(std::string& error) {
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd_ < 0) error = errno_text("epoll_create1");
    return epoll_fd_ >= 0;
}

bool EventLoop::watch(int fd, std::function<void()> on_readable, std::string& error) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = handlers_.size();
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) {
        error = errno_text("epoll_ctl");
        return false;
    }
    handlers_.push_back(std::move(on_readable));
    return true;
}

bool EventLoop::run(std::string& error) {
    running_ = true;
    epoll_event events[8];
    while (running_) {
        const int n = ::epoll_wait(epoll_fd_, events, 8, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            error = errno_text("epoll_wait");
            return false;
        }
        for (int i = 0; i < n && running_; ++i) handlers_[events[i].data.u64]();
    }
    return true;
}

SignalSource::~SignalSource() {
    if (fd_ >= 0) ::close(fd_);
}

bool SignalSource::open(std::initializer_list<int> signals, std::string& error) {
    sigset_t set;
    sigemptyset(&set);
    for (const int s : signals) sigaddset(&set, s);
    if (::sigprocmask(SIG_BLOCK, &set, nullptr) != 0) {
        error = errno_text("sigprocmask");
        return false;
    }
    fd_ = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd_ < 0) error = errno_text("signalfd");
    return fd_ >= 0;
}

int SignalSource::next() noexcept {
    signalfd_siginfo info;
    for (;;) {
        const ssize_t n = ::read(fd_, &info, sizeof info);
        if (n < 0 && errno == EINTR) continue;
        if (n != static_cast<ssize_t>(sizeof info)) return 0;
        return static_cast<int>(info.ssi_signo);
    }
}

IntervalTimer::~IntervalTimer() {
    if (fd_ >= 0) ::close(fd_);
}

bool IntervalTimer::open(std::uint64_t period_ms, std::string& error) {
    fd_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (fd_ < 0) {
        error = errno_text("timerfd_create");
        return false;
    }
    itimerspec spec{};
    spec.it_interval.tv_sec = static_cast<time_t>(period_ms / 1000);
    spec.it_interval.tv_nsec = static_cast<long>((period_ms % 1000) * 1000000);
    spec.it_value = spec.it_interval;
    if (::timerfd_settime(fd_, 0, &spec, nullptr) != 0) {
        error = errno_text("timerfd_settime");
        return false;
    }
    return true;
}

std::uint64_t IntervalTimer::expirations() noexcept {
    std::uint64_t count = 0;
    for (;;) {
        const ssize_t n = ::read(fd_, &count, sizeof count);
        if (n < 0 && errno == EINTR) continue;
        return n == static_cast<ssize_t>(sizeof count) ? count : 0;
    }
}

}  // namespace pmtud::io
