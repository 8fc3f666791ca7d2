// SPDX-License-Identifier: Apache-2.0
// parse_table (csv_parser.hpp): a back office's rows, mapped by header names, to POS records.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <map>
#include <optional>

#include "core/money.hpp"
#include "csv_parser.hpp"
#include "export_number.hpp"

namespace kelu::drivers {

namespace {

enum col : std::size_t {
  c_transaction, c_time, c_item, c_description, c_quantity, c_unit_price, c_amount, c_terminal,
  c_operator, c_department, c_salesperson, c_total, c_payment, c_return, c_count
};

struct column_map {
  std::array<std::ptrdiff_t, c_count> at{};
  std::array<const std::string*, c_count> name{};
  std::vector<bool> is_mapped;
};

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

core::result<column_map> map_columns(const std::vector<std::string>& header, const csv_mapping& m) {
  std::map<std::string, std::size_t> by_name;
  for (std::size_t i = 0; i < header.size(); ++i) by_name.try_emplace(trim(header[i]), i);
  static constexpr std::array<const char*, c_count> keys{
      "transaction", "time", "item", "description", "quantity", "unit_price", "amount",
      "terminal", "operator", "department", "salesperson", "total", "payment", "return_flag"};
  const std::array<const std::string*, c_count> names{
      &m.transaction_column, &m.time_column,     &m.item_column,        &m.description_column, &m.quantity_column,
      &m.unit_price_column,  &m.amount_column,   &m.terminal_column,    &m.operator_column,    &m.department_column,
      &m.salesperson_column, &m.total_column,    &m.payment_column,     &m.return_flag_column};
  column_map out;
  out.is_mapped.assign(header.size(), false);
  for (std::size_t c = 0; c < c_count; ++c) {
    out.name[c] = names[c];
    out.at[c] = -1;
    const auto key = std::string("sources.csv.columns.") + keys[c];
    if (names[c]->empty()) {
      if (c == c_transaction || c == c_time) return core::error{key + " must name a column"};
      continue;
    }
    const auto it = by_name.find(*names[c]);
    if (it == by_name.end()) return core::error{"line 1: no column \"" + *names[c] + "\" (" + key + ") in the header"};
    out.at[c] = static_cast<std::ptrdiff_t>(it->second);
    out.is_mapped[it->second] = true;
  }
  if (out.at[c_item] >= 0 && out.at[c_unit_price] < 0 && out.at[c_amount] < 0)
    return core::error{"sources.csv.columns.unit_price or sources.csv.columns.amount must name a column"};
  if (out.at[c_item] < 0 && out.at[c_total] < 0)
    return core::error{"sources.csv.columns.total must name a column when there is no item column (one row per transaction)"};
  return out;
}

struct bad_row {
  std::string what;
};

// One transaction as its rows arrive.
struct pending {
  parsed_record rec;
  std::size_t first_line = 0;
  std::string error;  // the first bad row's error; the transaction is rejected
  std::optional<std::int64_t> total;
  std::string payment;
};

std::optional<bool> yes_no(const std::string& v) {
  static const std::array<std::string_view, 15> yes{"是", "Y", "y", "YES", "Yes", "yes", "1", "true", "TRUE", "True",
                                                     "退货", "退", "R", "Return", "return"};
  static const std::array<std::string_view, 11> no{"", "否", "N", "n", "NO", "No", "no", "0", "false", "FALSE", "False"};
  if (std::find(yes.begin(), yes.end(), v) != yes.end()) return true;
  if (std::find(no.begin(), no.end(), v) != no.end()) return false;
  return std::nullopt;
}

class table_reader {
 public:
  table_reader(const csv_mapping& m, const column_map& cols, const std::vector<std::string>& header,
               std::string currency, const core::time_zone& zone)
      : m_(m), cols_(cols), header_(header), currency_(std::move(currency)), digits_(core::minor_digits(currency_)),
        zone_(zone) {}

  void add(const table_row& rw, file_records& out);
  void finish(file_records& out);

