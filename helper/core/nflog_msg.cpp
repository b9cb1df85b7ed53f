#include "core/nflog_msg.hpp"

// The kernel header first: its NFULA_MAX covers every attribute the kernel sends (the copy
// bundled with libnetfilter_log stops at NFULA_CT_INFO).
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <linux/netlink.h>
// clang-format off
#include <libmnl/libmnl.h>
#include <libnetfilter_log/libnetfilter_log.h>
// clang-format on

#include <climits>
#include <cstdint>
#include <cstring>

namespace pmtud {
namespace {

constexpr std::uint16_t kPacketMsgType = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET;
constexpr std::size_t kEthernetHeaderLen = 14;

// nflog_nlmsg_parse stores up to the library's own NFULA_MAX; the table must hold that many.
constexpr std::size_t kAttrSlots = NFULA_MAX + 1;
static_assert(kAttrSlots > NFULA_CT_INFO);

Bytes attr_bytes(const nlattr* a) noexcept {
    return {static_cast<const std::uint8_t*>(mnl_attr_get_payload(a)), mnl_attr_get_payload_len(a)};
}

// One packet message: true when out holds a packet, false when it is malformed.
bool decode_packet(const nlmsghdr* nlh, NflogPacket& out) noexcept {
    if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(nfgenmsg)) return false;
    const auto* gen = static_cast<const std::uint8_t*>(mnl_nlmsg_get_payload(nlh));

    nlattr* tb[kAttrSlots] = {};
    if (nflog_nlmsg_parse(nlh, tb) != MNL_CB_OK) return false;
    // libmnl walks attributes up to the *aligned* message end: in a last message without its
    // padding, an attribute could reach up to 3 bytes past the datagram.
    const auto* msg_end = reinterpret_cast<const std::uint8_t*>(nlh) + nlh->nlmsg_len;
    for (const nlattr* a : tb) {
        if (a != nullptr && reinterpret_cast<const std::uint8_t*>(a) + a->nla_len > msg_end) {
            return false;
        }
    }
    if (tb[NFULA_PAYLOAD] == nullptr) return false;

    out = NflogPacket{};
    out.nfproto = gen[offsetof(nfgenmsg, nfgen_family)];
    out.group = load_be16(gen + offsetof(nfgenmsg, res_id));
    out.packet.l3 = attr_bytes(tb[NFULA_PAYLOAD]);
    if (const nlattr* a = tb[NFULA_PACKET_HDR]) {  // length checked by the parse callback
        const Bytes hdr = attr_bytes(a);
        out.packet.hw_protocol =
            load_be16(hdr.data() + offsetof(nfulnl_msg_packet_hdr, hw_protocol));
        out.hook = hdr[offsetof(nfulnl_msg_packet_hdr, hook)];
    }
    if (const nlattr* a = tb[NFULA_IFINDEX_INDEV]) out.indev = load_be32(attr_bytes(a).data());
    if (const nlattr* a = tb[NFULA_SEQ]) {
        out.has_seq = true;
        out.seq = load_be32(attr_bytes(a).data());
    }
    if (const nlattr* a = tb[NFULA_PREFIX]) {  // validated as NUL-terminated, so size >= 1
        const Bytes p = attr_bytes(a);
        out.prefix = std::string_view(reinterpret_cast<const char*>(p.data()), p.size() - 1);
    }
    if (const nlattr* a = tb[NFULA_HWHEADER]) {
        // Shorter than an Ethernet header (a tunnel or loopback device): no usable MACs.
        if (const Bytes h = attr_bytes(a); h.size() >= kEthernetHeaderLen) out.packet.hwheader = h;
    }
    return true;
}

}  // namespace

NflogBatchReader::NflogBatchReader(Bytes datagram) noexcept
    : cursor_(datagram.data()),
      // libmnl walks with an int length; a recv() never returns more than INT_MAX anyway.
      remaining_(datagram.size() > INT_MAX ? std::size_t{INT_MAX} : datagram.size()) {}

NflogBatchReader::Status NflogBatchReader::next(NflogPacket& out) noexcept {
    while (remaining_ > 0) {
        const auto* nlh = reinterpret_cast<const nlmsghdr*>(cursor_);
        int len = static_cast<int>(remaining_);
        // A message header must be 4-byte aligned to be read at all; mnl_nlmsg_next keeps
        // the alignment, so only a misaligned datagram start can fail this.
        const bool aligned = reinterpret_cast<std::uintptr_t>(cursor_) % NLMSG_ALIGNTO == 0;
        // mnl_nlmsg_ok compares (int)nlmsg_len <= len: a length of 2^31 or more turns negative
        // and passes, and mnl_nlmsg_next then jumps gigabytes ahead. Compare unsigned first.
        // libmnl walks attributes up to the message end rounded up to 4 bytes, so that padding
        // must be inside the datagram too. The kernel always pads; a datagram that does not
        // is malformed (computed in size_t: NLMSG_ALIGN of a u32 near 2^32 would wrap).
        const bool fits = aligned && remaining_ >= sizeof(nlmsghdr) &&
                          ((std::size_t{nlh->nlmsg_len} + 3) & ~std::size_t{3}) <= remaining_;
        if (!fits || !mnl_nlmsg_ok(nlh, len)) {
            // A truncated last message or trailing garbage: report it once, then stop. Fewer
            // bytes than a header is only padding.
            const bool garbage = remaining_ >= sizeof(nlmsghdr);
            remaining_ = 0;
            return garbage ? Status::malformed : Status::end;
        }
        const auto* following = mnl_nlmsg_next(nlh, &len);
        // The last message may lack its alignment padding: len then goes negative.
        cursor_ = reinterpret_cast<const std::uint8_t*>(following);
        remaining_ = len > 0 ? static_cast<std::size_t>(len) : 0;

        switch (nlh->nlmsg_type) {
            case NLMSG_DONE:  // the batch trailer when a datagram holds more than one message
            case NLMSG_NOOP:
                continue;
            case NLMSG_ERROR: {
                if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(nlmsgerr))) return Status::malformed;
                int code = 0;
                std::memcpy(&code, mnl_nlmsg_get_payload(nlh), sizeof code);
                if (code == 0) continue;  // an ACK
                error_code_ = code == INT_MIN ? INT_MAX : (code < 0 ? -code : code);
                return Status::error;
            }
            case kPacketMsgType:
                return decode_packet(nlh, out) ? Status::packet : Status::malformed;
            default:
                continue;  // nothing else is ours to read
        }
    }
    return Status::end;
}

std::uint64_t SeqTracker::observe(std::uint32_t seq) noexcept {
    std::uint64_t lost = 0;
    if (started_) {
        const std::uint32_t gap = seq - expected_;  // modulo 2^32: survives the counter wrapping
        // A number "behind" the expected one means the instance was re-created (helper or
        // kernel restart, NFULNL_CFG_F_SEQ restarts at 0): resynchronise, count nothing.
        if (gap < (std::uint32_t{1} << 31)) lost = gap;
    }
    started_ = true;
    expected_ = seq + 1;
    return lost;
}

}  // namespace pmtud
