// SPDX-License-Identifier: Apache-2.0
#include "software_desired.hpp"

#include <nlohmann/json.hpp>

#include <cctype>

namespace kelu {

namespace {

using json = nlohmann::json;

// When a store keeps no opening hours, updates wait for the small hours.
constexpr const char* night_hours = "daily 01:00-05:00";

bool is_hhmm_range(std::string_view s) {
  return s.size() == 11 && std::isdigit(static_cast<unsigned char>(s[0])) && s[2] == ':' && s[5] == '-';
}

}  // namespace

bool valid_package_version(std::string_view v) {
  if (v.empty() || v.size() > 64 || !std::isdigit(static_cast<unsigned char>(v[0]))) return false;
  bool colon = false;
  for (const char ch : v) {
    if (std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '+' || ch == '~' || ch == '-') continue;
    if (ch == ':' && !colon) {
      colon = true;
      continue;
    }
    return false;
  }
  return v.back() != ':' && v.back() != '-';
}

core::result<software_desired> parse_software_desired(std::string_view payload) {
  json doc;
  try {
    doc = json::parse(payload);
  } catch (const json::parse_error& e) {
    return core::error{"not JSON at byte " + std::to_string(e.byte)};
  }
  if (!doc.is_object()) return core::error{"not a JSON object"};
  // HQ -> box: what is not understood is refused, never half-followed (docs/mqtt.md, "Versions").
  for (const auto& [key, value] : doc.items())
    if (key != "version" && key != "attempt" && key != "gate_s" && key != "window")
      return core::error{key + ": unknown field (this box knows version, attempt, gate_s and window)"};
  software_desired d;
  const auto wanted = doc.find("version");
  if (wanted == doc.end() || !wanted->is_string()) return core::error{"version: required, a string"};
  d.version = wanted->get<std::string>();
  if (!valid_package_version(d.version))
    return core::error{"version: \"" + d.version + "\" is not a package version (digits first; letters, digits, . + ~ - :)"};
  if (const auto a = doc.find("attempt"); a != doc.end()) {
    if (!a->is_number_integer() || a->get<std::int64_t>() < 0) return core::error{"attempt: a whole number, 0 or more"};
    d.attempt = a->get<std::int64_t>();
  }
  if (const auto g = doc.find("gate_s"); g != doc.end()) {
    if (!g->is_number_integer()) return core::error{"gate_s: a whole number of seconds"};
    const auto s = g->get<std::int64_t>();
    if (s < min_update_gate.count() || s > max_update_gate.count())
      return core::error{"gate_s: " + std::to_string(s) + " is outside " + std::to_string(min_update_gate.count()) +
                         ".." + std::to_string(max_update_gate.count())};
    d.gate = std::chrono::seconds{s};
  }
  if (const auto w = doc.find("window"); w != doc.end()) {
    if (!w->is_string()) return core::error{"window: a string (\"closed\", \"any\" or hours such as \"02:00-05:00\")"};
    d.window = w->get<std::string>();
    // Checked now, so a bad window is refused when it arrives and not at every tick.
    if (auto m = maintenance_window::make(d.window, "", std::chrono::seconds{0}); !m)
      return core::error{"window: " + m.error_message()};
  }
  return d;
}

core::result<maintenance_window> maintenance_window::make(const std::string& window, const std::string& opening_hours,
                                                          std::chrono::seconds margin) {
  maintenance_window w;
  w.margin_ = margin;
  if (window == "any") return w;
  if (window == "closed") {
    auto open = analytics::weekly_hours::parse(opening_hours, false);
    if (!open) return core::error{"store.opening_hours: " + open.error_message()};
    if (open->empty()) {
      w.kind_ = kind::ranges;
      w.hours_ = std::move(analytics::weekly_hours::parse(night_hours, false)).value();
      return w;
    }
    w.kind_ = kind::closed;
    w.hours_ = std::move(open).value();
    return w;
  }
  auto ranges = analytics::weekly_hours::parse(is_hhmm_range(window) ? "daily " + window : window, false);
  if (!ranges) return core::error{"\"" + window + "\": " + ranges.error_message()};
  if (ranges->empty()) return core::error{"\"" + window + "\" allows no time at all"};
  w.kind_ = kind::ranges;
  w.hours_ = std::move(ranges).value();
  return w;
}

bool maintenance_window::in(const analytics::weekly_hours& h, core::utc_time t, const core::time_zone& zone) const {
  const auto day = analytics::local_day(t, zone);
  for (const auto& i : h.on(day, zone))
    if (i.from <= t && t < i.to) return true;
  return false;
}

bool maintenance_window::open_at(core::utc_time t, const core::time_zone& zone) const {
  switch (kind_) {
    case kind::any:
      return true;
    case kind::ranges:
      return in(hours_, t, zone);
    case kind::closed:
      // Closed now and for the whole margin: checked at its ends and every 5 minutes between.
      for (auto at = t; at <= t + margin_; at += std::chrono::minutes{5})
        if (in(hours_, at, zone)) return false;
      return !in(hours_, t + margin_, zone);
  }
  return false;
}

std::optional<core::utc_time> maintenance_window::next_open(core::utc_time t, const core::time_zone& zone) const {
  if (open_at(t, zone)) return t;
  // On 5-minute marks, so the answer stays the same from one look to the next.
  const auto until = t + std::chrono::days{8};
  for (auto at = std::chrono::ceil<std::chrono::minutes>(t); at < until; at += std::chrono::minutes{1}) {
    if (std::chrono::duration_cast<std::chrono::minutes>(at.time_since_epoch()).count() % 5 != 0) continue;
    if (open_at(at, zone)) return at;
  }
  return std::nullopt;
}

}  // namespace kelu
