// SPDX-License-Identifier: Apache-2.0
#include "xovis_counting.hpp"

#include <nlohmann/json.hpp>

namespace kelu::drivers {

namespace {

using nlohmann::json;

core::result<core::utc_time> time_at(const json& j, const char* key, const std::string& path,
                                     const core::time_zone& zone) {
  if (!j.contains(key) || !j[key].is_string()) return core::error{path + "." + key + ": missing"};
  auto t = core::parse_iso8601(j[key].get<std::string>(), zone);
  if (!t) return core::error{path + "." + key + ": " + t.error_message()};
  return *t;
}

core::result<counter_reading> measurement_of(const json& m, const std::string& path, const core::time_zone& zone) {
  if (!m.is_object()) return core::error{path + ": expected an object"};
  counter_reading r;
  auto from = time_at(m, "from", path, zone);
  if (!from) return core::error{from.error_message()};
  auto to = time_at(m, "to", path, zone);
  if (!to) return core::error{to.error_message()};
  if (*to <= *from) return core::error{path + ": \"to\" is not after \"from\""};
  if (*to - *from > std::chrono::hours{24}) return core::error{path + ": longer than a day"};
  r.start = *from;
  r.end = *to;
  if (!m.contains("value") || !m["value"].is_array()) return core::error{path + ".value: missing"};
  for (std::size_t k = 0; k < m["value"].size(); ++k) {
    const auto& v = m["value"][k];
    const auto at = path + ".value[" + std::to_string(k) + "]";
    if (!v.is_object() || !v.contains("label") || !v["label"].is_string()) return core::error{at + ".label: missing"};
    const auto label = v["label"].get<std::string>();
    if (label != "fw" && label != "bw") continue;
    if (!v.contains("value") || !v["value"].is_number_integer() || v["value"].get<std::int64_t>() < 0)
      return core::error{at + ".value: expected a count, got " + (v.contains("value") ? v["value"].dump().substr(0, 40) : "nothing")};
    (label == "fw" ? r.in : r.out) += v["value"].get<std::int64_t>();
  }
  return r;
}

}  // namespace

core::result<std::vector<counter_reading>> parse_xovis_push(std::string_view body, const core::time_zone& zone) {
  const auto j = json::parse(body, nullptr, false);
  if (j.is_discarded()) return core::error{"not JSON"};
  if (!j.is_object() || !j.contains("content") || !j["content"].is_object())
    return core::error{"content: missing (not a Xovis data push)"};
  std::string device;
  if (j.contains("sensor-info") && j["sensor-info"].is_object() && j["sensor-info"].contains("serial-number") &&
      j["sensor-info"]["serial-number"].is_string())
    device = j["sensor-info"]["serial-number"].get<std::string>();
  std::vector<counter_reading> out;
  const auto& content = j["content"];
  if (!content.contains("element")) return out;
  if (!content["element"].is_array()) return core::error{"content.element: expected an array"};
  for (std::size_t e = 0; e < content["element"].size(); ++e) {
    const auto& element = content["element"][e];
    const auto path = "content.element[" + std::to_string(e) + "]";
    if (!element.is_object()) return core::error{path + ": expected an object"};
    // Zone dwell and occupancy pushes share the shape; only lines count people crossing.
    if (element.contains("data-type") && element["data-type"].is_string() && element["data-type"] != "LINE") continue;
    std::string channel;
    if (element.contains("element-name") && element["element-name"].is_string())
      channel = element["element-name"].get<std::string>();
    else if (element.contains("element-id") && element["element-id"].is_number_integer())
      channel = std::to_string(element["element-id"].get<std::int64_t>());
    if (!element.contains("measurement")) continue;
    if (!element["measurement"].is_array()) return core::error{path + ".measurement: expected an array"};
    for (std::size_t k = 0; k < element["measurement"].size(); ++k) {
      auto r = measurement_of(element["measurement"][k], path + ".measurement[" + std::to_string(k) + "]", zone);
      if (!r) return core::error{r.error_message()};
      r->device = device;
      r->channel = channel;
      out.push_back(std::move(*r));
    }
  }
  return out;
}

}  // namespace kelu::drivers
