// SPDX-License-Identifier: Apache-2.0
#pragma once
// The JSON forms of funnel buckets and the day report (docs/analytics.md, and the schemas
// docs/schemas/funnel-bucket.schema.json and day-report.schema.json). Money stays in integer
// minor units; ratios are rounded to four decimals and null where undefined, never NaN.
#include <nlohmann/json.hpp>

#include <string>

#include "core/time_zone.hpp"
#include "alert_engine.hpp"
#include "forecast.hpp"
#include "funnel.hpp"
#include "rates.hpp"

namespace kelu::analytics {

struct store_identity {
  std::string tenant;
  std::string id;
  std::string name;
  std::string currency;
};

// Store-level figures with their rates (rates.hpp: computed over `rates`' basis, which for a
// day is its covered open hours, not the day's sums) and derived figures.
nlohmann::json figures_json(const figures& f, const store_rates& rates, bool has_door_camera);
// A bucket as HQ receives it on metrics/funnel/{period}: an idempotent upsert keyed by
// (store, kind, start), with the revision and rule version that made it.
nlohmann::json bucket_json(const bucket& b, const day_analysis& day, const funnel_rules& rules,
                           const core::time_zone& zone, const store_identity& store);
// The whole day: hours, associates, products, coverage.
nlohmann::json day_report_json(const day_analysis& day, const funnel_rules& rules, const core::time_zone& zone,
                               const store_identity& store);
// The rest of today: {"weeks_used", "scale", "visitors_so_far", "rest_of_day", "hours": [...]}.
nlohmann::json forecast_json(const forecast& f, const core::time_zone& zone);
// The retained `live` topic: today so far, small; no time stamp, so an unchanged day compares equal.
nlohmann::json live_json(const day_analysis& today, const std::optional<forecast>& ahead, const funnel_rules& rules,
                         const core::time_zone& zone, const store_identity& store);
// An alert firing or resolving, as on the `alerts` topic (docs/schemas/alert.schema.json).
nlohmann::json alert_json(const alert& a, const store_identity& store);
// The same, for a person at a terminal.
std::string day_report_text(const day_analysis& day, const funnel_rules& rules, const core::time_zone& zone,
                            const store_identity& store);

}  // namespace kelu::analytics
