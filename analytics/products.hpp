// SPDX-License-Identifier: Apache-2.0
#pragma once
// The day's products: the ten best by net revenue and by net units, and who sold each of the
// best ten (热销品 × 导购, docs/analytics.md). analyse_day feeds it every sale and return of a day in
// the store's currency, then asks for the lists; HQ's regional report (hq/report) feeds it a
// region's transactions, their associates' ids mapped to people, so both credit lines alike.
#include <map>
#include <string>
#include <vector>

#include "funnel.hpp"
#include "shifts.hpp"

namespace kelu::analytics {

class product_tally {
 public:
  // A sale or return: each line counts for its item (keyed by item id, else description) and for
  // the line's salesperson, else the transaction's credited associate `who`.
  void add(const core::pos_transaction& t, bool is_return, const credit& who);

  std::vector<product_figures> top_by_revenue() const;
  std::vector<product_figures> top_by_units() const;
  // The top ten by revenue, each with its sellers by revenue (highest first) and their close
  // rate and flag from `associates`.
  std::vector<product_sellers> sellers_of(const std::vector<product_figures>& top,
                                          const std::vector<associate_figures>& associates) const;
  // Every product's sellers: item -> associate key -> their part.
  const std::map<std::string, std::map<std::string, product_seller>>& sellers() const { return sellers_; }

 private:
  std::map<std::string, product_figures> products_;
  std::map<std::string, std::map<std::string, product_seller>> sellers_;  // item -> associate key -> figures
};

}  // namespace kelu::analytics
