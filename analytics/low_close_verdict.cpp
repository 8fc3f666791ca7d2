// SPDX-License-Identifier: Apache-2.0
#include "low_close_verdict.hpp"

#include <algorithm>

namespace kelu::analytics {

low_close_verdict judge_low_close(const std::vector<seller_figures>& sellers, std::optional<double> team_close_rate,
                                  double floor_share) {
  low_close_verdict v;
  v.flagged.assign(sellers.size(), false);
  if (!team_close_rate || sellers.size() < 2) return v;
  std::vector<std::int64_t> sales;
  sales.reserve(sellers.size());
  for (const auto& s : sellers) sales.push_back(s.net_sales_minor);
  std::sort(sales.begin(), sales.end());
  v.median_net_sales_minor = sales[(sales.size() - 1) / 2];  // the lower median: an even team flags its top half
  v.close_rate_floor = *team_close_rate * floor_share;
  for (std::size_t i = 0; i < sellers.size(); ++i) {
    const auto& s = sellers[i];
    v.flagged[i] = s.close_rate && s.net_sales_minor > 0 && s.net_sales_minor >= v.median_net_sales_minor &&
                   *s.close_rate < v.close_rate_floor;
  }
  return v;
}

}  // namespace kelu::analytics
