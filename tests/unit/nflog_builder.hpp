// Builds netlink datagrams by hand, the way the kernel lays them out for NFLOG: nlmsghdr,
// nfgenmsg, then attributes, each padded to 4 bytes. Independent of libmnl on purpose, so the
// decoder under test is checked against a second implementation of the format.
#pragma once

#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <linux/netlink.h>

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string_view>
#include <vector>

namespace pmtud::test {

inline constexpr std::uint16_t kNflogPacketType = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET;
inline constexpr std::uint16_t kNflogConfigType = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG;

class NetlinkBuilder {
public:
    // Starts a message; the previous one must have been finished with end().
    NetlinkBuilder& begin(std::uint16_t type, std::uint16_t flags = 0) {
        start_ = bytes_.size();
        put_host32(0);  // nlmsg_len, patched by end()
        put_host16(type);
        put_host16(flags);
        put_host32(seq_++);  // nlmsg_seq
        put_host32(0);       // nlmsg_pid
        return *this;
    }
    // struct nfgenmsg: family, version, res_id (big endian).
    NetlinkBuilder& nfgen(std::uint8_t family, std::uint16_t group) {
        bytes_.push_back(family);
        bytes_.push_back(NFNETLINK_V0);
        put_be16(group);
        return *this;
    }
    // padded == false leaves the attribute's padding out (only sensible for the last one).
    NetlinkBuilder& attr(std::uint16_t type, const void* data, std::size_t len,
                         bool padded = true) {
        put_host16(static_cast<std::uint16_t>(NLA_HDRLEN + len));
        put_host16(type);
        const auto* p = static_cast<const std::uint8_t*>(data);
        bytes_.insert(bytes_.end(), p, p + len);
        if (padded) pad();
        return *this;
    }
    // Only an attribute header claiming payload_len bytes; the caller writes what follows.
    NetlinkBuilder& attr_header(std::uint16_t type, std::size_t payload_len) {
        put_host16(static_cast<std::uint16_t>(NLA_HDRLEN + payload_len));
        put_host16(type);
        return *this;
    }
    NetlinkBuilder& attr(std::uint16_t type, const std::vector<std::uint8_t>& data) {
        return attr(type, data.data(), data.size());
    }
    NetlinkBuilder& attr_be16(std::uint16_t type, std::uint16_t v) {
        const std::uint8_t b[2] = {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
        return attr(type, b, sizeof b);
    }
    NetlinkBuilder& attr_be32(std::uint16_t type, std::uint32_t v) {
        const std::uint8_t b[4] = {static_cast<std::uint8_t>(v >> 24),
                                   static_cast<std::uint8_t>(v >> 16),
                                   static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
        return attr(type, b, sizeof b);
    }
    // NUL-terminated, as the kernel sends NFULA_PREFIX.
    NetlinkBuilder& attr_str(std::uint16_t type, std::string_view s) {
        std::vector<std::uint8_t> b(s.begin(), s.end());
        b.push_back(0);
        return attr(type, b);
    }
    // struct nfulnl_msg_packet_hdr: hw_protocol (big endian), hook, pad.
    NetlinkBuilder& packet_hdr(std::uint16_t hw_protocol, std::uint8_t hook) {
        const std::uint8_t b[4] = {static_cast<std::uint8_t>(hw_protocol >> 8),
                                   static_cast<std::uint8_t>(hw_protocol), hook, 0};
        return attr(NFULA_PACKET_HDR, b, sizeof b);
    }
    // Raw bytes inside the current message (e.g. an nlmsgerr body).
    NetlinkBuilder& raw(std::initializer_list<std::uint8_t> b) {
        bytes_.insert(bytes_.end(), b.begin(), b.end());
        return *this;
    }
    NetlinkBuilder& raw_host32(std::uint32_t v) {
        put_host32(v);
        return *this;
    }
    // Finishes the message: nlmsg_len covers everything written since begin(), padding
    // included, as the kernel's nlmsg_end does. With padded == false the length is the exact
    // byte count and no padding follows (a sender that does not pad its last message).
    NetlinkBuilder& end(bool padded = true) {
        if (padded) pad();
        patch_host32(start_, static_cast<std::uint32_t>(bytes_.size() - start_));
        return *this;
    }
    // Overrides the current message's nlmsg_len (for truncation and garbage tests).
    NetlinkBuilder& set_len(std::uint32_t len) {
        patch_host32(start_, len);
        return *this;
    }
    // The NLMSG_DONE trailer the kernel appends to a batch of more than one message.
    NetlinkBuilder& done() {
        begin(NLMSG_DONE, NLM_F_MULTI);
        put_host32(0);
        return end();
    }
    // NLMSG_ERROR with the given (negative errno or 0) code, quoting a config request.
    NetlinkBuilder& error(int code) {
        begin(NLMSG_ERROR);
        put_host32(static_cast<std::uint32_t>(code));
        put_host32(sizeof(nlmsghdr) + 4);  // the quoted request's header (capped)
        put_host16(kNflogConfigType);
        put_host16(NLM_F_REQUEST | NLM_F_ACK);
        put_host32(1);
        put_host32(0);
        return end();
    }

    const std::vector<std::uint8_t>& bytes() const { return bytes_; }
    std::size_t size() const { return bytes_.size(); }

private:
    void pad() {
        while (bytes_.size() % NLMSG_ALIGNTO != 0) bytes_.push_back(0);
    }
    void put_host16(std::uint16_t v) {
        std::uint8_t b[2];
        std::memcpy(b, &v, 2);
        bytes_.insert(bytes_.end(), b, b + 2);
    }
    void put_host32(std::uint32_t v) {
        std::uint8_t b[4];
        std::memcpy(b, &v, 4);
        bytes_.insert(bytes_.end(), b, b + 4);
    }
    void put_be16(std::uint16_t v) {
        bytes_.push_back(static_cast<std::uint8_t>(v >> 8));
        bytes_.push_back(static_cast<std::uint8_t>(v));
    }
    void patch_host32(std::size_t at, std::uint32_t v) { std::memcpy(&bytes_[at], &v, 4); }

    std::vector<std::uint8_t> bytes_;
    std::size_t start_ = 0;
    std::uint32_t seq_ = 1;
};

}  // namespace pmtud::test
