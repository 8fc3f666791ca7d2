// SPDX-License-Identifier: Apache-2.0
#include "products.hpp"

#include <algorithm>
#include <cstdlib>

namespace kelu::analytics {

namespace {

template <class Better>
std::vector<product_figures> top_ten(const std::map<std::string, product_figures>& products, Better better) {
  std::vector<product_figures> v;
  v.reserve(products.size());
  for (const auto& [id, p] : products) v.push_back(p);
  std::sort(v.begin(), v.end(), better);
  if (v.size() > 10) v.resize(10);
  return v;
}

}  // namespace

void product_tally::add(const core::pos_transaction& t, bool is_return, const credit& who) {
  for (const auto& i : t.items) {
    const auto id = i.item_id.empty() ? i.description : i.item_id;
    if (id.empty()) continue;
    // Returns subtract whatever sign the till gave their lines.
    const auto units = is_return ? -std::abs(i.quantity_milli) : i.quantity_milli;
    const auto revenue = is_return ? -std::abs(i.amount_minor) : i.amount_minor;
    auto& pr = products_[id];
    pr.item_id = id;
    if (pr.description.empty()) pr.description = i.description;
    if (pr.department.empty()) pr.department = i.department;
    pr.units_milli += units;
    pr.revenue_minor += revenue;
    ++pr.transactions;
    // The line's salesperson, else the transaction's, else whom the transaction is credited to.
    auto seller_key = associate_key(i.salesperson_id, i.salesperson_name);
    auto seller_name = i.salesperson_name;
    if (seller_key.empty()) {
      seller_key = associate_key(t.salesperson_id, t.salesperson_name);
      seller_name = t.salesperson_name;
    }
    if (seller_key.empty()) {
      seller_key = who.key;
      seller_name = who.name;
    }
    if (seller_key.empty()) continue;
    auto& s = sellers_[id][seller_key];
    s.operator_id = seller_key;
    if (s.name.empty()) s.name = seller_name;
    s.units_milli += units;
    s.revenue_minor += revenue;
    ++s.transactions;
  }
}

std::vector<product_figures> product_tally::top_by_revenue() const {
  return top_ten(products_, [](const product_figures& a, const product_figures& b) {
    return a.revenue_minor != b.revenue_minor ? a.revenue_minor > b.revenue_minor : a.item_id < b.item_id;
  });
}

std::vector<product_figures> product_tally::top_by_units() const {
  return top_ten(products_, [](const product_figures& a, const product_figures& b) {
    return a.units_milli != b.units_milli ? a.units_milli > b.units_milli : a.item_id < b.item_id;
  });
}

std::vector<product_sellers> product_tally::sellers_of(const std::vector<product_figures>& top,
                                                      const std::vector<associate_figures>& associates) const {
  std::map<std::string, const associate_figures*> by_key;
  for (const auto& a : associates) by_key[a.operator_id] = &a;
  std::vector<product_sellers> out;
  for (const auto& p : top) {
    product_sellers row{p, {}};
    if (const auto it = sellers_.find(p.item_id); it != sellers_.end())
      for (const auto& [key, s] : it->second) {
        row.sellers.push_back(s);
        if (const auto a = by_key.find(key); a != by_key.end()) {
          row.sellers.back().close_rate = a->second->close.rate;
          row.sellers.back().high_sales_low_close = a->second->high_sales_low_close;
        }
      }
    std::sort(row.sellers.begin(), row.sellers.end(), [](const product_seller& a, const product_seller& b) {
      return a.revenue_minor != b.revenue_minor ? a.revenue_minor > b.revenue_minor : a.operator_id < b.operator_id;
    });
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace kelu::analytics
