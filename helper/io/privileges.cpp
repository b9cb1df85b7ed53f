#include "io/privileges.hpp"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pmtud::io {
namespace {

// glibc has no wrapper for capget/capset; libcap would be one more dependency for two calls.
bool capget_v3(__user_cap_data_struct (&data)[2]) noexcept {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    return ::syscall(SYS_capget, &header, data) == 0;
}

}  // namespace

bool has_capability(int cap) noexcept {
    __user_cap_data_struct data[2]{};
    if (cap < 0 || cap > 63 || !capget_v3(data)) return false;
    return (data[cap / 32].effective >> (cap % 32)) & 1U;
}

bool drop_capabilities(std::string& error) {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        error = std::string("prctl(PR_SET_NO_NEW_PRIVS): ") + std::strerror(errno);
        return false;
    }
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    if (::syscall(SYS_capset, &header, data) != 0) {
        error = std::string("capset: ") + std::strerror(errno);
        return false;
    }
    return true;
}

}  // namespace pmtud::io
