// SPDX-License-Identifier: Apache-2.0
// Any bytes given as a TZif file load or fail with an error value; a loaded zone answers
// for any instant and any wall time without crashing.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/time_zone.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace std::chrono;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto z = kelu::core::time_zone::from_tzif("fuzz", bytes);
  if (!z) {
    if (z.error_message().empty()) std::abort();
    return 0;
  }
  for (const std::int64_t s : {-4'000'000'000LL, 0LL, 1'795'000'000LL, 4'200'000'000LL}) {
    const auto t = kelu::core::utc_time{seconds{s}};
    (void)z->offset_at(t);
    (void)z->to_utc(kelu::core::local_time{t.time_since_epoch()});
  }
  return 0;
}
