#include "cpu_usage.hpp"

#include <dirent.h>

#include <cstdio>
#include <cstring>
#include <ctime>

namespace pmtud::bench {

std::uint64_t clock_ns(int clock) noexcept {
    timespec ts{};
    clock_gettime(static_cast<clockid_t>(clock), &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000U +
           static_cast<std::uint64_t>(ts.tv_nsec);
}

MachineCpu read_machine_cpu() {
    MachineCpu m;
    FILE* f = std::fopen("/proc/stat", "r");
    if (f == nullptr) return m;
    char name[16];
    CpuTicks t{};
    while (std::fscanf(f, "%15s %llu %llu %llu %llu %llu %llu %llu %llu%*[^\n]", name, &t[0], &t[1],
                       &t[2], &t[3], &t[4], &t[5], &t[6], &t[7]) == 9 &&
           std::strncmp(name, "cpu", 3) == 0) {
        if (name[3] == '\0') {
            m.all = t;
        } else {
            m.each.push_back(t);
        }
    }
    std::fclose(f);
    return m;
}

unsigned long long busy_ticks(const CpuTicks& a, const CpuTicks& b) {
    return (b[0] - a[0]) + (b[1] - a[1]) + (b[2] - a[2]) + (b[5] - a[5]) + (b[6] - a[6]);
}

std::uint64_t task_ns(const std::string& schedstat) {
    unsigned long long ns = 0;
    if (FILE* f = std::fopen(schedstat.c_str(), "r")) {
        if (std::fscanf(f, "%llu", &ns) != 1) ns = 0;
        std::fclose(f);
    }
    return ns;
}

std::string ksoftirqd_schedstat(int cpu) {
    const std::string want = "ksoftirqd/" + std::to_string(cpu) + "\n";
    DIR* proc = opendir("/proc");
    if (proc == nullptr) return {};
    std::string found;
    while (const dirent* e = readdir(proc)) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
        const std::string dir = std::string("/proc/") + e->d_name;
        char comm[64] = {};
        if (FILE* f = std::fopen((dir + "/comm").c_str(), "r")) {
            if (std::fgets(comm, sizeof comm, f) == nullptr) comm[0] = '\0';
            std::fclose(f);
        }
        if (want == comm) {
            found = dir + "/schedstat";
            break;
        }
    }
    closedir(proc);
    return found;
}

Snapshot take_snapshot(const std::string& softirqd) {
    Snapshot s;
    s.self_ns = task_ns("/proc/thread-self/schedstat");
    s.softirqd_ns = softirqd.empty() ? 0 : task_ns(softirqd);
    s.machine = read_machine_cpu();
    s.realtime_ns = clock_ns(CLOCK_REALTIME);
    s.monotonic_ns = clock_ns(CLOCK_MONOTONIC);
    return s;
}

}  // namespace pmtud::bench
