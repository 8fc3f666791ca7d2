// SPDX-License-Identifier: Apache-2.0
#include "pos_json_line.hpp"

#include <nlohmann/json.hpp>

#include <cmath>

#include "core/money.hpp"

namespace kelu::drivers {

namespace {

using nlohmann::json;

struct field_error {
  std::string message;
};

class reader {
 public:
  reader(const json& obj, std::string path) : obj_(obj), path_(std::move(path)) {}

  std::string at(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

  std::optional<std::string> text(const std::string& key, bool required, std::size_t max_len = 128) const {
    const auto it = obj_.find(key);
    if (it == obj_.end() || it->is_null()) {
      if (required) throw field_error{at(key) + ": required"};
      return std::nullopt;
    }
    std::string s;
    if (it->is_string())
      s = it->get<std::string>();
    else if (it->is_number_integer())
      s = it->dump();  // ids are often numeric in POS exports
    else
      throw field_error{at(key) + ": expected a string, got " + it->dump()};
    if (required && s.empty()) throw field_error{at(key) + ": must not be empty"};
    if (s.size() > max_len) throw field_error{at(key) + ": longer than " + std::to_string(max_len) + " characters"};
    return s;
  }

  // `key` as a decimal string or `key_minor` as an integer.
  std::optional<std::int64_t> money(const std::string& key, int digits, bool required) const {
    const auto minor = obj_.find(key + "_minor");
    const auto dec = obj_.find(key);
    if (minor != obj_.end() && dec != obj_.end())
      throw field_error{at(key) + ": give either " + key + " or " + key + "_minor, not both"};
    if (minor != obj_.end()) {
      if (!minor->is_number_integer())
        throw field_error{at(key + "_minor") + ": expected an integer of minor units, got " + minor->dump()};
      return minor->get<std::int64_t>();
    }
    if (dec != obj_.end()) {
      if (dec->is_number_float())
        throw field_error{at(key) + ": floating-point amounts lose cents; send \"" + dec->dump() + "\" as a string or " +
                          key + "_minor as an integer"};
      const auto text = dec->is_string() ? dec->get<std::string>() : dec->is_number_integer() ? dec->dump() : "";
      if (text.empty()) throw field_error{at(key) + ": expected a decimal string, got " + dec->dump()};
      auto v = core::parse_decimal(text, digits);
      if (!v) throw field_error{at(key) + ": " + v.error_message()};
      return *v;
    }
    if (required) throw field_error{at(key) + ": required"};
    return std::nullopt;
  }

  // Quantity in thousandths: an integer, a decimal string, or a JSON number (weights).
  std::int64_t quantity(const std::string& key) const {
    const auto it = obj_.find(key);
    if (it == obj_.end()) return 1000;
    if (it->is_number_integer()) {
      const auto n = it->get<std::int64_t>();
      if (n > 1'000'000'000'000 || n < -1'000'000'000'000) throw field_error{at(key) + ": out of range"};
      return n * 1000;
    }
    if (it->is_number_float()) {
      const double milli = it->get<double>() * 1000.0;
      if (!std::isfinite(milli) || std::fabs(milli) > 1e15) throw field_error{at(key) + ": out of range"};
      return std::llround(milli);
    }
    if (it->is_string()) {
      auto v = core::parse_decimal(it->get<std::string>(), 3);
      if (!v) throw field_error{at(key) + ": " + v.error_message()};
      return *v;
    }
    throw field_error{at(key) + ": expected a number, got " + it->dump()};
  }

  const json& array(const std::string& key) const {
    static const json empty = json::array();
    const auto it = obj_.find(key);
    if (it == obj_.end() || it->is_null()) return empty;
    if (!it->is_array()) throw field_error{at(key) + ": expected an array"};
    return *it;
  }

  // The fields not in `known`, verbatim, as the text of a JSON object ("" if none).
  core::extensions rest(std::initializer_list<const char*> known) const {
    json extra = json::object();
    for (const auto& [k, v] : obj_.items()) {
      bool is_known = false;
      for (const char* a : known) is_known = is_known || k == a;
      if (!is_known) extra[k] = v;
    }
    return extra.empty() ? core::extensions{} : extra.dump(-1, ' ', false, json::error_handler_t::replace);
  }

 private:
  const json& obj_;
  std::string path_;
};

bool is_date(const std::string& s) {
  auto parts = core::parse_iso8601_parts(s + "T00:00:00");
  return s.size() == 10 && parts.ok();
}

core::pos_operator read_operator(const reader& r, const std::string& kind, const std::string& business_day) {
  core::pos_operator o;
  o.terminal = *r.text("terminal", true);
  o.transaction_id = *r.text("transaction_id", true);
  o.business_day = business_day;
  o.operator_id = *r.text("operator", true);
  o.operator_name = r.text("operator_name", false).value_or("");
  o.action = kind == "sign_on" ? core::pos_operator_action::sign_on : core::pos_operator_action::sign_off;
  o.extra = r.rest({"terminal", "transaction_id", "time", "kind", "business_day", "operator", "operator_name"});
  return o;
}

core::pos_transaction_kind transaction_kind(const std::string& kind) {
  if (kind == "sale") return core::pos_transaction_kind::sale;
  if (kind == "return" || kind == "refund") return core::pos_transaction_kind::return_;
  if (kind == "void") return core::pos_transaction_kind::void_;
  if (kind == "suspended") return core::pos_transaction_kind::suspended;
  if (kind == "training") return core::pos_transaction_kind::training;
  throw field_error{"kind: \"" + kind + "\" is not sale, return, void, suspended, training, sign_on or sign_off"};
}

// items[i]: without an amount, unit price × quantity less the discount.
core::pos_line_item read_item(const json& j, const std::string& path, int digits) {
  if (!j.is_object()) throw field_error{path + ": expected an object"};
  const reader ir{j, path};
  core::pos_line_item item;
  item.item_id = *ir.text("item_id", true);
  item.description = ir.text("description", false, 256).value_or("");
  item.department = ir.text("department", false).value_or("");
  item.quantity_milli = ir.quantity("quantity");
  item.unit_price_minor = ir.money("unit_price", digits, false).value_or(0);
  item.discount_minor = ir.money("discount", digits, false).value_or(0);
  item.salesperson_id = ir.text("salesperson", false).value_or("");
  item.salesperson_name = ir.text("salesperson_name", false).value_or("");
  if (const auto amount = ir.money("amount", digits, false)) {
    item.amount_minor = *amount;
  } else {
    auto amount_of = core::extended_amount(item.unit_price_minor, item.quantity_milli);
    if (!amount_of) throw field_error{path + ": unit_price x quantity is out of range"};
    item.amount_minor = *amount_of - item.discount_minor;
  }
  item.extra = ir.rest({"item_id", "description", "department", "quantity", "unit_price", "unit_price_minor", "amount",
                        "amount_minor", "discount", "discount_minor", "salesperson", "salesperson_name"});
  return item;
}

core::pos_transaction read_transaction(const reader& r, const std::string& kind, const std::string& business_day,
                                       std::string_view default_currency) {
  core::pos_transaction t;
  t.terminal = *r.text("terminal", true);
  t.transaction_id = *r.text("transaction_id", true);
  t.business_day = business_day;
  t.operator_id = r.text("operator", false).value_or("");
  t.operator_name = r.text("operator_name", false).value_or("");
  t.salesperson_id = r.text("salesperson", false).value_or("");
  t.salesperson_name = r.text("salesperson_name", false).value_or("");
  t.kind = transaction_kind(kind);
  t.currency = r.text("currency", false).value_or(std::string(default_currency));
  if (t.currency.size() != 3) throw field_error{"currency: \"" + t.currency + "\" is not an ISO 4217 code"};
  const int digits = core::minor_digits(t.currency);
  t.total_minor = *r.money("total", digits, true);
  t.tax_minor = r.money("tax", digits, false).value_or(0);
  const auto& items = r.array("items");
  for (std::size_t i = 0; i < items.size(); ++i)
    t.items.push_back(read_item(items[i], "items[" + std::to_string(i) + "]", digits));
  const auto& tenders = r.array("tenders");
  for (std::size_t i = 0; i < tenders.size(); ++i) {
    const auto path = "tenders[" + std::to_string(i) + "]";
    if (!tenders[i].is_object()) throw field_error{path + ": expected an object"};
    const reader tr{tenders[i], path};
    t.tenders.push_back({*tr.text("method", true), *tr.money("amount", digits, true),
                         tr.rest({"method", "amount", "amount_minor"})});
  }
  t.extra = r.rest({"terminal", "transaction_id", "time", "business_day", "operator", "operator_name", "salesperson",
                    "salesperson_name", "kind", "currency", "total", "total_minor", "tax", "tax_minor", "items",
                    "tenders"});
  return t;
}

}  // namespace

core::result<parsed_record> parse_pos_json_line(std::string_view line, std::string_view default_currency,
                                                const core::time_zone& store_zone) {
  json j;
  try {
    j = json::parse(line);
  } catch (const json::parse_error& e) {
    std::string what = e.what();
    if (const auto p = what.find("syntax error"); p != std::string::npos) what = what.substr(p);
    return core::error{"malformed JSON at byte " + std::to_string(e.byte > 0 ? e.byte - 1 : 0) + ": " + what};
  } catch (const json::exception& e) {
    // out_of_range: a number too large for a double ("2e308").
    return core::error{std::string("malformed JSON: ") + e.what()};
  }
  if (!j.is_object()) return core::error{"expected a JSON object"};
  try {
    const reader r{j, ""};
    parsed_record out;
    if (const auto time = r.text("time", false)) {
      auto parsed = core::parse_iso8601(*time, store_zone);
      if (!parsed) throw field_error{"time: " + parsed.error_message()};
      out.time = *parsed;
    }
    const auto kind = r.text("kind", false).value_or("sale");
    const auto business_day = r.text("business_day", false).value_or("");
    if (!business_day.empty() && !is_date(business_day))
      throw field_error{"business_day: \"" + business_day + "\" is not YYYY-MM-DD"};
    if (kind == "sign_on" || kind == "sign_off")
      out.record = read_operator(r, kind, business_day);
    else
      out.record = read_transaction(r, kind, business_day, default_currency);
    return out;
  } catch (const field_error& e) {
    return core::error{e.message};
  } catch (const json::exception& e) {
    return core::error{e.what()};
  }
}

}  // namespace kelu::drivers
