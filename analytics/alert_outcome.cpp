// SPDX-License-Identifier: Apache-2.0
#include "alert_outcome.hpp"

#include <algorithm>
#include <tuple>

namespace kelu::analytics {

namespace {

using namespace std::chrono;
using nlohmann::json;

json opt(const std::optional<core::utc_time>& t) { return t ? json(core::format_iso8601(*t)) : json(); }
template <class T>
json opt(const std::optional<T>& v) {
  return v ? json(*v) : json();
}

// Reads the journal's JSON back; the first missing or mistyped key ends it with its name.
struct reader {
  const json& j;
  std::string bad;
  template <class T>
  T get(const char* key) {
    if (!bad.empty()) return T{};
    const auto it = j.find(key);
    try {
      if (it == j.end()) throw std::runtime_error("missing");
      return it->template get<T>();
    } catch (const std::exception&) {
      bad = key;
      return T{};
    }
  }
  core::utc_time time(const char* key) {
    const auto text = get<std::string>(key);
    if (!bad.empty()) return {};
    auto t = core::parse_iso8601(text);
    if (!t) bad = key;
    return t ? *t : core::utc_time{};
  }
  template <class T>
  std::optional<T> maybe(const char* key) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return std::nullopt;
    return get<T>(key);
  }
  std::optional<core::utc_time> maybe_time(const char* key) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return std::nullopt;
    return time(key);
  }
};

}  // namespace

std::int64_t on_shift_at(const std::vector<shift>& shifts, core::utc_time t) {
  std::int64_t n = 0;
  for (const auto& s : shifts)
    if (std::any_of(s.on.begin(), s.on.end(), [&](const utc_interval& i) { return i.from <= t && t < i.to; })) ++n;
  return n;
}

std::int64_t max_on_shift(const std::vector<shift>& shifts, core::utc_time from, core::utc_time to) {
  // The count only rises where a shift starts: the window's start and every start inside it.
  std::int64_t most = on_shift_at(shifts, from);
  for (const auto& s : shifts)
    for (const auto& i : s.on)
      if (from < i.from && i.from < to) most = std::max(most, on_shift_at(shifts, i.from));
  return most;
}

bool judge_outcome(alert_entry& e, core::utc_time now, const std::vector<shift>& shifts) {
  const auto judged = [](const alert_entry& x) {
    return std::make_tuple(x.outcome, x.recovered_after_s, x.staff_max_after, x.staffing);
  };
  const auto before = judged(e);
  const auto& a = e.fired;
  const auto deadline = a.since + minutes(a.window_min);
  if (a.metric == "return_minor") {
    e.outcome = "not_applicable";
  } else if (e.resolved_at && e.resolution == "cleared" && *e.resolved_at <= deadline) {
    e.outcome = "recovered";
    e.recovered_after_s = duration_cast<seconds>(*e.resolved_at - a.since).count();
  } else if (e.resolved_at && *e.resolved_at < deadline) {
    e.outcome = "unjudged";  // no longer judged before its window ended: nobody can say
  } else if (now >= deadline) {
    e.outcome = "persisted";
  } else {
    e.outcome = "pending";
  }
  if (a.staffing) {
    if (!a.staffing->short_handed()) {
      e.staffing = "not_needed";
    } else {
      // Shifts are known up to `now`: the window is judged as far as it has gone.
      const auto most = max_on_shift(shifts, a.since, std::min(now, deadline));
      e.staff_max_after = std::max(e.staff_max_after.value_or(0), most);
      e.staffing = *e.staff_max_after > a.staffing->on_shift ? "followed"
                   : now >= deadline                          ? "not_followed"
                                                              : "pending";
    }
  }
  return judged(e) != before;
}

json entry_json(const alert_entry& e) {
  const auto& a = e.fired;
  json j{{"id", a.id},
         {"rule", a.rule},
         {"metric", a.metric},
         {"subject", a.subject},
         {"severity", a.severity},
         {"value", a.value},
         {"op", a.op},
         {"threshold", a.threshold},
         {"window_min", a.window_min},
         {"fired_at", core::format_iso8601(a.since)},
         {"message_en", a.message_en},
         {"message_zh", a.message_zh},
         {"resolved_at", opt(e.resolved_at)},
         {"resolution", e.resolution},
         {"resolved_value", opt(e.resolved_value)},
         {"outcome", e.outcome},
         {"recovered_after_s", opt(e.recovered_after_s)},
         {"staff_max_after", opt(e.staff_max_after)},
         {"staffing", e.staffing}};
  if (a.staffing) j["staffing_hint"] = {{"on_shift", a.staffing->on_shift}, {"needed", a.staffing->needed}};
  return j;
}

core::result<alert_entry> entry_from_json(const json& j) {
  if (!j.is_object()) return core::error{"alert journal entry: not an object"};
  reader r{j, {}};
  alert_entry e;
  auto& a = e.fired;
  a.id = r.get<std::string>("id");
  a.rule = r.get<std::string>("rule");
  a.metric = r.get<std::string>("metric");
  a.subject = r.get<std::string>("subject");
  a.severity = r.get<std::string>("severity");
  a.value = r.get<double>("value");
  a.op = r.get<std::string>("op");
  a.threshold = r.get<double>("threshold");
  a.window_min = r.get<std::int64_t>("window_min");
  a.since = a.at = r.time("fired_at");
  a.message_en = r.get<std::string>("message_en");
  a.message_zh = r.get<std::string>("message_zh");
  a.state = "firing";
  e.resolved_at = r.maybe_time("resolved_at");
  e.resolution = r.get<std::string>("resolution");
  e.resolved_value = r.maybe<double>("resolved_value");
  e.outcome = r.get<std::string>("outcome");
  e.recovered_after_s = r.maybe<std::int64_t>("recovered_after_s");
  e.staff_max_after = r.maybe<std::int64_t>("staff_max_after");
  e.staffing = r.get<std::string>("staffing");
  if (const auto it = j.find("staffing_hint"); it != j.end() && r.bad.empty()) {
    reader h{*it, {}};
    a.staffing = staffing_hint{h.get<std::int64_t>("on_shift"), h.get<std::int64_t>("needed")};
    if (!h.bad.empty()) r.bad = std::string("staffing_hint.") + h.bad;
  }
  if (!r.bad.empty()) return core::error{"alert journal entry " + a.id + ": key " + r.bad + " missing or mistyped"};
  return e;
}

}  // namespace kelu::analytics
