// Reads table inet pmtud through nf_tables netlink (libnftnl + libmnl): whether the table is
// loaded, its named counters, its storm flags, and how many elements the per-source sets
// src4/src6 and the known-source sets known4/known6 hold. Runs on
// the helper's timer, never on the per-packet path. nfnetlink checks CAP_NET_ADMIN on every
// request, reads included, so the helper keeps that one capability while this is in use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/metrics.hpp"

struct mnl_socket;
struct nlmsghdr;

namespace pmtud::io {

inline constexpr const char* kTableName = "pmtud";

class KernelStatsReader {
public:
    KernelStatsReader();
    ~KernelStatsReader();
    KernelStatsReader(const KernelStatsReader&) = delete;
    KernelStatsReader& operator=(const KernelStatsReader&) = delete;

    // Opens the netlink socket (no capability needed for that); false with a one-line error.
    bool open(std::string& error);

    // The table and its named counters into out. state is present or missing on success; on
    // failure (EPERM without CAP_NET_ADMIN, a timeout, ...) it is unknown and error says why.
    // tracked_v4/v6 are left as the caller had them (count_sources refreshes them).
    bool read(KernelStats& out, std::string& error);
    // Walks the per-source sets src4/src6 into out.tracked_v4/v6, and the known-source sets
    // known4/known6 into out.known_v4/v6 (a missing set: nullopt). Costly when they are full:
    // see SourceWalkPolicy.
    bool count_sources(KernelStats& out, std::string& error);

private:
    using Callback = int (*)(const nlmsghdr*, void*);
    // Sends message and runs cb on every reply until the dump ends or the ACK arrives: 0 or an
    // errno (the kernel's, e.g. ENOENT, or the socket's).
    int query(nlmsghdr* message, Callback cb, void* data);
    bool reopen(std::string& error);
    // Dumps the elements of set set_name of the table through cb: 0 or an errno (ENOENT: none).
    int dump_elements(const char* set_name, Callback cb, void* data);

    static constexpr std::size_t kBufferSize = 64 * 1024;  // > the kernel's dump skb (32 KiB)
    mnl_socket* socket_ = nullptr;
    std::unique_ptr<char[]> buffer_;
    std::uint32_t portid_ = 0;
    std::uint32_t seq_ = 0;
};

}  // namespace pmtud::io
