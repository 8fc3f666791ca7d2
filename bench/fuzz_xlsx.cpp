// SPDX-License-Identifier: Apache-2.0
// Any bytes given as an Excel export: rows and records that hold together, or one error; never
// a crash, a hang, an allocation past the member limit, or undefined behaviour.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "drivers/xlsx_reader.hpp"
#include "fuzz_records.hpp"
#include "zh_lines_mapping.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  static const auto zone = kelu::core::time_zone::load("Asia/Shanghai").value();
  auto rows = kelu::drivers::read_xlsx(bytes, "%Y-%m-%d %H:%M:%S");
  if (!rows) {
    if (rows.error_message().empty()) std::abort();
    return 0;
  }
  const auto m = kelu::bench::zh_lines_mapping();
  auto r = kelu::drivers::parse_table(std::move(*rows), m, "CNY", zone);
  if (r) kelu::bench::check_records(*r, zone);
  return 0;
}
