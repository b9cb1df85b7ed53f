#include "io/group_holder.hpp"

#include <dirent.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace pmtud::io {
namespace {

constexpr int kNetlinkNetfilter = 12;  // NETLINK_NETFILTER, the "Eth" column of /proc/net/netlink

unsigned long netlink_inode(std::uint32_t portid) {
    std::ifstream in("/proc/net/netlink");
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string sk, groups, rmem, wmem, dump, locks, drops;
        int protocol = -1;
        std::uint32_t pid = 0;
        unsigned long inode = 0;
        if (fields >> sk >> protocol >> pid >> groups >> rmem >> wmem >> dump >> locks >> drops >>
                inode &&
            protocol == kNetlinkNetfilter && pid == portid) {
            return inode;
        }
    }
    return 0;
}

long pid_with_socket(unsigned long inode) {
    char wanted[64];
    std::snprintf(wanted, sizeof wanted, "socket:[%lu]", inode);
    DIR* proc = ::opendir("/proc");
    if (proc == nullptr) return 0;
    long found = 0;
    while (found == 0) {
        const dirent* entry = ::readdir(proc);
        if (entry == nullptr) break;
        char* end = nullptr;
        const long pid = std::strtol(entry->d_name, &end, 10);
        if (pid <= 0 || *end != '\0') continue;
        const std::string fd_dir = "/proc/" + std::string(entry->d_name) + "/fd";
        DIR* fds = ::opendir(fd_dir.c_str());
        if (fds == nullptr) continue;
        while (const dirent* fd = ::readdir(fds)) {
            char target[64];
            const std::string link = fd_dir + "/" + fd->d_name;
            const ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
            if (n <= 0) continue;
            target[n] = '\0';
            if (std::strcmp(target, wanted) == 0) {
                found = pid;
                break;
            }
        }
        ::closedir(fds);
    }
    ::closedir(proc);
    return found;
}

}  // namespace

GroupHolder find_group_holder(std::uint16_t group) {
    GroupHolder holder;
    std::ifstream in(kNflogProcFile);
    unsigned g = 0, portid = 0;
    std::string rest;
    while (in >> g >> portid && std::getline(in, rest)) {
        if (g == group) {
            holder.bound = true;
            holder.portid = portid;
            break;
        }
    }
    if (!holder.bound) return holder;
    if (const unsigned long inode = netlink_inode(holder.portid); inode != 0) {
        holder.pid = pid_with_socket(inode);
    }
    if (holder.pid != 0) {
        std::ifstream comm("/proc/" + std::to_string(holder.pid) + "/comm");
        std::getline(comm, holder.comm);
    }
    return holder;
}

std::string describe(const GroupHolder& holder) {
    std::string text = "portid " + std::to_string(holder.portid);
    if (holder.pid != 0) {
        text += ", pid " + std::to_string(holder.pid) + " (" + holder.comm + ")";
    } else {
        text += ", process not found";
    }
    return text;
}

}  // namespace pmtud::io
