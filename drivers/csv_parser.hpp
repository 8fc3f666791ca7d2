#pragma once
// POS sales exported as CSV (one row per line item), with the column mapping from config:
// rows are grouped into transactions by the transaction column (rows of one transaction
// need not be adjacent), a transaction whose id starts with `return_prefix` is a return
// (the UCI Online Retail "C" invoices), and unmapped columns are kept verbatim per item.
// RFC 4180 quoting, CRLF or LF, an optional UTF-8 BOM.
#include <string>
#include <string_view>

#include "agent/core/result.hpp"
#include "agent/core/time_zone.hpp"
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
  std::string salesperson_column;  // per row: the line's sales associate
  std::string terminal = "csv";  // the terminal when there is no terminal column
  std::string return_prefix;     // e.g. "C"; empty: returns are recognised by a negative total only
};

// An error value when the file has no usable header (naming the missing column). A bad row
// rejects its whole transaction, with an error naming the line and the column.
core::result<file_records> parse_csv(std::string_view text, const csv_mapping& m, std::string_view default_currency,
                                     const core::time_zone& zone);

// Parses `text` with a strptime-style `format` into a wall-clock time; used for receipts too.
core::result<core::local_time> parse_wall_time(std::string_view text, const std::string& format);

}  // namespace kelu::drivers
