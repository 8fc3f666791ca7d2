// SPDX-License-Identifier: Apache-2.0
#pragma once
// Loads what the regional report is computed from (region_report.hpp) out of HQ's PostgreSQL: the
// stores in the region on each local day of the period (by the region assignment in force that
// day, so a region reorganised in March reports February by the old regions), their current
// day reports, their transactions (by the store's local day, once per till business key), and the
// master data that maps tills' ids to people and items to categories.
#include <string>

#include "core/result.hpp"
#include "hq/db/pg_connection.hpp"
#include "region_report.hpp"

namespace kelu::hq {

// `from`, `to`: YYYY-MM-DD, inclusive. Fails naming a bad date, an unknown region, or PostgreSQL's error.
core::result<region_input> load_region(pg_connection& db, const std::string& tenant, const std::string& region,
                                       const std::string& from, const std::string& to);

}  // namespace kelu::hq
