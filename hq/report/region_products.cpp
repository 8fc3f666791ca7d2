// SPDX-License-Identifier: Apache-2.0
#include <algorithm>

#include "analytics/products.hpp"
#include "analytics/shifts.hpp"
#include "core/event.hpp"
#include "region_parts.hpp"

namespace kelu::hq {

namespace {

// A till's associate id (or name, when it recorded no id: analytics::associate_key) as the person
// it is across the region's stores.
class people {
 public:
  explicit people(const region_input& in) : in_(in) {}
  void map(const std::string& store, std::string& id, const std::string& name) const {
    const auto key = analytics::associate_key(id, name);
    if (!key.empty()) id = person_of(in_, store, key);
  }
  void map(const std::string& store, core::pos_transaction& t) const {
    for (auto& i : t.items) map(store, i.salesperson_id, i.salesperson_name);
    map(store, t.salesperson_id, t.salesperson_name);
    map(store, t.operator_id, t.operator_name);
  }

 private:
  const region_input& in_;
};

std::vector<analytics::associate_figures> figures_of(const std::vector<associate_line>& associates) {
  std::vector<analytics::associate_figures> out;
  for (const auto& a : associates) {
    analytics::associate_figures f;
    f.operator_id = a.person;
    f.name = a.name;
    f.close.rate = a.close_rate;
    f.high_sales_low_close = a.flagged;
    out.push_back(std::move(f));
  }
  return out;
}

void add_main_categories(const analytics::product_tally& tally, const region_input& in, region_report& r) {
  std::map<std::string, std::map<std::string, std::int64_t>> by_person;  // person -> category -> revenue
  for (const auto& [item, sellers] : tally.sellers()) {
    const auto c = in.categories.find(item);
    if (c == in.categories.end()) continue;
    for (const auto& [person, s] : sellers) by_person[person][c->second] += s.revenue_minor;
  }
  for (auto& a : r.associates) {
    const auto it = by_person.find(a.person);
    if (it == by_person.end()) continue;
    a.main_category = std::max_element(it->second.begin(), it->second.end(), [](const auto& x, const auto& y) {
                        return x.second < y.second;
                      })->first;
  }
}

}  // namespace

std::string person_of(const region_input& in, const std::string& store, const std::string& key) {
  const auto it = in.associates.find(store + "\n" + key);
  return it == in.associates.end() ? store + "/" + key : it->second.person_id;
}

void add_products(const region_input& in, region_report& r) {
  const people who(in);
  analytics::product_tally tally;
  std::map<std::string, std::map<std::string, std::int64_t>> by_store;  // item -> store -> revenue
  std::int64_t other_currency = 0;
  for (const auto& tx : in.transactions) {
    auto e = core::decode(tx.event.dump());
    if (!e) continue;  // filed by the sink as an event, but not one this release reads
    auto* t = std::get_if<core::pos_transaction>(&e->body);
    if (!t) continue;
    const bool sale = t->kind == core::pos_transaction_kind::sale;
    const bool is_return = t->kind == core::pos_transaction_kind::return_;
    if (!sale && !is_return) continue;  // voids, suspended and training sales are never revenue
    if (t->currency != r.currency || in.stores.at(tx.store).currency != r.currency) {
      ++other_currency;
      continue;
    }
    who.map(tx.store, *t);
    tally.add(*t, is_return, analytics::credited_associate(*t));
    for (const auto& i : t->items) {
      const auto id = i.item_id.empty() ? i.description : i.item_id;
      by_store[id][tx.store] += is_return ? -std::abs(i.amount_minor) : i.amount_minor;
    }
  }
  if (other_currency > 0)
    r.notes.push_back(std::to_string(other_currency) + " transactions in another currency than " + r.currency +
                      " are left out of the products");
  for (const auto& p : tally.sellers_of(tally.top_by_revenue(), figures_of(r.associates))) {
    product_line l;
    l.item_id = p.product.item_id;
    l.description = p.product.description;
    const auto c = in.categories.find(l.item_id);
    l.category = c != in.categories.end() ? c->second : p.product.department;
    l.revenue_minor = p.product.revenue_minor;
    l.units_milli = p.product.units_milli;
    l.transactions = p.product.transactions;
    l.revenue_by_store = by_store[l.item_id];
    for (const auto& s : p.sellers)
      l.sellers.push_back({s.operator_id, s.name, s.revenue_minor, s.units_milli, s.transactions, s.close_rate,
                           s.high_sales_low_close});
    r.top_products.push_back(std::move(l));
  }
  add_main_categories(tally, in, r);
}

void add_traits(region_report& r) {
  std::vector<const associate_line*> flagged, others;
  for (const auto& a : r.associates) {
    if (a.flagged)
      flagged.push_back(&a);
    else if (a.close_rate)
      others.push_back(&a);
  }
  if (flagged.size() < 2) return;  // one associate has nothing "in common"
  const std::pair<const char*, std::string associate_line::*> attributes[] = {
      {"store", &associate_line::main_store},
      {"role", &associate_line::role},
      {"tenure", &associate_line::tenure},
      {"category", &associate_line::main_category}};
  for (const auto& [name, field] : attributes) {
    std::map<std::string, int> counts;
    for (const auto* a : flagged)
      if (!(a->*field).empty()) ++counts[a->*field];
    for (const auto& [value, n] : counts) {
      const auto o = static_cast<int>(std::count_if(others.begin(), others.end(), [&](const associate_line* a) {
        return a->*field == value;
      }));
      const auto f = static_cast<int>(flagged.size());
      const auto rest = static_cast<int>(others.size());
      // Held by at least half of them (two at least), and more often than among the others.
      if (n < 2 || n * 2 < f || (rest > 0 && n * rest <= o * f)) continue;
      r.flagged_in_common.push_back({name, value, n, f, o, rest});
    }
  }
  std::sort(r.flagged_in_common.begin(), r.flagged_in_common.end(), [](const common_trait& a, const common_trait& b) {
    return a.flagged_with != b.flagged_with ? a.flagged_with > b.flagged_with : a.attribute < b.attribute;
  });
}

}  // namespace kelu::hq
