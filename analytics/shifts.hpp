// SPDX-License-Identifier: Apache-2.0
#pragma once
// Who was on shift when, from the tills: sign-on/sign-off events per associate and terminal,
// united per associate (signing on at two tills is one shift, not two). An associate who
// sold without any sign-on that day gets a shift from their first sale to their last, padded.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/event.hpp"
#include "funnel_rules.hpp"
#include "seq_ranges.hpp"
#include "weekly_hours.hpp"

namespace kelu::analytics {

struct shift {
  std::string operator_id;  // the till's operator id, else the name
  std::string name;
  std::vector<utc_interval> on;  // disjoint, ascending
  std::string basis;             // "sign-on" | "sales"
  seq_ranges trace;              // the sign-on/off events behind it
  std::int64_t on_ms() const;
  bool operator==(const shift&) const = default;
};

// The key an associate goes by: the operator id, else the name; empty when the till sent neither.
std::string associate_key(const std::string& operator_id, const std::string& operator_name);

// Who a transaction is credited to: the salesperson whose lines carry the largest amount (a
// line's own salesperson, else the transaction's; the first on a tie), else the cashier. `key` is empty when the till recorded none of them.
struct credit {
  std::string key;
  std::string name;
  bool salesperson = false;  // false: the cashier
};
credit credited_associate(const core::pos_transaction& t);

// `events` sorted by observed_at (pointers: the day's events are not copied); only
// pos.operator and pos.transaction are looked at. A sale infers a shift for whoever it is
// credited to (credited_associate), so a salesperson who never signs on a till is on the floor.
// Shifts are clipped to [day_start, until); one still open ends where the opening hours
// around its sign-on end (else at `until`).
std::vector<shift> build_shifts(std::span<const core::event* const> events, const funnel_rules& rules,
                                const std::vector<utc_interval>& opening, core::utc_time day_start,
                                core::utc_time until);

// Milliseconds of [from, to) covered by `intervals` (disjoint), weighted by their counts.
std::int64_t overlap_ms(const std::vector<utc_interval>& intervals, core::utc_time from, core::utc_time to);
// Sorts and merges overlapping intervals (counts are not added: use for presence, not headcount).
std::vector<utc_interval> unite(std::vector<utc_interval> intervals);

}  // namespace kelu::analytics
