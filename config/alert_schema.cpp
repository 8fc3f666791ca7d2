// SPDX-License-Identifier: Apache-2.0
#include "alert_schema.hpp"

#include <cmath>
#include <set>

#include "element_table.hpp"
#include "key_def.hpp"
#include "weekly_ranges.hpp"

namespace kelu::config::detail {

using nlohmann::json;

namespace {

using alert_key = element_key<alert_rule_config>;

// The metrics an alert can watch, as kelu::analytics evaluates them (docs/analytics.md).
const std::vector<std::string>& metric_names() {
  static const std::vector<std::string> names{
      "conversion",      "engaged_rate",       "visitors",        "transactions",   "net_sales_minor",
      "occupancy",       "camera_offline_min", "till_silent_min", "outbox_age_min", "return_minor"};
  return names;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : "|") + x;
  return s;
}

alert_key enum_key(const char* leaf, std::string alert_rule_config::*m, std::vector<std::string> choices,
                   std::string def, const char* desc) {
  alert_key k;
  k.info = {std::string("alerts[].") + leaf, "enum", def.empty() ? "" : json(def).dump(), joined(choices), desc,
            reload::hot};
  k.required = def.empty();
  k.set = [m, choices](alert_rule_config& a, const json& v) -> std::optional<std::string> {
    if (!v.is_string() || std::find(choices.begin(), choices.end(), v.get<std::string>()) == choices.end())
      return v.dump() + " is not one of " + joined(choices);
    a.*m = v.get<std::string>();
    return std::nullopt;
  };
  k.get = [m](const alert_rule_config& a) { return json(a.*m); };
  return k;
}

alert_key int_key(const char* leaf, std::int64_t alert_rule_config::*m, std::int64_t def, std::int64_t lo,
                  std::int64_t hi, const char* desc) {
  alert_key k;
  k.info = {std::string("alerts[].") + leaf, "integer", std::to_string(def), std::to_string(lo) + ".." + std::to_string(hi),
            desc, reload::hot};
  k.set = [m, lo, hi](alert_rule_config& a, const json& v) -> std::optional<std::string> {
    if (!v.is_number_integer() || v.get<double>() < static_cast<double>(lo) || v.get<double>() > static_cast<double>(hi))
      return "expected an integer in " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " + v.dump();
    a.*m = v.get<std::int64_t>();
    return std::nullopt;
  };
  k.get = [m](const alert_rule_config& a) { return json(a.*m); };
  return k;
}

const std::vector<alert_key>& alert_table() {
  static const std::vector<alert_key> table = [] {
    std::vector<alert_key> t;
    alert_key name;
    name.info = {"alerts[].name", "string", "", "", "Rule name, unique: alerts and chat messages carry it", reload::hot};
    name.required = true;
    name.set = [](alert_rule_config& a, const json& v) -> std::optional<std::string> {
      if (!v.is_string()) return "expected a string, got " + v.dump();
      a.name = v.get<std::string>();
      return identifier(a.name);
    };
    name.get = [](const alert_rule_config& a) { return json(a.name); };
    t.push_back(std::move(name));
    t.push_back(enum_key("metric", &alert_rule_config::metric, metric_names(), "",
                         "What is watched: ratios and sums over the window, occupancy now, minutes a camera has been "
                         "offline or a till silent, minutes the oldest unsent message waited, a single return's amount"));
    t.push_back(enum_key("op", &alert_rule_config::op, {"<", "<=", ">", ">="}, "", "How the metric compares with threshold"));
    alert_key threshold;
    threshold.info = {"alerts[].threshold", "number", "", "", "Ratios as fractions (0.10 for 10 %), money in minor units",
                      reload::hot};
    threshold.required = true;
    threshold.set = [](alert_rule_config& a, const json& v) -> std::optional<std::string> {
      if (!v.is_number() || !std::isfinite(v.get<double>())) return "expected a number, got " + v.dump();
      a.threshold = v.get<double>();
      return std::nullopt;
    };
    threshold.get = [](const alert_rule_config& a) { return json(a.threshold); };
    t.push_back(std::move(threshold));
    t.push_back(int_key("window_min", &alert_rule_config::window_min, 60, 15, 1440,
                        "Minutes looked back for ratios and sums (whole quarter hours); also the time an alert "
                        "has to recover"));
    t.push_back(int_key("min_visitors", &alert_rule_config::min_visitors, 10, 0, 100000,
                        "Ratios over fewer visitors than this are not judged"));
    alert_key active;
    active.info = {"alerts[].active", "string", "\"open\"", "", "When the rule applies: \"open\" (store.opening_hours), "
                   "\"always\", or weekly hours like \"mon-fri 09:00-18:00\"", reload::hot};
    active.set = [](alert_rule_config& a, const json& v) -> std::optional<std::string> {
      if (!v.is_string()) return "expected a string, got " + v.dump();
      const auto s = v.get<std::string>();
      std::vector<weekly_range> ranges;
      if (s != "open" && s != "always")
        if (auto p = parse_weekly_ranges(s, false, ranges)) return "expected \"open\", \"always\" or weekly hours: " + *p;
      a.active = s;
      return std::nullopt;
    };
    active.get = [](const alert_rule_config& a) { return json(a.active); };
    t.push_back(std::move(active));
    t.push_back(int_key("cooldown_min", &alert_rule_config::cooldown_min, 60, 0, 10080,
                        "After firing, the rule stays quiet this long even if it clears and breaches again"));
    t.push_back(enum_key("severity", &alert_rule_config::severity, {"info", "warning", "critical"}, "warning",
                         "Shown with the alert"));
    alert_key notify;
    notify.info = {"alerts[].notify", "array of strings", "[]", "wecom|dingtalk|feishu",
                   "Chat group robots that also get it (notify.* has their URLs); MQTT and the dashboard always do",
                   reload::hot};
    notify.set = [](alert_rule_config& a, const json& v) -> std::optional<std::string> {
      if (!v.is_array()) return "expected an array like [\"wecom\"], got " + v.dump();
      a.notify.clear();
      for (const auto& c : v) {
        if (!c.is_string() || (c != "wecom" && c != "dingtalk" && c != "feishu"))
          return c.dump() + " is not one of wecom|dingtalk|feishu";
        a.notify.push_back(c.get<std::string>());
      }
      return std::nullopt;
    };
    notify.get = [](const alert_rule_config& a) { return json(a.notify); };
    t.push_back(std::move(notify));
    return t;
  }();
  return table;
}

}  // namespace

