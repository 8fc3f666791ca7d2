// SPDX-License-Identifier: Apache-2.0
// Any bytes a till sends must yield a record or an error value: never a crash, a hang,
// undefined behaviour, money that does not add up, or an event the store cannot read back.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "drivers/pos_json_line.hpp"
#include "fuzz_records.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  static const auto zone = kelu::core::time_zone::load("America/New_York").value();  // DST gaps and overlaps
  auto r = kelu::drivers::parse_pos_json_line(line, "CNY", zone);
  if (!r) {
    if (r.error_message().empty()) std::abort();
    return 0;
  }
  kelu::drivers::file_records one;
  one.records.push_back(std::move(*r));
  kelu::bench::check_records(one, zone);
  return 0;
}
