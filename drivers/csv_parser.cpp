#include "csv_parser.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <ctime>
#include <map>
#include <sstream>
#include <time.h>

#include "agent/core/money.hpp"

namespace kelu::drivers {

namespace {

struct row {
  std::size_t line = 0;
  std::vector<std::string> cells;
};

// RFC 4180: quoted fields may hold delimiters, doubled quotes and line breaks. Errors name
// the line where the broken field started.
core::result<std::vector<row>> split_rows(std::string_view text, char delim) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  std::vector<row> rows;
  row current;
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
    current = row{};
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

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

struct bad_row {
  std::string what;
};

struct pending {
  parsed_record rec;
  std::size_t first_line = 0;
  std::string error;  // the first bad row's error; the transaction is rejected
};

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
  auto rows = split_rows(text, m.delimiter);
  if (!rows) return core::error{rows.error_message()};
  if (rows->empty()) return core::error{"line 1: no header row"};
  const auto& header = rows->front().cells;
  std::map<std::string, std::size_t> col;
  for (std::size_t i = 0; i < header.size(); ++i) col[trim(header[i])] = i;
  const auto index = [&](const std::string& name, const char* key, bool required) -> core::result<std::ptrdiff_t> {
    if (name.empty()) {
      if (required) return core::error{std::string(key) + " must name a column"};
      return std::ptrdiff_t{-1};
    }
    const auto it = col.find(name);
    if (it == col.end()) return core::error{"line 1: no column \"" + name + "\" (" + key + ") in the header"};
    return static_cast<std::ptrdiff_t>(it->second);
  };
  struct mapped {
    const std::string* name;
    const char* key;
    bool required;
    std::ptrdiff_t at = -1;
  };
  std::array<mapped, 11> cols{{{&m.transaction_column, "sources.csv.columns.transaction", true},
                               {&m.time_column, "sources.csv.columns.time", true},
                               {&m.item_column, "sources.csv.columns.item", true},
                               {&m.description_column, "sources.csv.columns.description", false},
                               {&m.quantity_column, "sources.csv.columns.quantity", false},
                               {&m.unit_price_column, "sources.csv.columns.unit_price", false},
                               {&m.amount_column, "sources.csv.columns.amount", false},
                               {&m.terminal_column, "sources.csv.columns.terminal", false},
                               {&m.operator_column, "sources.csv.columns.operator", false},
                               {&m.department_column, "sources.csv.columns.department", false},
                               {&m.salesperson_column, "sources.csv.columns.salesperson", false}}};
  std::vector<bool> is_mapped(header.size(), false);
  for (auto& c : cols) {
    auto i = index(*c.name, c.key, c.required);
    if (!i) return core::error{i.error_message()};
    c.at = *i;
    if (c.at >= 0) is_mapped[static_cast<std::size_t>(c.at)] = true;
  }
  if (cols[5].at < 0 && cols[6].at < 0) return core::error{"sources.csv.columns.unit_price or sources.csv.columns.amount must name a column"};
  const std::string currency = m.currency.empty() ? std::string(default_currency) : m.currency;
  const int digits = core::minor_digits(currency);

