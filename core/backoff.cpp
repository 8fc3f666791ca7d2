// SPDX-License-Identifier: Apache-2.0
#include "backoff.hpp"

#include <algorithm>

namespace kelu::core {

backoff::backoff(std::chrono::milliseconds first, std::chrono::milliseconds cap, std::uint64_t seed)
    : first_(first), cap_(std::max(cap, first)), rng_(seed) {}

std::chrono::milliseconds backoff::next() {
  auto ceiling = first_;
  for (int i = 0; i < failures_ && ceiling < cap_; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, cap_);
  ++failures_;
  // Half fixed, half jitter: never hammers, yet keeps the expected delay near the ceiling.
  std::uniform_int_distribution<std::int64_t> dist(ceiling.count() / 2, ceiling.count());
  return std::chrono::milliseconds{dist(rng_)};
}

}  // namespace kelu::core
