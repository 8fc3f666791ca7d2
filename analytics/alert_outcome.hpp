// SPDX-License-Identifier: Apache-2.0
#pragma once
// What became of an alert (docs/analytics.md, "What became of an alert"): predict, intervene,
// verify. An alert's outcome is judged over its rule's window after it fired:
//   recovered       the figure cleared within the window (recovered_after_s says when);
//   persisted       it was still breached when the window ended;
//   unjudged        within the window the figure stopped being judged (the store closed, the
//                   cameras saw too little) or the rule changed: nobody can say;
//   not_applicable  a single large return: there is nothing to recover;
//   pending         the window has not ended and it is still firing.
// A store alert that fired short-handed (staffing_hint) also gets `staffing`: "followed" when
// more associates were on shift at some moment of the window than when it fired, else
// "not_followed" once the window ended; "not_needed" when it fired with enough staff.
// Pure: the shifts and the time come in.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "alert_engine.hpp"
#include "shifts.hpp"

namespace kelu::analytics {

struct alert_entry {
  alert fired;  // as it fired: id, rule, metric, subject, value, window, staffing
  std::optional<core::utc_time> resolved_at;
  std::string resolution;  // alert::resolution once resolved
  std::optional<double> resolved_value;
  std::string outcome = "pending";
  std::optional<std::int64_t> recovered_after_s;
  std::optional<std::int64_t> staff_max_after;  // most associates on shift at once within the window
  std::string staffing;                         // "" without a hint, else as above or "pending"
  // Nothing about it will change any more.
  bool settled() const { return resolved_at && outcome != "pending" && staffing != "pending"; }
};

// Associates on shift at `t` (shift intervals are half-open).
std::int64_t on_shift_at(const std::vector<shift>& shifts, core::utc_time t);
// The most associates on shift at any moment of [from, to).
std::int64_t max_on_shift(const std::vector<shift>& shifts, core::utc_time from, core::utc_time to);

// Judges `e` as of `now` with the shifts of the day it fired. Returns true when it changed.
bool judge_outcome(alert_entry& e, core::utc_time now, const std::vector<shift>& shifts);

// The journal's form of an entry (sync::alert_journal keeps it as text), and back; a body that
// does not parse is an error naming the key.
nlohmann::json entry_json(const alert_entry& e);
core::result<alert_entry> entry_from_json(const nlohmann::json& j);

}  // namespace kelu::analytics