std::vector<key_info> alert_keys() {
  std::vector<key_info> out;
  for (const auto& k : alert_table()) out.push_back(k.info);
  return out;
}

std::optional<std::string> parse_alerts(const json& v, std::vector<alert_rule_config>& out) {
  if (!v.is_array()) return ": expected an array of alert rules, got " + v.dump();
  if (v.size() > 64) return ": at most 64 alert rules";
  std::vector<alert_rule_config> parsed;
  std::set<std::string> names;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const auto at = "[" + std::to_string(i) + "]";
    auto a = element_defaults(alert_table());
    if (auto p = parse_element(alert_table(), v[i], at, a)) return p;
    if (!names.insert(a.name).second) return at + ".name: \"" + a.name + "\" is used by another rule";
    parsed.push_back(std::move(a));
  }
  out = std::move(parsed);
  return std::nullopt;
}

json alerts_to_json(const std::vector<alert_rule_config>& alerts) {
  json a = json::array();
  for (const auto& r : alerts) a.push_back(element_to_json(alert_table(), r));
  return a;
}

std::string alert_sample_note() {
  return element_sample_note(alert_table(), "rule",
                             {{"name", "low_conversion"}, {"metric", "conversion"}, {"op", "<"}, {"threshold", 0.10},
                              {"notify", json::array({"wecom"})}});
}

}  // namespace kelu::config::detail
