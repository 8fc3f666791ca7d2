// SPDX-License-Identifier: Apache-2.0
// HQ's side of the backfill lane: any bytes on backfill/{stream} inflate into lines that
// re-pack to the same lines, or are refused with a reason; never more than the limit.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sync/batch_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  constexpr std::size_t limit = 1 << 20;
  const auto lines = kelu::sync::inflate_batch(bytes, limit);
  if (!lines) {
    if (lines.error_message().empty()) std::abort();
    return 0;
  }
  std::size_t total = 0;
  for (const auto& l : *lines) {
    if (l.find('\n') != std::string::npos) std::abort();
    total += l.size() + 1;
  }
  if (total > limit) std::abort();
  const auto again = kelu::sync::inflate_batch(kelu::sync::deflate_batch(*lines), limit);
  if (!again || *again != *lines) std::abort();
  return 0;
}
