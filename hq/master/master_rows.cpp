// SPDX-License-Identifier: Apache-2.0
#include "master_rows.hpp"

#include <algorithm>
#include <cctype>
#include <map>

#include "analytics/weekly_hours.hpp"

namespace kelu::hq {

namespace {

constexpr std::size_t max_reported = 20;

// Collects a file's errors; the import goes ahead only without any.
class problems {
 public:
  explicit problems(const csv_table& t) : t_(t) {}
  void add(const csv_row& row, const std::string& column, const std::string& what) {
    if (++count_ <= max_reported)
      text_ += "\n  " + t_.name() + ":" + std::to_string(row.line) + ": " + column + ": " + what;
  }
  core::status result() const {
    if (count_ == 0) return core::ok();
    return core::error{t_.name() + ": " + std::to_string(count_) + " error" + (count_ == 1 ? "" : "s") +
                       ", nothing imported:" + text_ + (count_ > max_reported ? "\n  ..." : "")};
  }
  // A required field: reports it when empty.
  const std::string& need(const csv_row& row, const std::string& column) {
    const auto& v = t_.at(row, column);
    if (v.empty()) add(row, column, "empty");
    return v;
  }

 private:
  const csv_table& t_;
  std::size_t count_ = 0;
  std::string text_;
};

std::vector<std::string> tags_of(const std::string& field) {
  std::vector<std::string> tags;
  for (std::size_t at = 0; at <= field.size();) {
    auto end = field.find(';', at);
    if (end == std::string::npos) end = field.size();
    auto tag = field.substr(at, end - at);
    tag.erase(0, tag.find_first_not_of(' '));
    tag.erase(tag.find_last_not_of(' ') + 1);
    if (!tag.empty() && std::find(tags.begin(), tags.end(), tag) == tags.end()) tags.push_back(tag);
    at = end + 1;
  }
  std::sort(tags.begin(), tags.end());
  return tags;
}

}  // namespace

bool valid_store_id(const std::string& id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

core::result<std::vector<store_record>> read_stores(const csv_table& t) {
  if (auto st = t.require({"store", "time_zone", "currency", "region", "region_from"}); !st)
    return core::error{st.error_message()};
  problems p(t);
  std::map<std::string, store_record> stores;
  std::vector<std::string> order;
  for (const auto& row : t.rows()) {
    const auto& id = p.need(row, "store");
    if (!id.empty() && !valid_store_id(id)) p.add(row, "store", "\"" + id + "\": letters, digits, '.', '_' and '-' only");
    const auto& zone = p.need(row, "time_zone");
    const auto& currency = p.need(row, "currency");
    if (!currency.empty() && (currency.size() != 3 || !std::all_of(currency.begin(), currency.end(), [](char c) {
                                return c >= 'A' && c <= 'Z';
                              })))
      p.add(row, "currency", "\"" + currency + "\": three capital letters (ISO 4217, CNY)");
    const auto& region = p.need(row, "region");
    const auto& from = p.need(row, "region_from");
    if (!from.empty() && !analytics::parse_day(from)) p.add(row, "region_from", "\"" + from + "\": not a date YYYY-MM-DD");
    store_record r{row.line, id, t.at(row, "name"), zone, currency, tags_of(t.at(row, "tags")), {}};
    auto [it, fresh] = stores.try_emplace(id, r);
    if (fresh) order.push_back(id);
    auto& s = it->second;
    if (!fresh) {
      if (s.name != r.name || s.time_zone != r.time_zone || s.currency != r.currency || s.tags != r.tags)
        p.add(row, "store", id + " again with another name, time_zone, currency or tags than on line " +
                                std::to_string(s.line) + " (one store, one of each; a row per region assignment)");
      for (const auto& a : s.regions)
        if (a.valid_from == from) p.add(row, "region_from", id + " has two regions from " + from);
    }
    s.regions.push_back({region, from});
  }
  if (auto st = p.result(); !st) return core::error{st.error_message()};
  std::vector<store_record> out;
  for (const auto& id : order) out.push_back(std::move(stores[id]));
  return out;
}

core::result<std::vector<product_record>> read_products(const csv_table& t) {
  if (auto st = t.require({"item_id", "category"}); !st) return core::error{st.error_message()};
  problems p(t);
  std::map<std::string, std::size_t> seen;
  std::vector<product_record> out;
  for (const auto& row : t.rows()) {
    const auto& id = p.need(row, "item_id");
    const auto& category = p.need(row, "category");
    if (!id.empty() && !seen.emplace(id, row.line).second)
      p.add(row, "item_id", id + " again (first on line " + std::to_string(seen[id]) + ")");
    out.push_back({row.line, id, t.at(row, "description"), category});
  }
  if (auto st = p.result(); !st) return core::error{st.error_message()};
  return out;
}

core::result<std::vector<associate_record>> read_associates(const csv_table& t) {
  if (auto st = t.require({"store", "operator_id", "person_id"}); !st) return core::error{st.error_message()};
  problems p(t);
  std::map<std::string, std::size_t> seen;
  std::vector<associate_record> out;
  for (const auto& row : t.rows()) {
    const auto& store = p.need(row, "store");
    if (!store.empty() && !valid_store_id(store))
      p.add(row, "store", "\"" + store + "\": letters, digits, '.', '_' and '-' only");
    const auto& op = p.need(row, "operator_id");
    const auto& person = p.need(row, "person_id");
    const auto& hired = t.at(row, "hired_on");
    if (!hired.empty() && !analytics::parse_day(hired)) p.add(row, "hired_on", "\"" + hired + "\": not a date YYYY-MM-DD");
    const auto key = store + "\n" + op;
    if (!store.empty() && !op.empty() && !seen.emplace(key, row.line).second)
      p.add(row, "operator_id", store + "/" + op + " again (first on line " + std::to_string(seen[key]) + ")");
    out.push_back({row.line, store, op, person, t.at(row, "name"), t.at(row, "role"), hired});
  }
  if (auto st = p.result(); !st) return core::error{st.error_message()};
  return out;
}

}  // namespace kelu::hq
