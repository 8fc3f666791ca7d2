// SPDX-License-Identifier: Apache-2.0
// The 高销量低成交 rule both the store's day and HQ's regional report flag by.
#include <gtest/gtest.h>

#include "analytics/low_close_verdict.hpp"

namespace kelu::analytics {
namespace {

TEST(low_close_verdict, flags_sellers_at_or_above_the_median_whose_close_rate_is_under_the_floor) {
  // Net sales 900, 500, 400, 100 (lower median 400); team close rate 0.40, floor 0.7 of it = 0.28.
  const std::vector<seller_figures> sellers{{900'00, 0.20}, {500'00, 0.50}, {400'00, 0.27}, {100'00, 0.05}};
  const auto v = judge_low_close(sellers, 0.40, 0.7);
  EXPECT_EQ(v.median_net_sales_minor, 400'00);
  EXPECT_NEAR(v.close_rate_floor, 0.28, 1e-12);
  // The top seller and the one at the median close under the floor; the low seller is not "high sales".
  EXPECT_EQ(v.flagged, (std::vector<bool>{true, false, true, false}));
}

TEST(low_close_verdict, flags_no_one_without_a_team_rate_a_team_or_a_rate_or_positive_sales) {
  EXPECT_EQ(judge_low_close({{900'00, 0.1}, {500'00, 0.5}}, std::nullopt, 0.7).flagged,
            (std::vector<bool>{false, false}));
  EXPECT_EQ(judge_low_close({{900'00, 0.1}}, 0.4, 0.7).flagged, (std::vector<bool>{false}));
  // Too few opportunities for a rate; returns above sales (net negative) even at the median.
  EXPECT_EQ(judge_low_close({{900'00, std::nullopt}, {-50'00, 0.1}, {-80'00, 0.1}}, 0.4, 0.7).flagged,
            (std::vector<bool>{false, false, false}));
}

}  // namespace
}  // namespace kelu::analytics
