// A value or the Reason it could not be produced. The per-packet path uses this instead of
// exceptions; T must be trivially copyable (packet views, numbers).
#pragma once

#include <type_traits>

#include "core/reasons.hpp"

namespace pmtud {

template <class T>
class Result {
    static_assert(std::is_trivially_copyable_v<T>);

public:
    constexpr Result(const T& value) noexcept
        : value_(value), ok_(true) {}  // NOLINT: implicit by design
    constexpr Result(Reason reason) noexcept : reason_(reason), ok_(false) {}  // NOLINT

    constexpr explicit operator bool() const noexcept { return ok_; }
    constexpr bool ok() const noexcept { return ok_; }
    constexpr const T& value() const noexcept { return value_; }
    constexpr const T& operator*() const noexcept { return value_; }
    constexpr const T* operator->() const noexcept { return &value_; }
    // For producers that fill the value in place (no copy of T on the hot path).
    constexpr T& mutable_value() noexcept { return value_; }
    constexpr void fail(Reason reason) noexcept {
        reason_ = reason;
        ok_ = false;
    }
    // Only meaningful when !ok().
    constexpr Reason reason() const noexcept { return reason_; }

private:
    T value_{};
    Reason reason_{};
    bool ok_;
};

}  // namespace pmtud
