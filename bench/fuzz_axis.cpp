// SPDX-License-Identifier: Apache-2.0
// Any bytes as an AXIS People Counter live-sum answer: a reading or an error, never a crash.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "drivers/counters/axis_counting.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto r = kelu::drivers::parse_axis_live_sum(body, {});
  if (!r) {
    if (r.error_message().empty()) std::abort();
    return 0;
  }
  if (!r->cumulative || r->in < 0 || r->out < 0) std::abort();
  return 0;
}
