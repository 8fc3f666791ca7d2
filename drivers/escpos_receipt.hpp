// SPDX-License-Identifier: Apache-2.0
#pragma once
// Receipts out of the ESC/POS byte stream a till sends its printer: control sequences are
// skipped by their real lengths (so a logo's raster data never turns into text), cuts
// separate receipts, and the text is decoded from the printer's code page to UTF-8. Then
// configurable patterns (ECMAScript regular expressions) pick out the total, items, tax,
// time, receipt number and cashier; presets cover common layouts.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/time_zone.hpp"
#include "pos_record.hpp"

namespace kelu::drivers {

struct escpos_scan {
  std::vector<std::string> receipts;  // raw text bytes (printer code page), one per cut
  std::size_t consumed = 0;           // bytes fully scanned; the rest waits for more input
  std::int64_t unknown_commands = 0;
};

// Scans `bytes` up to the last complete receipt. With `final` (the job ended) whatever
// follows the last cut is a receipt too, and a truncated command at the end is dropped.
escpos_scan scan_escpos(std::string_view bytes, bool final);

// Patterns: total, tax, receipt number and cashier capture their value in group 1; an item
// line captures description (1) and amount (2), optionally quantity (3); time captures the
// text that `time_format` (strptime style; ordinal suffixes "6th" are accepted) reads.
// Empty patterns take the preset's.
struct receipt_layout {
  std::string preset = "generic-en";  // generic-en | generic-zh
  std::string encoding;               // empty: the preset's (CP437 / GB18030)
  std::string total_pattern;
  std::string item_pattern;
  std::string items_end_pattern;  // the first line matching this ends the item lines (subtotal, total)
  std::string tax_pattern;
  std::string time_pattern;
  std::string time_format;
  std::string receipt_number_pattern;
  std::string cashier_pattern;
  std::string terminal = "printer";
  std::string currency;  // empty: the store's
};

bool is_receipt_preset(std::string_view name);

struct receipt_parse {
  std::optional<parsed_record> record;  // empty: no total line, so not a sale receipt (a report, a test page)
  std::string text;                     // the decoded receipt, for error files and the extensions
};

// Patterns compiled once; parse() is const and safe to call from any thread.
class receipt_parser {
 public:
  // An error names the bad pattern and why ("escpos.total_pattern: ...").
  static core::result<receipt_parser> create(const receipt_layout& layout, std::string default_currency,
                                             core::time_zone zone);
  // Errors name the receipt line and the pattern ("line 14 (total): bad amount ...").
  core::result<receipt_parse> parse(std::string_view raw_text) const;

  struct compiled;

 private:
  explicit receipt_parser(std::shared_ptr<const compiled> c) : c_(std::move(c)) {}
  std::shared_ptr<const compiled> c_;
};

}  // namespace kelu::drivers
