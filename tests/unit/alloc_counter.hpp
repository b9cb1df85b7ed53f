// Counts heap allocations made by this thread while a CountAllocations object is alive.
// The replacement operator new lives in alloc_counter.cpp and is linked into the unit tests
// and the benchmarks.
#pragma once

#include <cstddef>

namespace pmtud::testing {

std::size_t& allocation_count() noexcept;
bool& counting_allocations() noexcept;

class CountAllocations {
public:
    CountAllocations() noexcept {
        allocation_count() = 0;
        counting_allocations() = true;
    }
    ~CountAllocations() { counting_allocations() = false; }
    std::size_t count() const noexcept { return allocation_count(); }
};

}  // namespace pmtud::testing
