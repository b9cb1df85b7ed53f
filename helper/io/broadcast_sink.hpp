// The sending side: one AF_PACKET SOCK_RAW socket per interface, protocol 0 (transmit only: it
// never receives a copy of the host's traffic), bound to the interface. Frames are built into
// preallocated slots and sent in batches with sendmmsg. Send errors are counted per interface
// and survived; an interface that is deleted and re-created, or changes its MAC, is picked up
// again by refresh() (on ENXIO/ENODEV and from the periodic timer) without a restart.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace pmtud::io {

struct SinkIface {
    std::string name;
    int ifindex = 0;  // 0 while the interface does not exist
    std::array<std::uint8_t, 6> mac{};
    std::uint32_t mtu = 0;
    int fd = -1;
    bool stale = false;     // a send said the device is gone: resolve again
    int failing_errno = 0;  // last error while failing (logged once), 0 when sending works
};

class BroadcastSink {
public:
    static constexpr std::size_t kBatch = 32;
    static constexpr std::size_t kSlotSize = 65536;  // any L3 packet NFLOG can deliver, + 14

    enum class OpenStatus : std::uint8_t { ok, missing, not_ethernet, no_permission, failed };

    struct SendResult {
        std::uint32_t iface = 0;  // index into ifaces()
        std::uint32_t tag = 0;    // what the caller passed to commit()
        int error = 0;            // 0 = sent
    };

    BroadcastSink();
    ~BroadcastSink();
    BroadcastSink(const BroadcastSink&) = delete;
    BroadcastSink& operator=(const BroadcastSink&) = delete;

    // transmit false (broadcast = no): no AF_PACKET socket at all; the interfaces are still
    // resolved by name (through an AF_UNIX socket's SIOCGIF* ioctls), so that PTBs are taken
    // from the configured interfaces only, and any link type will do.
    OpenStatus open(const std::vector<std::string>& names, bool transmit, std::string& error);
    bool transmits() const noexcept { return transmit_; }

    const std::vector<SinkIface>& ifaces() const noexcept { return ifaces_; }
    // Index into ifaces() of the interface with this ifindex, or -1.
    int find(int ifindex) const noexcept;

    // The next free frame buffer; empty when kBatch frames are pending (flush first).
    std::span<std::uint8_t> slot() noexcept;
    // Queue the frame written into slot() (len bytes) for interface iface.
    void commit(std::uint32_t iface, std::size_t len, std::uint32_t tag) noexcept;
    bool pending() const noexcept { return pending_ != 0; }
    // Send everything queued; one result per committed frame, valid until the next flush.
    std::span<const SendResult> flush() noexcept;

    // Re-resolve ifindex, MAC and MTU by name; re-binds sockets whose ifindex changed. Logs a
    // line for every change. Cheap (a few ioctls per interface), allocation-free.
    void refresh() noexcept;
    bool any_stale() const noexcept;

private:
    bool resolve(SinkIface& iface, bool log_changes) noexcept;
    void send_iface(std::uint32_t iface) noexcept;

    int ioctl_fd(const SinkIface& iface) const noexcept {
        return iface.fd >= 0 ? iface.fd : ctl_fd_;
    }

    std::vector<SinkIface> ifaces_;
    bool transmit_ = true;
    int ctl_fd_ = -1;  // without transmit: the socket for the ioctls
    std::unique_ptr<std::uint8_t[]> slots_;
    std::array<std::uint32_t, kBatch> slot_iface_{};
    std::array<std::uint32_t, kBatch> slot_tag_{};
    std::array<std::size_t, kBatch> slot_len_{};
    std::array<SendResult, kBatch> results_{};
    std::size_t pending_ = 0;
    std::size_t result_count_ = 0;
};

}  // namespace pmtud::io