 private:
  std::string cell(const table_row& rw, col c) const {
    if (cols_.at[c] < 0) return {};
    const auto i = static_cast<std::size_t>(cols_.at[c]);
    return i < rw.cells.size() ? trim(rw.cells[i]) : std::string{};
  }
  std::string where(const table_row& rw, col c) const {
    return "line " + std::to_string(rw.line) + ", column \"" + *cols_.name[c] + "\"";
  }
  std::int64_t number(const table_row& rw, col c, int places) const {
    auto v = parse_export_number(cell(rw, c), places, m_.decimal_separator);
    if (!v) throw bad_row{where(rw, c) + ": " + v.error_message()};
    return *v;
  }
  // The columns no key maps, by header, verbatim: the item's extensions (the transaction's
  // when rows carry no items).
  core::extensions unmapped(const table_row& rw) const {
    nlohmann::json extra = nlohmann::json::object();
    for (std::size_t i = 0; i < header_.size() && i < rw.cells.size(); ++i)
      if (!cols_.is_mapped[i]) extra[trim(header_[i])] = rw.cells[i];
    return extra.empty() ? core::extensions{} : extra.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  pending& start(const table_row& rw, const std::string& id);
  void read_row(pending& p, const table_row& rw);
  void read_item(core::pos_transaction& t, const table_row& rw);

  const csv_mapping& m_;
  const column_map& cols_;
  const std::vector<std::string>& header_;
  std::string currency_;
  int digits_;
  const core::time_zone& zone_;
  std::vector<pending> txns_;
  std::map<std::pair<std::string, std::string>, std::size_t> by_id_;  // (terminal, id) -> txns_ index
};

pending& table_reader::start(const table_row& rw, const std::string& id) {
  const auto terminal = cols_.at[c_terminal] >= 0 ? cell(rw, c_terminal) : m_.terminal;
  auto [it, fresh] = by_id_.try_emplace({terminal, id}, txns_.size());
  if (fresh) {
    pending p;
    p.first_line = rw.line;
    core::pos_transaction t;
    t.terminal = terminal;
    t.transaction_id = id;
    t.currency = currency_;
    t.operator_id = cell(rw, c_operator);
    t.kind = !m_.return_prefix.empty() && id.starts_with(m_.return_prefix) ? core::pos_transaction_kind::return_
                                                                            : core::pos_transaction_kind::sale;
    p.rec.record = std::move(t);
    txns_.push_back(std::move(p));
  }
  return txns_[it->second];
}

void table_reader::read_item(core::pos_transaction& t, const table_row& rw) {
  core::pos_line_item item;
  item.item_id = cell(rw, c_item);
  if (item.item_id.empty()) throw bad_row{where(rw, c_item) + ": empty item id"};
  item.description = cell(rw, c_description);
  item.department = cell(rw, c_department);
  item.salesperson_id = cell(rw, c_salesperson);
  if (cols_.at[c_quantity] >= 0) item.quantity_milli = number(rw, c_quantity, 3);
  if (cols_.at[c_unit_price] >= 0) item.unit_price_minor = number(rw, c_unit_price, digits_);
  if (cols_.at[c_amount] >= 0) {
    item.amount_minor = number(rw, c_amount, digits_);
  } else {
    auto v = core::extended_amount(item.unit_price_minor, item.quantity_milli);
    if (!v) throw bad_row{"line " + std::to_string(rw.line) + ": unit price x quantity is out of range"};
    item.amount_minor = *v;
  }
  if (t.kind == core::pos_transaction_kind::return_) {
    item.quantity_milli = -std::abs(item.quantity_milli);
    item.amount_minor = -std::abs(item.amount_minor);
  }
  item.extra = unmapped(rw);
  if (__builtin_add_overflow(t.total_minor, item.amount_minor, &t.total_minor))
    throw bad_row{"line " + std::to_string(rw.line) + ": the transaction total is out of range"};
  t.items.push_back(std::move(item));
}

void table_reader::read_row(pending& p, const table_row& rw) {
  auto& t = std::get<core::pos_transaction>(p.rec.record);
  if (rw.cells.size() != header_.size())
    throw bad_row{"line " + std::to_string(rw.line) + ": " + std::to_string(rw.cells.size()) + " fields, the header has " +
                  std::to_string(header_.size())};
  if (!p.rec.time) {
    auto wall = parse_wall_time(cell(rw, c_time), m_.time_format);
    if (!wall) throw bad_row{where(rw, c_time) + ": " + wall.error_message()};
    p.rec.time = zone_.to_utc(*wall).utc;
  }
  if (cols_.at[c_return] >= 0 && rw.line == p.first_line) {
    const auto flag = yes_no(cell(rw, c_return));
    if (!flag)
      throw bad_row{where(rw, c_return) + ": \"" + cell(rw, c_return) +
                    "\" is neither yes (是/Y/1/true/退货/退) nor no (否/N/0/false/empty)"};
    if (*flag) t.kind = core::pos_transaction_kind::return_;
  }
  if (cols_.at[c_total] >= 0 && !p.total) p.total = number(rw, c_total, digits_);
  if (p.payment.empty()) p.payment = cell(rw, c_payment);
  if (cols_.at[c_item] >= 0) {
    read_item(t, rw);
  } else {
    t.salesperson_id = cell(rw, c_salesperson);
    t.extra = unmapped(rw);
  }
}

void table_reader::add(const table_row& rw, file_records& out) {
  const auto id = cell(rw, c_transaction);
  if (id.empty()) {
    out.errors.push_back(where(rw, c_transaction) + ": empty transaction id");
    return;
  }
  auto& p = start(rw, id);
  if (!p.error.empty()) return;
  try {
    read_row(p, rw);
  } catch (const bad_row& b) {
    p.error = b.what;
  }
}

void table_reader::finish(file_records& out) {
  for (auto& p : txns_) {
    auto& t = std::get<core::pos_transaction>(p.rec.record);
    if (!p.error.empty()) {
      out.errors.push_back(p.error + " (transaction " + t.transaction_id + " from line " + std::to_string(p.first_line) +
                           " rejected whole)");
      continue;
    }
    if (p.total) {
      t.total_minor = *p.total;
    } else {
      t.total_from = "lines";
    }
    if (t.kind == core::pos_transaction_kind::return_)
      t.total_minor = -std::abs(t.total_minor);
    else if (t.total_minor < 0)
      t.kind = core::pos_transaction_kind::return_;
    if (!p.payment.empty()) t.tenders.push_back({p.payment, t.total_minor, ""});
    out.records.push_back(std::move(p.rec));
  }
}

}  // namespace

core::result<file_records> parse_table(std::vector<table_row> rows, const csv_mapping& m,
                                       std::string_view default_currency, const core::time_zone& zone) {
  if (rows.empty()) return core::error{"line 1: no header row"};
  const auto header = rows.front().cells;
  auto cols = map_columns(header, m);
  if (!cols) return core::error{cols.error_message()};
  table_reader reader(m, *cols, header, m.currency.empty() ? std::string(default_currency) : m.currency, zone);
  file_records out;
  for (std::size_t r = 1; r < rows.size(); ++r) reader.add(rows[r], out);
  reader.finish(out);
  return out;
}

}  // namespace kelu::drivers
