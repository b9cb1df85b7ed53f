// libFuzzer target: arbitrary bytes as one NFLOG datagram, through the batch reader and then
// the packet parser, as the helper's receive loop runs them.
// Properties: every view points inside the datagram; the walk ends; statuses are consistent.
#include <cstdint>
#include <cstdlib>

#include "core/nflog_msg.hpp"

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

bool inside(pmtud::Bytes outer, pmtud::Bytes inner) {
    if (inner.empty()) return true;
    return inner.data() >= outer.data() &&
           inner.data() + inner.size() <= outer.data() + outer.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const pmtud::Bytes datagram(data, size);
    pmtud::NflogBatchReader reader(datagram);
    pmtud::SeqTracker seq;
    pmtud::NflogPacket pkt;
    // Each message is at least a 16-byte header, so a datagram holds at most size / 16 + 1.
    std::size_t steps = 0;
    for (;;) {
        const auto status = reader.next(pkt);
        check(++steps <= size / 16 + 2);
        if (status == pmtud::NflogBatchReader::Status::end) break;
        if (status == pmtud::NflogBatchReader::Status::error) {
            check(reader.error_code() > 0);
            continue;
        }
        if (status != pmtud::NflogBatchReader::Status::packet) continue;
        check(inside(datagram, pkt.packet.l3));
        check(inside(datagram, pkt.packet.hwheader));
        const auto* prefix = reinterpret_cast<const std::uint8_t*>(pkt.prefix.data());
        check(inside(datagram, pmtud::Bytes(prefix, pkt.prefix.size())));
        if (pkt.has_seq) (void)seq.observe(pkt.seq);
        (void)pmtud::parse_ptb(pkt.packet);
    }
    // The reader stays at the end.
    check(reader.next(pkt) == pmtud::NflogBatchReader::Status::end);
    return 0;
}
