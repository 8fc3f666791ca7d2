// SPDX-License-Identifier: Apache-2.0
#pragma once
// The regional report as JSON (`kelu-hq report --json`): every figure with what it was computed
// from — each store's day reports (day, epoch, revision), each product's revenue by store, each
// associate's store ids — so a figure is traced back to its stores and buckets. Money in integer
// minor units of `currency`; rates as fractions, null with the reason beside them.
#include <nlohmann/json.hpp>

#include "region_report.hpp"

namespace kelu::hq {

nlohmann::json region_report_json(const region_report& r);

}  // namespace kelu::hq
