#include "alloc_counter.hpp"

#include <cstdlib>
#include <new>

namespace pmtud::testing {

std::size_t& allocation_count() noexcept {
    thread_local std::size_t n = 0;
    return n;
}
bool& counting_allocations() noexcept {
    thread_local bool on = false;
    return on;
}

}  // namespace pmtud::testing

void* operator new(std::size_t size) {
    if (pmtud::testing::counting_allocations()) ++pmtud::testing::allocation_count();
    if (void* p = std::malloc(size ? size : 1)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
    return operator new(size);
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete[](void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    std::free(p);
}
