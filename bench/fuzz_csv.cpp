// Any bytes given as a CSV export, under two mappings (comma/point and semicolon/comma).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "drivers/csv_parser.hpp"
#include "fuzz_records.hpp"

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
  for (const auto* m : {&plain, &european}) {
    auto r = kelu::drivers::parse_csv(text, *m, "EUR", zone);
    if (!r) {
      if (r.error_message().empty()) std::abort();
      continue;
    }
    kelu::bench::check_records(*r, zone);
  }
  return 0;
}
