// SPDX-License-Identifier: Apache-2.0
#include "counter_schema.hpp"

#include "element_table.hpp"
#include "key_def.hpp"

#include <set>

namespace kelu::config::detail {

using nlohmann::json;

namespace {

using counter_key = element_key<counter_config>;

counter_key string_key(const char* leaf, std::string counter_config::*m, const char* def, const char* range,
                       const char* desc, std::set<std::string> allowed = {}, bool required = false) {
  counter_key k;
  k.info = {std::string("counters[].") + leaf, allowed.empty() ? "string" : "enum", required ? "" : json(def).dump(),
            range, desc, reload::rebuild};
  k.required = required;
  k.set = [m, allowed, range = std::string(range)](counter_config& c, const json& v) -> std::optional<std::string> {
    if (!v.is_string()) return "expected a string, got " + v.dump();
    const auto s = v.get<std::string>();
    if (!allowed.empty() && !allowed.count(s)) return v.dump() + " is not one of " + range;
    c.*m = s;
    return std::nullopt;
  };
  k.get = [m](const counter_config& c) { return json(c.*m); };
  return k;
}

counter_key int_key(const char* leaf, std::int64_t counter_config::*m, std::int64_t def, std::int64_t lo,
                    std::int64_t hi, const char* desc) {
  counter_key k;
  k.info = {std::string("counters[].") + leaf, "integer", json(def).dump(),
            std::to_string(lo) + ".." + std::to_string(hi), desc, reload::rebuild};
  k.set = [m, lo, hi](counter_config& c, const json& v) -> std::optional<std::string> {
    if (!v.is_number_integer() || v.get<std::int64_t>() < lo || v.get<std::int64_t>() > hi)
      return "expected an integer in " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " + v.dump();
    c.*m = v.get<std::int64_t>();
    return std::nullopt;
  };
  k.get = [m](const counter_config& c) { return json(c.*m); };
  return k;
}

const std::vector<counter_key>& counter_table() {
  static const std::vector<counter_key> table = [] {
    std::vector<counter_key> t;
    auto id = string_key("id", &counter_config::id, "", "",
                         "Counter id, unique among cameras and counters: its events' source is \"counter-{id}\", "
                         "and pushing devices (Hikvision, Xovis) push to /counters/{id}",
                         {}, true);
    const auto set_text = id.set;
    id.set = [set_text](counter_config& c, const json& v) -> std::optional<std::string> {
      if (auto p = set_text(c, v)) return p;
      return identifier(c.id);
    };
    t.push_back(std::move(id));
    t.push_back(string_key("vendor", &counter_config::vendor, "", "hikvision|xovis|dahua|axis",
                           "hikvision: pushes ISAPI people-counting alerts to this box; xovis: pushes line-count data "
                           "(JSON) to this box; dahua: polled at /cgi-bin/videoStatServer.cgi?action=getSummary; "
                           "axis: AXIS People Counter, polled at /local/tvpc/.api?live-sum.json",
                           {"hikvision", "xovis", "dahua", "axis"}, true));
    t.push_back(string_key("url", &counter_config::url, "", "",
                           "dahua, axis: the device's address, http://host[:port] (the box polls it); hikvision: "
                           "empty (it pushes)"));
    t.push_back(string_key("channel", &counter_config::channel, "", "",
                           "The device's channel (Hikvision channelID, Dahua channel) or line (Xovis element-name) to "
                           "take; empty takes any (lines reported for the same period in one push are summed). "
                           "Readings of other channels are counted and ignored"));
    t.push_back(string_key("line", &counter_config::line, "door", "", "The line name its traffic.count events carry"));
    t.push_back(string_key("role", &counter_config::role, "entrance", "entrance|passby|staff",
                           "entrance: its in-counts are visitors and it is a door for coverage; passby: people "
                           "walking past outside; staff: a staff-only door, never visitors",
                           {"entrance", "passby", "staff"}));
    t.push_back(string_key("auth", &counter_config::auth, "digest", "digest|basic|token|none",
                           "hikvision, xovis (pushing): what the device must present. digest also accepts basic; token: "
                           "\"Authorization: Bearer T\" or ?token=T in the URL. Polled devices are answered with "
                           "whatever they ask (digest or basic)",
                           {"digest", "basic", "token", "none"}));
    t.push_back(string_key("username", &counter_config::username, "", "", "User name for digest/basic, both ways"));
    t.push_back(string_key("password", &counter_config::password, "", "", "Password for digest/basic, both ways"));
    t.push_back(string_key("token", &counter_config::token, "", "", "auth \"token\": the token a pushing device sends"));
    t.push_back(int_key("interval_s", &counter_config::interval_s, 60, 10, 3600,
                        "dahua, axis: seconds between readings (aligned to the clock; a missed reading loses nothing, "
                        "the next difference covers it)"));
    t.push_back(int_key("timeout_s", &counter_config::timeout_s, 5, 1, 60,
                        "dahua, axis: deadline of one reading, connect to last byte"));
    return t;
  }();
  return table;
}

std::optional<std::string> check(const counter_config& c) {
  const bool polled = c.vendor == "dahua" || c.vendor == "axis";
  if (polled && c.url.rfind("http://", 0) != 0 && c.url.rfind("https://", 0) != 0)
    return ".url: " + c.vendor + " counters are polled: expected http://host[:port], got \"" + c.url + "\"";
  if (polled && c.url.rfind("https://", 0) == 0)
    return ".url: https is not supported for counters on the store LAN; use http://";
  if (!polled && !c.url.empty()) return ".url: " + c.vendor + " counters push to the box; leave url empty";
  if (!polled && (c.auth == "digest" || c.auth == "basic") && (c.username.empty() || c.password.empty()))
    return ".username: auth \"" + c.auth + "\" needs a username and a password (the ones set on the device)";
  if (!polled && c.auth == "token" && c.token.size() < 16) return ".token: at least 16 characters";
  if (c.line.empty()) return ".line: must not be empty";
  return std::nullopt;
}

}  // namespace

std::vector<key_info> counter_keys() {
  std::vector<key_info> out;
  for (const auto& k : counter_table()) out.push_back(k.info);
  return out;
}

std::string counter_sample_note() {
  const json examples = {{"id", "door-counter"}, {"vendor", "dahua"}, {"url", "http://192.168.1.108"},
                         {"channel", "1"},       {"username", "kelu"}, {"password", "secret"}};
  return element_sample_note(counter_table(), "counter", examples);
}

std::optional<std::string> parse_counters(const json& v, std::vector<counter_config>& out) {
  if (!v.is_array()) return ": expected an array of counters, got " + v.dump();
  if (v.size() > 32) return ": at most 32 counters per box";
  std::vector<counter_config> parsed;
  std::set<std::string> ids;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const auto at = "[" + std::to_string(i) + "]";
    auto c = element_defaults(counter_table());
    if (auto p = parse_element(counter_table(), v[i], at, c)) return p;
    if (!ids.insert(c.id).second) return at + ".id: \"" + c.id + "\" is used by another counter";
    if (auto p = check(c)) return at + *p;
    parsed.push_back(std::move(c));
  }
  out = std::move(parsed);
  return std::nullopt;
}

json counters_to_json(const std::vector<counter_config>& counters) {
  json a = json::array();
  for (const auto& c : counters) a.push_back(element_to_json(counter_table(), c));
  return a;
}

}  // namespace kelu::config::detail
