// SPDX-License-Identifier: Apache-2.0
#pragma once
// The parts of build_region_report that have files of their own (internal to hq/report).
#include "region_report.hpp"

namespace kelu::hq {

// The top ten products by net revenue from the region's transactions, each with who sold it, and
// each associate's main category; after the associates' close rates and flags are known.
// Who an associate key of a store's tills (analytics::associate_key) is across the region: the
// associates' master data's person, else "store/key".
std::string person_of(const region_input& in, const std::string& store, const std::string& key);

void add_products(const region_input& in, region_report& r);
// What the flagged associates have in common (store, role, tenure, main category), against the
// other associates whose close rate is shown.
void add_traits(region_report& r);

}  // namespace kelu::hq