  file_records out;
  std::vector<pending> txns;
  std::map<std::pair<std::string, std::string>, std::size_t> by_id;  // (terminal, id) -> txns index
  for (std::size_t r = 1; r < rows->size(); ++r) {
    const auto& rw = (*rows)[r];
    const auto cell = [&](const mapped& c) -> std::string {
      if (c.at < 0) return {};
      const auto i = static_cast<std::size_t>(c.at);
      return i < rw.cells.size() ? trim(rw.cells[i]) : std::string{};
    };
    const auto where = [&](const mapped& c) { return "line " + std::to_string(rw.line) + ", column \"" + *c.name + "\""; };
    const auto id = cell(cols[0]);
    if (id.empty()) {
      out.errors.push_back(where(cols[0]) + ": empty transaction id");
      continue;
    }
    const auto terminal = cols[7].at >= 0 ? cell(cols[7]) : m.terminal;
    auto [it, fresh] = by_id.try_emplace({terminal, id}, txns.size());
    if (fresh) {
      pending p;
      p.first_line = rw.line;
      core::pos_transaction t;
      t.terminal = terminal;
      t.transaction_id = id;
      t.currency = currency;
      t.operator_id = cell(cols[8]);
      t.kind = !m.return_prefix.empty() && id.starts_with(m.return_prefix) ? core::pos_transaction_kind::return_
                                                                             : core::pos_transaction_kind::sale;
      p.rec.record = std::move(t);
      txns.push_back(std::move(p));
    }
    auto& p = txns[it->second];
    if (!p.error.empty()) continue;
    auto& t = std::get<core::pos_transaction>(p.rec.record);
    try {
      if (rw.cells.size() != header.size())
        throw bad_row{"line " + std::to_string(rw.line) + ": " + std::to_string(rw.cells.size()) + " fields, the header has " +
                      std::to_string(header.size())};
      const auto decimal = [&](const mapped& c, int places) -> std::int64_t {
        auto s = cell(c);
        if (m.decimal_separator != '.')
          for (auto& ch : s)
            if (ch == m.decimal_separator) ch = '.';
        auto v = core::parse_decimal(s, places);
        if (!v) throw bad_row{where(c) + ": " + v.error_message()};
        return *v;
      };
      if (!p.rec.time) {
        auto wall = parse_wall_time(cell(cols[1]), m.time_format);
        if (!wall) throw bad_row{where(cols[1]) + ": " + wall.error_message()};
        p.rec.time = zone.to_utc(*wall).utc;
      }
      core::pos_line_item item;
      item.item_id = cell(cols[2]);
      if (item.item_id.empty()) throw bad_row{where(cols[2]) + ": empty item id"};
      item.description = cell(cols[3]);
      item.department = cell(cols[9]);
      item.salesperson_id = cell(cols[10]);
      if (cols[4].at >= 0) item.quantity_milli = decimal(cols[4], 3);
      if (cols[5].at >= 0) item.unit_price_minor = decimal(cols[5], digits);
      if (cols[6].at >= 0) {
        item.amount_minor = decimal(cols[6], digits);
      } else {
        auto v = core::extended_amount(item.unit_price_minor, item.quantity_milli);
        if (!v) throw bad_row{"line " + std::to_string(rw.line) + ": unit price x quantity is out of range"};
        item.amount_minor = *v;
      }
      if (t.kind == core::pos_transaction_kind::return_) {
        item.quantity_milli = -std::abs(item.quantity_milli);
        item.amount_minor = -std::abs(item.amount_minor);
      }
      nlohmann::json extra = nlohmann::json::object();
      for (std::size_t i = 0; i < header.size() && i < rw.cells.size(); ++i)
        if (!is_mapped[i]) extra[trim(header[i])] = rw.cells[i];
      if (!extra.empty()) item.extra = extra.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      if (__builtin_add_overflow(t.total_minor, item.amount_minor, &t.total_minor))
        throw bad_row{"line " + std::to_string(rw.line) + ": the transaction total is out of range"};
      t.items.push_back(std::move(item));
    } catch (const bad_row& b) {
      p.error = b.what;
    }
  }
  for (auto& p : txns) {
    auto& t = std::get<core::pos_transaction>(p.rec.record);
    if (!p.error.empty()) {
      out.errors.push_back(p.error + " (transaction " + t.transaction_id + " from line " + std::to_string(p.first_line) +
                           " rejected whole)");
      continue;
    }
    if (t.kind == core::pos_transaction_kind::sale && t.total_minor < 0) t.kind = core::pos_transaction_kind::return_;
    out.records.push_back(std::move(p.rec));
  }
  return out;
}

}  // namespace kelu::drivers
