// SPDX-License-Identifier: Apache-2.0
#pragma once
// The associates of a day (funnel.hpp, associate_figures): time on shift, close rates, sales per
// hour on shift and the "high sales, low close" flag. Internal to kelu::analytics: analyse_day
// calls it once the day's hours are rolled up.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "funnel.hpp"

namespace kelu::analytics {

// Each associate's sales (in the store's currency) per hour of the day, by the hour's index in
// day_analysis::hours.
class hourly_sales {
 public:
  void add(const std::string& key, std::size_t hour);
  std::int64_t at(const std::string& key, std::size_t hour) const;

 private:
  std::map<std::string, std::vector<std::int64_t>> by_key_;
};

// Fills day.associates (by net sales, highest first), day.team_close_rate and
// day.team_opportunities from the associates credited with the day's transactions (`seen`), the
// shifts and hours already in `day`, and `sales`.
void finish_associates(day_analysis& day, std::map<std::string, associate_figures> seen, const hourly_sales& sales,
                       const funnel_rules& rules);

}  // namespace kelu::analytics
