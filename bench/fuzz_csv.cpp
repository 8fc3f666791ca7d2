// SPDX-License-Identifier: Apache-2.0
// Any bytes given as a CSV export, under four mappings: comma/point, semicolon/comma, and the
// Chinese back-office presets (a row per line item, a row per transaction) with encoding
// detection.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "drivers/csv_parser.hpp"
#include "fuzz_records.hpp"
#include "zh_lines_mapping.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  static const auto zone = kelu::core::time_zone::load("Europe/Berlin").value();
  kelu::drivers::csv_mapping plain;
  plain.return_prefix = "C";
  kelu::drivers::csv_mapping european = plain;
  european.delimiter = ';';
  european.decimal_separator = ',';
  european.time_format = "%d.%m.%Y %H:%M";
  european.amount_column = "amount";
  european.terminal_column = "terminal";
  auto zh_lines = kelu::bench::zh_lines_mapping();
  kelu::drivers::csv_mapping zh_receipts = zh_lines;
  zh_receipts.item_column.clear();
  zh_receipts.description_column.clear();
  zh_receipts.quantity_column.clear();
  zh_receipts.unit_price_column.clear();
  zh_receipts.amount_column.clear();
  for (const auto* m : {&plain, &european, &zh_lines, &zh_receipts}) {
    auto r = kelu::drivers::parse_csv(text, *m, "EUR", zone);
    if (!r) {
      if (r.error_message().empty()) std::abort();
      continue;
    }
    kelu::bench::check_records(*r, zone);
  }
  return 0;
}
