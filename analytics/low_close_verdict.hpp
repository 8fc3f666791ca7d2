// SPDX-License-Identifier: Apache-2.0
#pragma once
// The 高销量低成交 ("high sales, low close") rule, one for a store's day (associates.cpp) and for
// a region's period (hq/report/region_report.cpp), so a manager and HQ flag by the same test: a
// seller is flagged when their net sales are positive and at or above the median of all sellers'
// net sales, and their close rate is under `floor_share` of the team's. Pure.
#include <cstdint>
#include <optional>
#include <vector>

namespace kelu::analytics {

struct seller_figures {
  std::int64_t net_sales_minor = 0;
  std::optional<double> close_rate;  // none: too few opportunities to say
};

struct low_close_verdict {
  std::vector<bool> flagged;  // per seller, in the order given; all false when the rule cannot apply
  std::int64_t median_net_sales_minor = 0;
  double close_rate_floor = 0;  // the team's close rate × floor_share
};

// Nothing is flagged with fewer than two sellers or without a team close rate.
low_close_verdict judge_low_close(const std::vector<seller_figures>& sellers, std::optional<double> team_close_rate,
                                  double floor_share);

}  // namespace kelu::analytics
