#include "io/own_addresses.hpp"

#include <ifaddrs.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstring>

namespace pmtud::io {

bool read_own_addresses(AddressList& out, std::string& error) {
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) {
        error = std::string("getifaddrs: ") + std::strerror(errno);
        return false;
    }
    AddressList own;
    for (const ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
        if (a->ifa_addr == nullptr) continue;
        if (a->ifa_addr->sa_family == AF_INET) {
            Ipv4Addr v4;
            std::memcpy(v4.data(), &reinterpret_cast<const sockaddr_in*>(a->ifa_addr)->sin_addr,
                        v4.size());
            own.v4.push_back(v4);
        } else if (a->ifa_addr->sa_family == AF_INET6) {
            Ipv6Addr v6;
            std::memcpy(v6.data(), &reinterpret_cast<const sockaddr_in6*>(a->ifa_addr)->sin6_addr,
                        v6.size());
            own.v6.push_back(v6);
        }
    }
    ::freeifaddrs(list);
    own.normalize();
    out = std::move(own);
    return true;
}

}  // namespace pmtud::io
