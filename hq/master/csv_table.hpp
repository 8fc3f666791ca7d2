// SPDX-License-Identifier: Apache-2.0
#pragma once
// A CSV file as spreadsheets write it (RFC 4180: comma-separated, fields in double quotes may hold
// commas, quotes doubled and line breaks; CRLF or LF; a UTF-8 byte-order mark is skipped), with a
// header row naming the columns. Pure: no I/O, fuzzed (bench/fuzz_master_csv.cpp).
//
// Errors name the file, the line and what is wrong: an unterminated quote, a row with more fields
// than the header, a header without a required column, a duplicate column, text that is not UTF-8.
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace kelu::hq {

struct csv_row {
  std::size_t line = 0;  // where the row starts in the file (1 is the header)
  std::vector<std::string> fields;
};

class csv_table {
 public:
  // `name` is how errors refer to the file. Blank lines are skipped; a row with fewer fields than
  // the header has the rest empty.
  static core::result<csv_table> parse(std::string_view text, const std::string& name);

  const std::string& name() const { return name_; }
  const std::vector<csv_row>& rows() const { return rows_; }
  bool has(const std::string& column) const { return columns_.contains(column); }
  // The field of `column` in `row`; "" when the table has no such column.
  const std::string& at(const csv_row& row, const std::string& column) const;
  // An error naming each of `required` the header lacks; ok when it has them all.
  core::status require(const std::vector<std::string>& required) const;

 private:
  std::string name_;
  std::map<std::string, std::size_t> columns_;
  std::vector<csv_row> rows_;
};

}  // namespace kelu::hq
