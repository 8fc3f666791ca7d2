// SPDX-License-Identifier: Apache-2.0
#include "csv_parser.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <ctime>
#include <map>
#include <sstream>
#include <time.h>

#include "core/money.hpp"
#include "export_number.hpp"
#include "text_encoding.hpp"

namespace kelu::drivers {

namespace {

// RFC 4180: quoted fields may hold delimiters, doubled quotes and line breaks. Errors name
// the line where the broken field started.
core::result<std::vector<table_row>> split_rows(std::string_view text, char delim) {
  std::vector<table_row> rows;
  table_row current;
  std::string cell;
  std::size_t line = 1;
  current.line = 1;
  bool quoted = false, cell_started = false;
  std::size_t quote_line = 0;
  const auto end_row = [&] {
    current.cells.push_back(std::move(cell));
    cell.clear();
    cell_started = false;
    const bool blank = current.cells.size() == 1 && current.cells[0].empty();
    if (!blank) rows.push_back(std::move(current));
    current = table_row{};
    current.line = line;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (quoted) {
      if (ch == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          cell += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (ch == '\n') ++line;
        cell += ch;
      }
      continue;
    }
    if (ch == '"' && !cell_started) {
      quoted = true;
      cell_started = true;
      quote_line = line;
    } else if (ch == delim) {
      current.cells.push_back(std::move(cell));
      cell.clear();
      cell_started = false;
    } else if (ch == '\n') {
      ++line;
      end_row();
    } else if (ch == '\r') {
      // CRLF: the LF ends the row.
    } else {
      cell += ch;
      cell_started = true;
    }
  }
  if (quoted) return core::error{"line " + std::to_string(quote_line) + ": a quoted field is never closed"};
  if (cell_started || !current.cells.empty()) end_row();
  return rows;
}

}  // namespace

core::result<core::local_time> parse_wall_time(std::string_view text, const std::string& format) {
  // glibc's strptime, not std::get_time: get_time accepts input that ends before the format
  // does ("00" for "%Y-%m-%d ..." gives year 0). The process never calls setlocale, so
  // month and day names are the C locale's English ones.
  std::tm tm{};
  tm.tm_mday = 1;
  const std::string input(text);
  const char* end = ::strptime(input.c_str(), format.c_str(), &tm);
  if (end == nullptr) return core::error{"\"" + input + "\" does not match the time format \"" + format + "\""};
  while (*end == ' ' || *end == '\t') ++end;
  if (*end != '\0') return core::error{"\"" + input + "\" has text after the time format \"" + format + "\""};
  using namespace std::chrono;
  const int y = tm.tm_year + 1900;
  if (y < core::min_year || y > core::max_year)
    return core::error{"\"" + input + "\": year outside " + std::to_string(core::min_year) + ".." +
                       std::to_string(core::max_year)};
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(tm.tm_mon + 1)}, day{static_cast<unsigned>(tm.tm_mday)}};
  if (!ymd.ok()) return core::error{"\"" + input + "\" is not a valid date"};
  return core::local_time{local_days{ymd}.time_since_epoch() + hours{tm.tm_hour} + minutes{tm.tm_min} +
                          seconds{tm.tm_sec}};
}

core::result<file_records> parse_csv(std::string_view text, const csv_mapping& m, std::string_view default_currency,
                                     const core::time_zone& zone) {
  auto decoded = decode_export(text, m.encoding);
  if (!decoded) return core::error{"sources.csv.encoding: " + decoded.error_message()};
  auto rows = split_rows(decoded->text, m.delimiter);
  if (!rows) return core::error{rows.error_message()};
  auto out = parse_table(std::move(*rows), m, default_currency, zone);
  if (out && decoded->encoding != "UTF-8" && (m.encoding.empty() || m.encoding == "auto"))
    ++out->warnings["file read as " + decoded->encoding + " (not UTF-8; sources.csv.encoding names another)"];
  return out;
}

}  // namespace kelu::drivers
