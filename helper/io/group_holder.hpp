// Who holds an NFLOG group: /proc/net/netfilter/nfnetlink_log gives the netlink portid bound to
// the group (per network namespace), /proc/net/netlink maps the portid to a socket inode, and
// /proc/<pid>/fd finds the process that has that socket open.
#pragma once

#include <cstdint>
#include <string>

namespace pmtud::io {

inline constexpr const char* kNflogProcFile = "/proc/net/netfilter/nfnetlink_log";

struct GroupHolder {
    bool bound = false;  // the group has a line in kNflogProcFile
    std::uint32_t portid = 0;
    long pid = 0;      // 0 when the process was not found (another PID namespace, ...)
    std::string comm;  // /proc/<pid>/comm
};

GroupHolder find_group_holder(std::uint16_t group);

// "portid 1234, pid 567 (pmtud-helper)" or "portid 1234, process not found".
std::string describe(const GroupHolder& holder);

}  // namespace pmtud::io
