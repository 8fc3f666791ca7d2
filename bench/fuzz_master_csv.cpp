// SPDX-License-Identifier: Apache-2.0
// HQ's master-data CSV (hq/master): any bytes are a table or a refusal naming the file and line,
// and a table read as each kind of file gives records or errors, never a crash. Checked: every
// row has the header's width, and a store read from it has a region for each of its rows.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "hq/master/master_rows.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto t = kelu::hq::csv_table::parse(bytes, "f.csv");
  if (!t) {
    if (!t.error_message().starts_with("f.csv")) std::abort();
    return 0;
  }
  std::size_t width = 0;
  for (const auto& row : t->rows()) {
    if (width == 0) width = row.fields.size();
    if (row.fields.size() != width || row.line < 2) std::abort();
  }
  if (auto stores = kelu::hq::read_stores(*t)) {
    std::size_t regions = 0;
    for (const auto& s : *stores) {
      if (!kelu::hq::valid_store_id(s.store) || s.currency.size() != 3) std::abort();
      regions += s.regions.size();
    }
    if (regions != t->rows().size()) std::abort();
  } else if (stores.error_message().empty()) {
    std::abort();
  }
  (void)kelu::hq::read_products(*t);
  (void)kelu::hq::read_associates(*t);
  return 0;
}
