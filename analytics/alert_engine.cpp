// SPDX-License-Identifier: Apache-2.0
#include "alert_engine.hpp"

#include "rates.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace kelu::analytics {

namespace {

using namespace std::chrono;

bool holds(double value, const std::string& op, double threshold) {
  if (op == "<") return value < threshold;
  if (op == "<=") return value <= threshold;
  if (op == ">") return value > threshold;
  return value >= threshold;
}

bool is_ratio(const std::string& metric) { return metric == "conversion" || metric == "engaged_rate"; }
bool needs_door_camera(const std::string& metric) { return is_ratio(metric) || metric == "visitors"; }
// Figures staff on the floor can move: their alerts carry the staffing hint.
bool about_the_floor(const std::string& metric) {
  return is_ratio(metric) || metric == "visitors" || metric == "transactions" || metric == "net_sales_minor" ||
         metric == "occupancy";
}

// The alert as resolved now, keeping the firing's id, messages and figures.
alert resolved_copy(const alert& firing, core::utc_time now, const char* resolution) {
  auto a = firing;
  a.state = "resolved";
  a.resolution = resolution;
  a.at = now;
  a.message_en = "[resolved] " + firing.message_en.substr(firing.message_en.find(']') + 2);
  a.message_zh = "【已恢复】" + firing.message_zh.substr(firing.message_zh.find("】") + 3);
  return a;
}

// What an alert carries of its rule: a restored alert resumes only when these still hold.
bool same_definition(const alert& a, const config::alert_rule_config& r) {
  return a.metric == r.metric && a.op == r.op && a.threshold == r.threshold && a.window_min == r.window_min &&
         a.severity == r.severity;
}

struct label {
  const char* metric;
  const char* en;
  const char* zh;
};
constexpr label labels[] = {
    {"conversion", "conversion", "转化率"},
    {"engaged_rate", "engaged rate", "驻留率"},
    {"visitors", "visitors", "进店人数"},
    {"transactions", "sales", "成交笔数"},
    {"net_sales_minor", "net sales", "净销售额"},
    {"occupancy", "people in store", "店内人数"},
    {"camera_offline_min", "camera offline", "摄像头离线"},
    {"till_silent_min", "no sale for", "收银无交易"},
    {"outbox_age_min", "HQ sync behind by", "总部同步滞后"},
    {"return_minor", "return of", "单笔退货"},
};

const label& label_of(const std::string& metric) {
  for (const auto& l : labels)
    if (metric == l.metric) return l;
  return labels[0];
}

std::string amount(double v, const std::string& metric, const std::string& currency) {
  char buf[64];
  if (is_ratio(metric))
    std::snprintf(buf, sizeof buf, "%.1f%%", v * 100.0);
  else if (metric.ends_with("_minor"))
    std::snprintf(buf, sizeof buf, "%.2f %s", v / 100.0, currency.c_str());
  else if (metric.ends_with("_min"))
    std::snprintf(buf, sizeof buf, "%.0f min", v);
  else
    std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

const char* op_zh(const std::string& op) {
  if (op == "<") return "低于";
  if (op == "<=") return "不高于";
  if (op == ">") return "高于";
  return "不低于";
}

const char* severity_zh(const std::string& s) {
  if (s == "critical") return "严重";
  if (s == "info") return "提示";
  return "警告";
}

}  // namespace

alert_engine::alert_engine(std::vector<config::alert_rule_config> rules, funnel_rules funnel, core::time_zone zone,
                           std::string store_name)
    : rules_(std::move(rules)), funnel_(std::move(funnel)), zone_(std::move(zone)), store_name_(std::move(store_name)) {}

std::vector<alert> alert_engine::update(std::vector<config::alert_rule_config> rules, funnel_rules funnel,
                                       core::utc_time now) {
  // A rule that changed is a new rule: its old state goes with it, and its firing alerts end.
  const auto find = [](const std::vector<config::alert_rule_config>& v, const std::string& name) {
    return std::find_if(v.begin(), v.end(), [&](const config::alert_rule_config& r) { return r.name == name; });
  };
  std::vector<alert> ended;
  std::erase_if(states_, [&](const auto& kv) {
    const auto before = find(rules_, kv.first.first);
    const auto after = find(rules, kv.first.first);
    const bool gone = before == rules_.end() || after == rules.end() || !(*before == *after);
    if (gone && kv.second.firing) ended.push_back(resolved_copy(kv.second.current, now, "rule_changed"));
    return gone;
  });
  rules_ = std::move(rules);
  funnel_ = std::move(funnel);
  return ended;
}

const config::alert_rule_config* alert_engine::rule_named(const std::string& name) const {
  for (const auto& r : rules_)
    if (r.name == name) return &r;
  return nullptr;
}

std::vector<alert> alert_engine::restore(const std::vector<alert>& firing, const std::vector<alert>& fired,
                                         core::utc_time now) {
  for (const auto& a : fired) {
    const auto* r = rule_named(a.rule);
    if (!r || !same_definition(a, *r)) continue;
    auto& st = states_[{a.rule, a.subject}];
    if (!st.last_fired || a.since > *st.last_fired) st.last_fired = a.since;
  }
  std::vector<alert> ended;
  for (const auto& a : firing) {
    const auto* r = rule_named(a.rule);
    if (!r || !same_definition(a, *r) || a.metric == "return_minor") {
      // A return is judged once; a rule that changed while the agent was down starts afresh.
      if (a.metric != "return_minor") ended.push_back(resolved_copy(a, now, "rule_changed"));
      continue;
    }
    auto& st = states_[{a.rule, a.subject}];
    st.firing = true;
    st.current = a;
    st.current.notify = r->notify;  // the journal does not keep them: the rule says where its alerts go
    if (!st.last_fired || a.since > *st.last_fired) st.last_fired = a.since;
  }
  return ended;
}

bool alert_engine::is_active(const config::alert_rule_config& r, core::utc_time now) const {
  if (r.active == "always") return true;
  const auto day = local_day(now, zone_);
  weekly_hours hours = funnel_.opening;
  if (r.active != "open") {
    auto parsed = weekly_hours::parse(r.active, false);
    if (!parsed) return false;  // the config loader refuses such a rule; a hand-made one stays quiet
    hours = std::move(parsed).value();
  }
  for (const auto& d : {day - days{1}, day})
    for (const auto& i : hours.on(d, zone_))
      if (i.from <= now && now < i.to) return true;
  return false;
}

std::vector<alert_engine::observation> alert_engine::observe(const config::alert_rule_config& r,
                                                             const alert_inputs& in) const {
  std::vector<observation> out;
  const auto* today = in.today;
  const auto& m = r.metric;
  if (m == "camera_offline_min") {
    for (const auto& [camera, since] : in.cameras)
      out.push_back({camera, since ? static_cast<double>(duration_cast<minutes>(in.now - *since).count()) : 0.0, {}});
    return out;
  }
  if (m == "outbox_age_min") {
    out.push_back({"outbox", static_cast<double>(in.outbox_oldest_age_s / 60), {}});
    return out;
  }
  if (!today) return out;
  if (m == "occupancy") {
    out.push_back({"store", static_cast<double>(today->occupancy_now), {}});
    return out;
  }
  if (m == "till_silent_min") {
    // Since the last sale, or since the store opened today when a till has sold nothing yet.
    core::utc_time opened = today->start;
    for (const auto& i : funnel_.opening.on(today->day, zone_))
      if (i.from <= in.now) opened = std::max(opened, i.from);
    core::utc_time any = opened;
    for (const auto& [terminal, last] : today->last_sale_by_terminal) {
      const auto from = std::max(last, opened);
      any = std::max(any, from);
      out.push_back({terminal, static_cast<double>(duration_cast<minutes>(in.now - from).count()), {}});
    }
    out.push_back({"store", static_cast<double>(duration_cast<minutes>(in.now - any).count()), {}});
    return out;
  }
  if (m == "return_minor") {
    for (const auto& ret : today->returns) {
      observation o{ret.source + ":" + std::to_string(ret.seq), static_cast<double>(ret.amount_minor), {}};
      o.trace.add(ret.source, ret.seq);
      out.push_back(std::move(o));
    }
    return out;
  }
  // Window metrics: the quarters that overlap the last window_min minutes of today.
  figures sum;
  std::vector<figures> window;
  seq_ranges trace;
  const auto from = in.now - minutes(r.window_min);
  for (const auto& q : today->quarters)
    if (q.end > from && q.start < in.now) {
      sum += q.store;
      window.push_back(q.store);
      trace.add(q.trace);
    }
  if (needs_door_camera(m)) {
    if (!seen_enough(sum, funnel_, today->has_door_camera)) return out;  // what the cameras did not see is not judged
    if (is_ratio(m) && sum.entries < r.min_visitors) return out;
  }
  double value = 0;
  if (is_ratio(m)) {
    // The same rule as every page and report (rates.hpp): open, covered quarters, bounded.
    const auto rates = rates_over(window, funnel_, today->has_door_camera);
    const auto& v = m == "conversion" ? rates.conversion : rates.engaged_rate;
    if (!v) return out;
    value = *v;
  } else if (m == "visitors")
    value = static_cast<double>(sum.entries);
  else if (m == "transactions")
    value = static_cast<double>(sum.transactions);
  else if (m == "net_sales_minor")
    value = static_cast<double>(sum.sales_minor - sum.returns_minor);
  out.push_back({"store", value, std::move(trace)});
  return out;
}

alert alert_engine::make(const config::alert_rule_config& r, const observation& o, core::utc_time now,
                         bool firing, const std::optional<staffing_hint>& staffing) const {
  alert a;
  a.id = core::new_event_id();
  a.rule = r.name;
  a.metric = r.metric;
  a.subject = o.subject;
  a.state = firing ? "firing" : "resolved";
  if (!firing) a.resolution = "cleared";
  a.severity = r.severity;
  a.value = o.value;
  a.op = r.op;
  a.threshold = r.threshold;
  a.window_min = r.window_min;
  a.since = now;
  a.at = now;
  a.trace = o.trace;
  a.notify = r.notify;
  const auto& l = label_of(r.metric);
  const bool windowed = !(r.metric.ends_with("_min") || r.metric == "occupancy" || r.metric == "return_minor");
  const auto subject = o.subject == "store" || o.subject == "outbox" ? std::string() : " (" + o.subject + ")";
  const auto value = amount(o.value, r.metric, funnel_.currency);
  const auto limit = amount(r.threshold, r.metric, funnel_.currency);
  a.message_en = std::string(firing ? "[" + r.severity + "] " : "[resolved] ") + store_name_ + ": " + l.en + subject +
                 " " + value + " " + r.op + " " + limit +
                 (windowed ? " over the last " + std::to_string(r.window_min) + " min" : "") + " (" + r.name + ")";
  a.message_zh = std::string(firing ? std::string("【") + severity_zh(r.severity) + "】" : "【已恢复】") + store_name_ +
                 "：" + l.zh + subject + " " + value + " " + op_zh(r.op) + " " + limit +
                 (windowed ? "（近 " + std::to_string(r.window_min) + " 分钟）" : "") + "（" + r.name + "）";
  if (firing && staffing && about_the_floor(r.metric) && o.subject == "store") {
    a.staffing = staffing;
    if (staffing->short_handed()) {
      // The hint a manager can act on, in the message itself.
      a.message_en += ": " + std::to_string(staffing->on_shift) + " on shift, " + std::to_string(staffing->needed) +
                      " needed for the traffic";
      a.message_zh += "：在岗 " + std::to_string(staffing->on_shift) + " 人，按客流需要 " +
                      std::to_string(staffing->needed) + " 人";
    }
  }
  return a;
}

std::vector<alert> alert_engine::evaluate(const alert_inputs& in) {
  std::vector<alert> out;
  for (const auto& r : rules_) {
    const bool active = is_active(r, in.now);
    std::vector<observation> seen = active ? observe(r, in) : std::vector<observation>{};
    for (const auto& o : seen) {
      auto& st = states_[{r.name, o.subject}];
      const bool breached = holds(o.value, r.op, r.threshold);
      if (breached && !st.firing) {
        const bool cooling =
            st.last_fired && in.now - *st.last_fired < minutes(r.cooldown_min);
        // A return is judged once: it cannot clear and breach again.
        if (cooling || (r.metric == "return_minor" && st.last_fired)) continue;
        st.firing = true;
        st.last_fired = in.now;
        st.current = make(r, o, in.now, true, in.staffing);
        out.push_back(st.current);
      } else if (!breached && st.firing) {
        st.firing = false;
        auto resolved = make(r, o, in.now, false, std::nullopt);
        resolved.id = st.current.id;
        resolved.since = st.current.since;
        resolved.staffing = st.current.staffing;
        out.push_back(std::move(resolved));
      } else if (st.firing) {
        st.current.value = o.value;  // the dashboard shows the figure as it is now
      }
    }
    // Subjects no longer observed (inactive rule, a camera back, data no longer judged) resolve.
    for (auto& [key, st] : states_) {
      if (key.first != r.name || !st.firing || r.metric == "return_minor") continue;
      const std::string& subject = key.second;  // clang 14 cannot capture a structured binding
      const bool still = std::any_of(seen.begin(), seen.end(), [&](const observation& o) { return o.subject == subject; });
      if (still) continue;
      st.firing = false;
      out.push_back(resolved_copy(st.current, in.now, "unobserved"));
    }
    if (r.metric == "return_minor") {
      // Returns fire once and are done; forget yesterday's.
      for (auto& [key, st] : states_)
        if (key.first == r.name) st.firing = false;
    }
  }
  return out;
}

std::vector<alert> alert_engine::active() const {
  std::vector<alert> out;
  for (const auto& [key, st] : states_)
    if (st.firing) out.push_back(st.current);
  return out;
}

}  // namespace kelu::analytics
