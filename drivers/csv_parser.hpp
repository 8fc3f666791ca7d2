// SPDX-License-Identifier: Apache-2.0
#pragma once
// POS sales exported as CSV by a back office, with the column mapping from config (or a preset
// of it, config/presets/csv/): one row per line item, rows grouped into transactions by the
// transaction column (rows of one transaction need not be adjacent); or, with no item column,
// one row per transaction. A transaction whose id starts with `return_prefix` or whose
// return_flag cell says so (是/Y/1/true/退货/退) is a return. The total is the total column
// (实收) when mapped, else the sum of the lines (total_from "lines"); the payment column gives
// its tender. Unmapped columns are kept verbatim per item (per transaction without items).
// RFC 4180 quoting, CRLF or LF; UTF-8 (with or without BOM) or GBK/GB18030, detected, or the
// `encoding` given; numbers as exports write them (export_number.hpp: ¥, fullwidth digits,
// thousands separators).
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/time_zone.hpp"
#include "file_records.hpp"

namespace kelu::drivers {

struct csv_mapping {
  char delimiter = ',';
  char decimal_separator = '.';
  std::string time_format = "%Y-%m-%d %H:%M:%S";  // strptime conversions: %Y %m %d %H %M %S %b %p %I ...
  std::string currency;                           // empty: the store's
  // Header names; an empty name means the export has no such column.
  std::string transaction_column = "transaction_id";
  std::string time_column = "time";
  std::string item_column = "item_id";
  std::string description_column = "description";
  std::string quantity_column = "quantity";
  std::string unit_price_column = "unit_price";
  std::string amount_column;  // empty: unit price x quantity
  std::string terminal_column;
  std::string operator_column;
  std::string department_column;
  std::string salesperson_column;  // per row: the line's sales associate (the transaction's without items)
  std::string total_column;        // the transaction's amount paid (实收); empty: the sum of the lines
  std::string payment_column;      // the payment method (支付方式), the tender of the total
  std::string return_flag_column;  // a cell marking a return (退货)
  std::string encoding = "auto";   // text_encoding.hpp
  std::string terminal = "csv";  // the terminal when there is no terminal column
  std::string return_prefix;     // e.g. "C"; empty: returns are recognised by a negative total only
};

// An error value when the file has no usable header (naming the missing column). A bad row
// rejects its whole transaction, with an error naming the line and the column.
core::result<file_records> parse_csv(std::string_view text, const csv_mapping& m, std::string_view default_currency,
                                     const core::time_zone& zone);

// A sheet's rows, the header first, whatever file they came from (CSV, Excel).
struct table_row {
  std::size_t line = 0;  // 1-based, where the row starts in the file (the sheet's row number)
  std::vector<std::string> cells;
};

// The mapping applied to rows already split: what parse_csv and parse_xlsx share.
core::result<file_records> parse_table(std::vector<table_row> rows, const csv_mapping& m,
                                       std::string_view default_currency, const core::time_zone& zone);

// Parses `text` with a strptime-style `format` into a wall-clock time; used for receipts too.
core::result<core::local_time> parse_wall_time(std::string_view text, const std::string& format);

}  // namespace kelu::drivers
