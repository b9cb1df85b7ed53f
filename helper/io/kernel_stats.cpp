#include "io/kernel_stats.hpp"

#include <libmnl/libmnl.h>
#include <libnftnl/object.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

namespace pmtud::io {
namespace {

constexpr int kReplyTimeoutSeconds = 1;  // the loop must not hang on a kernel that never answers

std::string errno_text(const char* what, int err) {
    return std::string(what) + ": " + std::strerror(err);
}

// RAII for the libnftnl objects used only to build a request.
template <class T, void (*Free)(const T*)>
struct Owned {
    T* p;
    ~Owned() { Free(p); }
};

int on_counter(const nlmsghdr* h, void* data) {
    auto& counters = *static_cast<std::vector<KernelStats::NamedCounter>*>(data);
    Owned<nftnl_obj, nftnl_obj_free> obj{nftnl_obj_alloc()};
    if (obj.p == nullptr) return MNL_CB_ERROR;
    if (nftnl_obj_nlmsg_parse(h, obj.p) < 0) return MNL_CB_ERROR;
    if (nftnl_obj_get_u32(obj.p, NFTNL_OBJ_TYPE) != NFT_OBJECT_COUNTER) return MNL_CB_OK;
    const char* name = nftnl_obj_get_str(obj.p, NFTNL_OBJ_NAME);
    if (name == nullptr) return MNL_CB_OK;
    counters.push_back({name, nftnl_obj_get_u64(obj.p, NFTNL_OBJ_CTR_PKTS)});
    return MNL_CB_OK;
}

// Counts NFTA_LIST_ELEM entries without building element objects: a full set is 65535 of them.
int count_element(const nlattr* attr, void* data) {
    if (mnl_attr_get_type(attr) == NFTA_LIST_ELEM) ++*static_cast<std::uint64_t*>(data);
    return MNL_CB_OK;
}

int on_elements_attr(const nlattr* attr, void* data) {
    if (mnl_attr_get_type(attr) != NFTA_SET_ELEM_LIST_ELEMENTS) return MNL_CB_OK;
    return mnl_attr_parse_nested(attr, count_element, data);
}

int on_elements(const nlmsghdr* h, void* data) {
    return mnl_attr_parse(h, sizeof(nfgenmsg), on_elements_attr, data);
}

// The storm set's keys: meta l4proto, one byte (1 icmp, 58 ipv6-icmp).
struct StormKeys {
    bool v4 = false;
    bool v6 = false;
};

int on_key_data(const nlattr* attr, void* data) {
    if (mnl_attr_get_type(attr) != NFTA_DATA_VALUE || mnl_attr_get_payload_len(attr) < 1) {
        return MNL_CB_OK;
    }
    auto& keys = *static_cast<StormKeys*>(data);
    const auto proto = *static_cast<const std::uint8_t*>(mnl_attr_get_payload(attr));
    if (proto == IPPROTO_ICMP) keys.v4 = true;
    if (proto == IPPROTO_ICMPV6) keys.v6 = true;
    return MNL_CB_OK;
}

int on_elem_field(const nlattr* attr, void* data) {
    if (mnl_attr_get_type(attr) != NFTA_SET_ELEM_KEY) return MNL_CB_OK;
    return mnl_attr_parse_nested(attr, on_key_data, data);
}

int on_storm_element(const nlattr* attr, void* data) {
    if (mnl_attr_get_type(attr) != NFTA_LIST_ELEM) return MNL_CB_OK;
    return mnl_attr_parse_nested(attr, on_elem_field, data);
}

int on_storm_attr(const nlattr* attr, void* data) {
    if (mnl_attr_get_type(attr) != NFTA_SET_ELEM_LIST_ELEMENTS) return MNL_CB_OK;
    return mnl_attr_parse_nested(attr, on_storm_element, data);
}

int on_storm(const nlmsghdr* h, void* data) {
    return mnl_attr_parse(h, sizeof(nfgenmsg), on_storm_attr, data);
}

int on_table(const nlmsghdr*, void*) {
    return MNL_CB_OK;
}

}  // namespace

KernelStatsReader::KernelStatsReader() : buffer_(new char[kBufferSize]) {}

KernelStatsReader::~KernelStatsReader() {
    if (socket_ != nullptr) mnl_socket_close(socket_);
}

bool KernelStatsReader::open(std::string& error) {
    socket_ = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
    if (socket_ == nullptr) {
        error = errno_text("nftables netlink socket", errno);
        return false;
    }
    if (mnl_socket_bind(socket_, 0, MNL_SOCKET_AUTOPID) < 0) {
        error = errno_text("nftables netlink bind", errno);
        mnl_socket_close(socket_);
        socket_ = nullptr;
        return false;
    }
    portid_ = mnl_socket_get_portid(socket_);
    timeval timeout{kReplyTimeoutSeconds, 0};
    setsockopt(mnl_socket_get_fd(socket_), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    return true;
}

// After a failed query the socket may still hold the rest of a reply: start from a clean one.
bool KernelStatsReader::reopen(std::string& error) {
    if (socket_ != nullptr) mnl_socket_close(socket_);
    socket_ = nullptr;
    return open(error);
}

int KernelStatsReader::query(nlmsghdr* message, Callback cb, void* data) {
    const std::uint32_t seq = message->nlmsg_seq;
    if (mnl_socket_sendto(socket_, message, message->nlmsg_len) < 0) return errno;
    for (;;) {
        const ssize_t n = mnl_socket_recvfrom(socket_, buffer_.get(), kBufferSize);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno == EAGAIN ? ETIMEDOUT : errno;
        }
        const int ret =
            mnl_cb_run(buffer_.get(), static_cast<std::size_t>(n), seq, portid_, cb, data);
        if (ret < 0) return errno != 0 ? errno : EPROTO;
        if (ret == MNL_CB_STOP) return 0;
    }
}

int KernelStatsReader::dump_elements(const char* set_name, Callback cb, void* data) {
    Owned<nftnl_set, nftnl_set_free> set{nftnl_set_alloc()};
    if (set.p == nullptr) return ENOMEM;
    nftnl_set_set_str(set.p, NFTNL_SET_TABLE, kTableName);
    nftnl_set_set_str(set.p, NFTNL_SET_NAME, set_name);
    nlmsghdr* h =
        nftnl_nlmsg_build_hdr(buffer_.get(), NFT_MSG_GETSETELEM, NFPROTO_INET, NLM_F_DUMP, ++seq_);
    nftnl_set_elems_nlmsg_build_payload(h, set.p);
    return query(h, cb, data);
}

bool KernelStatsReader::read(KernelStats& out, std::string& error) {
    const KernelStats last = out;
    out = KernelStats{};
    if (socket_ == nullptr && !open(error)) return false;
    char* buf = buffer_.get();
    const auto fail = [&](const char* what, int err) {
        out = KernelStats{};
        error = errno_text(what, err);
        std::string ignored;
        reopen(ignored);
        return false;
    };

    // The table itself: ENOENT is the answer "missing", not an error.
    {
        Owned<nftnl_table, nftnl_table_free> table{nftnl_table_alloc()};
        if (table.p == nullptr) return fail("nftables request", ENOMEM);
        nftnl_table_set_str(table.p, NFTNL_TABLE_NAME, kTableName);
        nlmsghdr* h = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, NFPROTO_INET, NLM_F_ACK, ++seq_);
        nftnl_table_nlmsg_build_payload(h, table.p);
        const int err = query(h, on_table, nullptr);
        if (err == ENOENT) {
            out.state = KernelStats::State::missing;
            return true;
        }
        if (err != 0) return fail("reading table inet pmtud", err);
    }

