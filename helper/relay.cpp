#include "relay.hpp"

#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cstdio>
#include <cstring>
#include <string_view>

#include "core/frame.hpp"
#include "core/ptb.hpp"
#include "core/reasons.hpp"
#include "io/log.hpp"

namespace pmtud {
namespace {

constexpr std::size_t kLineHead = 256;
constexpr std::size_t kLineSize = kLineHead + 2 * io::BroadcastSink::kSlotSize;
constexpr std::uint64_t kMissRefreshNs = 100'000'000;  // re-resolve interfaces at most 10x/s
constexpr std::uint32_t kTagV4 = 4, kTagV6 = 6;

// The outer source for the log line, read from the raw bytes when parsing failed early.
void format_source(const NflogPacket& packet, const Ptb* ptb, char (&out)[INET6_ADDRSTRLEN]) {
    std::strcpy(out, "-");
    if (ptb != nullptr) {
        inet_ntop(ptb->family == Family::v4 ? AF_INET : AF_INET6, ptb->src.data(), out, sizeof out);
        return;
    }
    const Bytes l3 = packet.packet.l3;
    if (l3.size() >= 20 && (l3[0] >> 4) == 4) {
        inet_ntop(AF_INET, l3.data() + 12, out, sizeof out);
    } else if (l3.size() >= 40 && (l3[0] >> 4) == 6) {
        inet_ntop(AF_INET6, l3.data() + 8, out, sizeof out);
    }
}

}  // namespace

Relay::Relay(io::BroadcastSink& sink, io::UnicastSink* unicast, const RelaySettings& settings)
    : sink_(sink),
      unicast_(unicast),
      settings_(settings),
      peer_buckets_(settings.peer.rate_pps, settings.peer.burst),
      line_(new char[kLineSize]) {
    for (const io::SinkIface& iface : sink_.ifaces()) {
        buckets_.emplace_back(settings.iface.rate_pps, settings.iface.burst);
        counters_.ifaces.push_back(IfaceCounters{iface.name, 0, 0, 0});
    }
    counters_.peers.enabled = unicast_ != nullptr;
}

void Relay::reconfigure(const RelaySettings& settings) {
    // broadcast = yes/no needs a restart: the AF_PACKET sockets are opened (or not) at start.
    const bool broadcast = settings_.broadcast;
    settings_ = settings;
    settings_.broadcast = broadcast;
    for (FamilyBuckets& buckets : buckets_) {
        buckets.reconfigure(settings.iface.rate_pps, settings.iface.burst);
    }
    peer_buckets_.reconfigure(settings.peer.rate_pps, settings.peer.burst);
}

void Relay::set_peers(const AddressList& all, const PeerSelection& selection) {
    peers_ = all;
    counters_.peers.in_use_v4 = selection.targets.v4.size();
    counters_.peers.in_use_v6 = selection.targets.v6.size();
}

void Relay::note_truncated_datagram() noexcept {
    io::log_line("an NFLOG datagram did not fit the receive buffer; its packets are lost");
}

int Relay::find_iface(std::uint32_t ifindex, std::uint64_t now_ns) noexcept {
    int index = sink_.find(static_cast<int>(ifindex));
    // A configured interface that was re-created has a new ifindex: look again (rate-limited).
    if (index < 0 && ifindex != 0 && now_ns - last_refresh_ns_ >= kMissRefreshNs) {
        last_refresh_ns_ = now_ns;
        sink_.refresh();
        index = sink_.find(static_cast<int>(ifindex));
    }
    return index;
}

void Relay::report(const NflogPacket& packet, const Ptb* ptb, int iface, const char* verdict,
                   const char* reason, const RelayPlan* plan, std::uint32_t copies) noexcept {
    char source[INET6_ADDRSTRLEN];
    format_source(packet, ptb, source);
    char mtu[16] = "-", sport[8] = "-";
    if (ptb != nullptr) {
        std::snprintf(mtu, sizeof mtu, "%u", ptb->mtu);
        if (ptb->has_port) std::snprintf(sport, sizeof sport, "%u", ptb->sport);
    }
    char name_buf[IF_NAMESIZE] = "-";
    const char* name = name_buf;
    if (iface >= 0) {
        name = sink_.ifaces()[static_cast<std::size_t>(iface)].name.c_str();
    } else if (packet.indev != 0 && if_indextoname(packet.indev, name_buf) == nullptr) {
        std::strcpy(name_buf, "-");
    }
    char* line = line_.get();
    // With peers, what went out: the broadcast (0 or 1) and the number of unicast copies.
    char outputs[48] = "";
    if (plan != nullptr && unicast_ != nullptr) {
        std::snprintf(outputs, sizeof outputs, " broadcast=%d copies=%u", plan->broadcast ? 1 : 0,
                      copies);
    }
    int n = std::snprintf(line, kLineHead, "%s %s reason=%s mtu=%s sport=%s iface=%s%s", source,
                          verdict, reason, mtu, sport, name, outputs);
    if (n < 0) return;
    auto len =
        static_cast<std::size_t>(n) < kLineHead ? static_cast<std::size_t>(n) : kLineHead - 1;
    if (settings_.verbose >= 3) {
        static constexpr char kHex[] = "0123456789abcdef";
        const Bytes l3 = packet.packet.l3;
        std::memcpy(line + len, " hex=", 5);
        len += 5;
        for (std::size_t i = 0; i < l3.size() && len + 2 < kLineSize; ++i) {
            line[len++] = kHex[l3[i] >> 4];
            line[len++] = kHex[l3[i] & 0xf];
        }
    }
    io::log_text({line, len});
}

void Relay::handle_packet(const NflogPacket& packet, std::uint64_t now_ns) noexcept {
    ++counters_.received;
    if (packet.has_seq) counters_.nflog_lost += seq_.observe(packet.seq);

    const auto drop = [&](Reason reason, const Ptb* ptb, int iface) {
        counters_.drop(reason);
        if (settings_.verbose >= 2) {
            report(packet, ptb, iface, "dropped", reason_name(reason).data(), nullptr, 0);
        }
    };

    const Result<Ptb> parsed = parse_ptb(packet.packet);
    if (!parsed) {
        // The interface only names the log line here: no re-resolving for a packet we refuse.
        drop(parsed.reason(), nullptr, sink_.find(static_cast<int>(packet.indev)));
        return;
    }
    const Ptb& ptb = *parsed;
    const int iface = find_iface(packet.indev, now_ns);
    if (iface < 0) {
        drop(Reason::iface_not_configured, &ptb, iface);
        return;
    }
    const auto index = static_cast<std::size_t>(iface);
    if (settings_.broadcast && ptb.l3.size() > sink_.ifaces()[index].mtu) {
        drop(Reason::frame_too_long, &ptb, iface);
        return;
    }
    FamilyBuckets* copies =
        unicast_ != nullptr && unicast_->targets(ptb.family) > 0 ? &peer_buckets_ : nullptr;
    const RelayPlan plan =
        plan_relay(settings_.policy, peers_, ptb, settings_.broadcast ? &buckets_[index] : nullptr,
                   copies, now_ns);
    if (plan.dropped) {
        drop(*plan.dropped, &ptb, iface);
        return;
    }
    const bool v4 = ptb.family == Family::v4;
    std::uint32_t sent = 0;
    if (plan.copies) {
        if (settings_.dry_run) {
            sent = static_cast<std::uint32_t>(unicast_->targets(ptb.family));
            (v4 ? counters_.peers.copies_v4 : counters_.peers.copies_v6) += sent;
        } else {
            sent = send_copies(ptb);
        }
    }
    if (settings_.verbose >= 1) {
        report(packet, &ptb, iface, "forwarded", settings_.dry_run ? "dry_run" : "ok", &plan, sent);
    }
    if (!plan.broadcast) return;
    if (settings_.dry_run) {
        IfaceCounters& c = counters_.ifaces[index];
        ++(v4 ? c.forwarded_v4 : c.forwarded_v6);
        return;
    }
    broadcast(packet, ptb, iface);
}

std::uint32_t Relay::send_copies(const Ptb& ptb) noexcept {
    const io::UnicastSink::SendResult r = unicast_->send(ptb.family, ptb.icmp);
    PeerCounters& c = counters_.peers;
    if (ptb.family == Family::v4) {
        c.copies_v4 += r.sent;
        c.errors_v4 += r.failed;
    } else {
        c.copies_v6 += r.sent;
        c.errors_v6 += r.failed;
    }
    return r.sent;
}

void Relay::broadcast(const NflogPacket& packet, const Ptb& ptb, int iface) noexcept {
    const auto index = static_cast<std::size_t>(iface);
    Mac mac = sink_.ifaces()[index].mac;
    if (settings_.use_src) {
        Mac original;
        if (frame_source_mac(packet.packet.hwheader, original)) mac = original;
    }
    std::span<std::uint8_t> slot = sink_.slot();
    if (slot.empty()) {
        send_pending();
        slot = sink_.slot();
    }
    const std::size_t len = build_frame(slot, ptb, mac);
    if (len == 0) {  // a jumbo packet on an interface whose MTU lets it through
        counters_.drop(Reason::frame_too_long);
        return;
    }
    sink_.commit(static_cast<std::uint32_t>(index), len,
                 ptb.family == Family::v4 ? kTagV4 : kTagV6);
}

void Relay::send_pending() noexcept {
    for (const io::BroadcastSink::SendResult& r : sink_.flush()) {
        IfaceCounters& c = counters_.ifaces[r.iface];
        if (r.error != 0) {
            ++c.send_errors;
        } else {
            ++(r.tag == kTagV4 ? c.forwarded_v4 : c.forwarded_v6);
        }
    }
}

void Relay::handle_datagram(Bytes datagram, std::uint64_t now_ns) noexcept {
    NflogBatchReader reader(datagram);
    NflogPacket packet;
    for (;;) {
        const NflogBatchReader::Status status = reader.next(packet);
        if (status == NflogBatchReader::Status::end) break;
        if (status == NflogBatchReader::Status::error) {
            io::log_line("NFLOG: the kernel reported an error: %s",
                         std::strerror(reader.error_code()));
            continue;
        }
        if (status == NflogBatchReader::Status::malformed) {
            ++counters_.received;
            counters_.drop(Reason::nflog_malformed);
            if (settings_.verbose >= 2) {
                report(NflogPacket{}, nullptr, -1, "dropped",
                       reason_name(Reason::nflog_malformed).data(), nullptr, 0);
            }
            continue;
        }
        handle_packet(packet, now_ns);
    }
    if (sink_.pending()) send_pending();
}

}  // namespace pmtud
