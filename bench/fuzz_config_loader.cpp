// SPDX-License-Identifier: Apache-2.0
// Any configuration text must load or produce errors that each say where and what.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto r = kelu::config::load_text(text, "fuzz");
  for (const auto& e : r.errors)
    if (e.message.empty() || e.to_string().rfind("fuzz", 0) != 0) std::abort();
  return 0;
}
