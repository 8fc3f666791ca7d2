// SPDX-License-Identifier: Apache-2.0
// Any bytes a till sends its printer: the scan is the same whether the bytes arrive at once
// or in two pieces (the tap reads a stream), and every receipt parses or fails as a value.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "drivers/escpos_receipt.hpp"
#include "fuzz_records.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kelu::drivers;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  static const auto zone = kelu::core::time_zone::load("Asia/Shanghai").value();
  static const auto en = receipt_parser::create({}, "CNY", zone).value();
  static const auto zh = [] {
    receipt_layout l;
    l.preset = "generic-zh";
    return receipt_parser::create(l, "CNY", zone).value();
  }();
  const auto whole = scan_escpos(bytes, true);
  if (whole.consumed != bytes.size()) std::abort();
  const std::size_t split = size ? data[0] % (size + 1) : 0;
  auto first = scan_escpos(bytes.substr(0, split), false);
  if (first.consumed > split) std::abort();
  auto rest = scan_escpos(bytes.substr(first.consumed), true);
  first.receipts.insert(first.receipts.end(), rest.receipts.begin(), rest.receipts.end());
  if (first.receipts != whole.receipts) std::abort();
  for (const auto& receipt : whole.receipts)
    for (const auto* p : {&en, &zh}) {
      auto r = p->parse(receipt);
      if (!r) {
        if (r.error_message().empty()) std::abort();
        continue;
      }
      if (r->record) {
        file_records one;
        one.records.push_back(*r->record);
        kelu::bench::check_records(one, zone);
      }
    }
  return 0;
}
