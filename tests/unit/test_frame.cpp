#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "core/frame.hpp"
#include "packet_builder.hpp"

namespace pmtud {
namespace {

const Mac kOurMac = {0x02, 0x00, 0x5e, 0x10, 0x20, 0x30};

std::vector<std::uint8_t> expected_frame(const Mac& src, std::uint16_t type,
                                         const std::vector<std::uint8_t>& l3) {
    std::vector<std::uint8_t> f(14 + l3.size());
    for (std::size_t i = 0; i < 6; ++i) f[i] = 0xff, f[6 + i] = src[i];
    f[12] = static_cast<std::uint8_t>(type >> 8);
    f[13] = static_cast<std::uint8_t>(type & 0xff);
    for (std::size_t i = 0; i < l3.size(); ++i) f[14 + i] = l3[i];
    return f;
}

TEST(Frame, V4ByteForByte) {
    const auto l3 = testing::build_ptb({});
    const auto ptb = parse_ptb({Bytes(l3), {}, 0});
    ASSERT_TRUE(ptb);
    std::array<std::uint8_t, 2048> buf{};
    const std::size_t n = build_frame(buf, *ptb, kOurMac);
    ASSERT_EQ(n, l3.size() + 14);
    EXPECT_EQ(std::vector<std::uint8_t>(buf.begin(), buf.begin() + static_cast<long>(n)),
              expected_frame(kOurMac, 0x0800, l3));
}

TEST(Frame, V6ByteForByte) {
    testing::PtbSpec s;
    s.family = 6;
    s.l4_bytes = 1280 - 88;
    const auto l3 = testing::build_ptb(s);
    const auto ptb = parse_ptb({Bytes(l3), {}, 0});
    ASSERT_TRUE(ptb);
    std::array<std::uint8_t, 2048> buf{};
    const std::size_t n = build_frame(buf, *ptb, kOurMac);
    ASSERT_EQ(n, 1294u);
    EXPECT_EQ(std::vector<std::uint8_t>(buf.begin(), buf.begin() + static_cast<long>(n)),
              expected_frame(kOurMac, 0x86dd, l3));
}

TEST(Frame, OriginalSourceMac) {
    const std::uint8_t dst[6] = {0x02, 0, 0, 0, 0, 0x0b};
    const std::uint8_t src[6] = {0x02, 0, 0, 0, 0, 0x0a};
    const auto hw = testing::eth_header(dst, src, 0x0800);
    Mac mac{};
    ASSERT_TRUE(frame_source_mac(Bytes(hw), mac));
    EXPECT_EQ(mac, (Mac{0x02, 0, 0, 0, 0, 0x0a}));
    EXPECT_FALSE(frame_source_mac(Bytes(hw.data(), 13), mac));
    EXPECT_FALSE(frame_source_mac({}, mac));

    const auto l3 = testing::build_ptb({});
    const auto ptb = parse_ptb({Bytes(l3), Bytes(hw), 0x0800});
    ASSERT_TRUE(ptb);
    std::array<std::uint8_t, 2048> buf{};
    const std::size_t n = build_frame(buf, *ptb, mac);
    EXPECT_EQ(std::vector<std::uint8_t>(buf.begin(), buf.begin() + static_cast<long>(n)),
              expected_frame(mac, 0x0800, l3));
}

TEST(Frame, BufferTooSmall) {
    const auto l3 = testing::build_ptb({});
    const auto ptb = parse_ptb({Bytes(l3), {}, 0});
    ASSERT_TRUE(ptb);
    std::vector<std::uint8_t> buf(l3.size() + 13, 0xee);
    EXPECT_EQ(build_frame(buf, *ptb, kOurMac), 0u);
    EXPECT_EQ(buf[0], 0xee);  // nothing written
    buf.resize(l3.size() + 14);
    EXPECT_EQ(build_frame(buf, *ptb, kOurMac), l3.size() + 14);
}

}  // namespace
}  // namespace pmtud
