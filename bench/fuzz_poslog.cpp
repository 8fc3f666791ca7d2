// SPDX-License-Identifier: Apache-2.0
// Any bytes given as a POSLog file: records that hold together, per-transaction errors, or
// one file error; never a crash, a hang or undefined behaviour.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "drivers/poslog_parser.hpp"
#include "fuzz_records.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view xml(reinterpret_cast<const char*>(data), size);
  static const auto zone = kelu::core::time_zone::load("America/New_York").value();
  auto r = kelu::drivers::parse_poslog(xml, {"USD", &zone});
  if (!r) {
    if (r.error_message().empty()) std::abort();
    return 0;
  }
  kelu::bench::check_records(*r, zone);
  return 0;
}