    // Its named counters (the kernel filters the dump by table and type).
    {
        Owned<nftnl_obj, nftnl_obj_free> obj{nftnl_obj_alloc()};
        if (obj.p == nullptr) return fail("nftables request", ENOMEM);
        nftnl_obj_set_str(obj.p, NFTNL_OBJ_TABLE, kTableName);
        nftnl_obj_set_u32(obj.p, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
        nlmsghdr* h = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETOBJ, NFPROTO_INET, NLM_F_DUMP, ++seq_);
        nftnl_obj_nlmsg_build_payload(h, obj.p);
        const int err = query(h, on_counter, &out.counters);
        // ENOENT: the table went away between two requests; report what was seen so far.
        if (err == ENOENT) {
            out = KernelStats{};
            out.state = KernelStats::State::missing;
            return true;
        }
        if (err != 0) return fail("reading the counters of table inet pmtud", err);
    }

    // The storm flags: a set of at most two elements, read every time.
    {
        StormKeys keys;
        const int err = dump_elements("storm", on_storm, &keys);
        if (err == 0) {
            out.storm_v4 = keys.v4;
            out.storm_v6 = keys.v6;
        } else if (err != ENOENT) {
            return fail("reading the storm set of table inet pmtud", err);
        }
    }

    out.tracked_v4 = last.tracked_v4;
    out.tracked_v6 = last.tracked_v6;
    out.known_v4 = last.known_v4;
    out.known_v6 = last.known_v6;
    out.state = KernelStats::State::present;
    return true;
}

bool KernelStatsReader::count_sources(KernelStats& out, std::string& error) {
    if (socket_ == nullptr && !open(error)) return false;
    // Element counts; a set that does not exist is simply left out.
    for (const auto& [name, count] :
         {std::pair{"src4", &out.tracked_v4}, std::pair{"src6", &out.tracked_v6},
          std::pair{"known4", &out.known_v4}, std::pair{"known6", &out.known_v6}}) {
        std::uint64_t elements = 0;
        const int err = dump_elements(name, on_elements, &elements);
        if (err == ENOENT) {
            count->reset();
            continue;
        }
        if (err != 0) {
            out = KernelStats{};
            error = errno_text("reading the source sets of table inet pmtud", err);
            std::string ignored;
            reopen(ignored);
            return false;
        }
        *count = elements;
    }
    return true;
}

}  // namespace pmtud::io
