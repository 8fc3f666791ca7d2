// SPDX-License-Identifier: Apache-2.0
#include "axis_counting.hpp"

#include <nlohmann/json.hpp>

namespace kelu::drivers {

core::result<counter_reading> parse_axis_live_sum(std::string_view body, core::utc_time at) {
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded()) return core::error{"not JSON"};
  if (!j.is_object()) return core::error{"expected an object {\"serial\", \"name\", \"timestamp\", \"in\", \"out\"}"};
  counter_reading r;
  r.cumulative = true;
  r.start = r.end = at;
  for (auto [key, field] : {std::pair{"in", &r.in}, std::pair{"out", &r.out}}) {
    if (!j.contains(key)) return core::error{std::string(key) + ": missing"};
    const auto& v = j[key];
    if (!v.is_number_integer() || v.get<std::int64_t>() < 0)
      return core::error{std::string(key) + ": expected a non-negative integer, got " + v.dump().substr(0, 40)};
    *field = v.get<std::int64_t>();
  }
  if (j.contains("serial") && j["serial"].is_string()) r.device = j["serial"].get<std::string>();
  if (j.contains("name") && j["name"].is_string()) r.channel = j["name"].get<std::string>();
  return r;
}

}  // namespace kelu::drivers
