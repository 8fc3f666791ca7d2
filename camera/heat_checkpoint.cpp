// SPDX-License-Identifier: Apache-2.0
#include "heat_checkpoint.hpp"

#include <nlohmann/json.hpp>

#include "core/files.hpp"
#include "core/time.hpp"

namespace kelu::camera {

using nlohmann::json;

namespace {

constexpr int format_version = 1;

core::result<std::vector<double>> cells_at(const json& doc, const char* key, std::size_t size) {
  const auto it = doc.find(key);
  if (it == doc.end() || !it->is_array() || it->size() != size)
    return core::error{std::string(key) + ": expected an array of " + std::to_string(size) + " numbers"};
  std::vector<double> out;
  out.reserve(size);
  for (const auto& v : *it) {
    if (!v.is_number() || v.get<double>() < 0) return core::error{std::string(key) + ": expected numbers >= 0"};
    out.push_back(v.get<double>());
  }
  return out;
}

core::result<heat_progress> parse(const json& doc) {
  if (!doc.is_object() || doc.value("version", 0) != format_version)
    return core::error{"version: expected " + std::to_string(format_version)};
  heat_progress p;
  for (auto [key, field] : {std::pair{"hour_start", &p.hour_start}, std::pair{"day_start", &p.day_start}}) {
    const auto t = doc.contains(key) && doc[key].is_string() ? core::parse_iso8601(doc[key].get<std::string>())
                                                             : core::result<core::utc_time>(core::error{"missing"});
    if (!t) return core::error{std::string(key) + ": expected an ISO 8601 time"};
    *field = *t;
  }
  for (auto [key, field] : {std::pair{"cols", &p.cols}, std::pair{"rows", &p.rows}}) {
    const auto it = doc.find(key);
    if (it == doc.end() || !it->is_number_integer() || it->get<int>() < 1 || it->get<int>() > 256)
      return core::error{std::string(key) + ": expected an integer in 1..256"};
    *field = it->get<int>();
  }
  const auto size = static_cast<std::size_t>(p.cols) * static_cast<std::size_t>(p.rows);
  auto hour = cells_at(doc, "hour_cells", size);
  if (!hour) return core::error{hour.error_message()};
  auto day = cells_at(doc, "day_cells", size);
  if (!day) return core::error{day.error_message()};
  p.hour_cells = std::move(hour).value();
  p.day_cells = std::move(day).value();
  return p;
}

}  // namespace

heat_checkpoint::heat_checkpoint(std::filesystem::path file, std::chrono::seconds every)
    : file_(std::move(file)), every_(every) {}

core::result<std::optional<heat_progress>> heat_checkpoint::load() const {
  if (file_.empty() || !std::filesystem::exists(file_)) return std::optional<heat_progress>{};
  const auto text = core::read_file(file_);
  if (!text) return core::error{file_.string() + ": cannot be read"};
  const auto doc = json::parse(*text, nullptr, false);
  if (doc.is_discarded()) return core::error{file_.string() + ": not JSON"};
  auto p = parse(doc);
  if (!p) return core::error{file_.string() + ": " + p.error_message()};
  return std::optional<heat_progress>(std::move(p).value());
}

bool heat_checkpoint::due(std::chrono::steady_clock::time_point at) const {
  return !file_.empty() && (!last_ || at - *last_ >= every_);
}

core::status heat_checkpoint::save(const heat_progress& p, std::chrono::steady_clock::time_point at) {
  if (file_.empty()) return core::ok();
  last_ = at;  // a failing disk is tried again after `every`, not at every frame
  const json doc{{"version", format_version},
                 {"hour_start", core::format_iso8601(p.hour_start)},
                 {"day_start", core::format_iso8601(p.day_start)},
                 {"cols", p.cols},
                 {"rows", p.rows},
                 {"hour_cells", p.hour_cells},
                 {"day_cells", p.day_cells}};
  return core::write_file_atomically(file_, doc.dump(), 0640);
}

std::filesystem::path heat_checkpoint_file(const std::filesystem::path& database, const std::string& id) {
  return database.parent_path() / ("heat-" + id + ".json");
}

}  // namespace kelu::camera
