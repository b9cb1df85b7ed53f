#include "io/privileges.hpp"

#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <vector>

namespace pmtud::io {
namespace {

// glibc has no wrapper for capget/capset; the few calls needed do not justify a library.
bool capget_v3(__user_cap_data_struct (&data)[2]) noexcept {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    return ::syscall(SYS_capget, &header, data) == 0;
}

std::string errno_text(const char* what) {
    return std::string(what) + ": " + std::strerror(errno);
}

// Every capability but the kept one leaves the bounding set. Needs CAP_SETPCAP.
bool limit_bounding_set(std::uint64_t keep, std::string& error) {
    for (int cap = 0; cap < 64; ++cap) {
        if ((keep >> cap) & 1U) continue;
        if (::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0) break;  // past the kernel's last cap
        if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
            error = errno_text("prctl(PR_CAPBSET_DROP)");
            return false;
        }
    }
    return true;
}

bool switch_user(const Identity& user, std::string& error) {
    // Permitted capabilities survive setuid only with keepcaps; effective ones are cleared and
    // set again below.
    if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) {
        error = errno_text("prctl(PR_SET_KEEPCAPS)");
        return false;
    }
    if (::setgroups(0, nullptr) != 0) {
        error = errno_text("setgroups");
        return false;
    }
    if (::setresgid(user.gid, user.gid, user.gid) != 0) {
        error = errno_text("setresgid");
        return false;
    }
    if (::setresuid(user.uid, user.uid, user.uid) != 0) {
        error = errno_text("setresuid");
        return false;
    }
    if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) {
        error = errno_text("prctl(PR_SET_KEEPCAPS)");
        return false;
    }
    return true;
}

}  // namespace

bool has_capability(int cap) noexcept {
    __user_cap_data_struct data[2]{};
    if (cap < 0 || cap > 63 || !capget_v3(data)) return false;
    return (data[cap / 32].effective >> (cap % 32)) & 1U;
}

bool lookup_user(const std::string& name, Identity& out, std::string& error) {
    passwd entry{};
    passwd* found = nullptr;
    std::vector<char> buffer(16384);
    const int err = ::getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
    if (found == nullptr) {
        error = "--user: no user named '" + name + "'";
        if (err != 0) error += std::string(" (") + std::strerror(err) + ")";
        return false;
    }
    out.uid = entry.pw_uid;
    out.gid = entry.pw_gid;
    return true;
}

bool drop_privileges(const PrivilegeDrop& drop, std::string& error) {
    __user_cap_data_struct now[2]{};
    if (!capget_v3(now)) {
        error = errno_text("capget");
        return false;
    }
    const std::uint64_t permitted = now[0].permitted | (std::uint64_t{now[1].permitted} << 32);
    // Kept only if held: a process started without it has nothing to keep.
    const std::uint64_t keep = drop.keep_net_admin ? permitted & (1ULL << CAP_NET_ADMIN) : 0;
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        error = errno_text("prctl(PR_SET_NO_NEW_PRIVS)");
        return false;
    }
    if (has_capability(CAP_SETPCAP) && !limit_bounding_set(keep, error)) return false;
    if (drop.user && !switch_user(*drop.user, error)) return false;
    // Clearing the permitted set clears the ambient set too; say so explicitly all the same.
    ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    for (int i = 0; i < 2; ++i) {
        data[i].effective = data[i].permitted = static_cast<std::uint32_t>(keep >> (32 * i));
    }
    if (::syscall(SYS_capset, &header, data) != 0) {
        error = errno_text(keep != 0 ? "capset (keeping CAP_NET_ADMIN)" : "capset");
        return false;
    }
    return true;
}

}  // namespace pmtud::io
