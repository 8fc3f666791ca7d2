// SPDX-License-Identifier: Apache-2.0
#pragma once
// Every batch-readable POS format behind one call, for the drop folders, `kelu ingest`,
// the golden tests and the benchmarks: the same parser whichever way a file arrives.
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/time_zone.hpp"
#include "csv_parser.hpp"
#include "escpos_receipt.hpp"
#include "file_records.hpp"

namespace kelu::drivers {

enum class pos_format { poslog, csv, escpos, jsonl };

std::optional<pos_format> format_from_name(std::string_view name);  // "poslog", "csv", "escpos", "jsonl"
std::string_view format_name(pos_format f);
// By file extension: .xml poslog, .csv/.txt/.xlsx csv (a back-office table; an .xlsx is
// recognised by its content), .bin/.prn escpos, .jsonl/.ndjson jsonl.
std::optional<pos_format> format_from_path(std::string_view path);

struct format_options {
  std::string default_currency = "CNY";
  core::time_zone zone = core::time_zone::utc();
  std::optional<core::time_zone> csv_zone;  // when the CSV export's times are not in the store's zone
  csv_mapping csv;
  receipt_layout escpos;
};

core::result<file_records> parse_file(pos_format f, std::string_view bytes, const format_options& o);

}  // namespace kelu::drivers
