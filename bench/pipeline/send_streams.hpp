// ptb-send's per-family frame templates and source pools, built from the command line.
#pragma once

#include <array>
#include <memory>

#include "ptb_send_options.hpp"

namespace pmtud::bench {

struct Stream {  // one family's frames and sources
    std::unique_ptr<FrameTemplate> frames;
    std::unique_ptr<SourcePool> sources;
};
using Streams = std::array<Stream, 2>;  // [0] IPv4, [1] IPv6

// 0, or the exit status after a message: 64 for a size that does not fit, 70 when the
// checksum self-test (incremental updates against a full recomputation) fails.
int make_streams(const Options& o, const Mac& src_mac, Streams& streams);

}  // namespace pmtud::bench
