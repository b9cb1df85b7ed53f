// CPU readings for ptb-send: the machine's /proc/stat, and the exact on-CPU time of a task from
// its schedstat (blind to whatever else the machine runs, unlike /proc/stat).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace pmtud::bench {

// One line of /proc/stat: user nice system idle iowait irq softirq steal, in USER_HZ ticks.
using CpuTicks = std::array<unsigned long long, 8>;

struct MachineCpu {
    CpuTicks all{};              // the "cpu" line: every CPU
    std::vector<CpuTicks> each;  // "cpu0", "cpu1", ...
};

MachineCpu read_machine_cpu();

// Busy ticks between two readings: user nice system irq softirq (not idle, not iowait, not
// steal: time the host took away).
unsigned long long busy_ticks(const CpuTicks& before, const CpuTicks& after);

// On-CPU ns of a task (the first field of a schedstat file); 0 when unreadable.
std::uint64_t task_ns(const std::string& schedstat_path);

// The schedstat file of ksoftirqd/CPU (receive work the kernel deferred out of the sender's
// context), or "" when not found.
std::string ksoftirqd_schedstat(int cpu);

// Everything ptb-send reports over its sending window, at one instant.
struct Snapshot {
    MachineCpu machine;
    std::uint64_t self_ns = 0;      // this thread's on-CPU time
    std::uint64_t softirqd_ns = 0;  // ksoftirqd of the pinned CPU (0 without one)
    std::uint64_t realtime_ns = 0;
    std::uint64_t monotonic_ns = 0;
};

Snapshot take_snapshot(const std::string& softirqd_schedstat);

std::uint64_t clock_ns(int clock) noexcept;

}  // namespace pmtud::bench
