// SPDX-License-Identifier: Apache-2.0
#include "audit_service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <system_error>

#include "agent/accuracy_audit.hpp"
#include "analytics/weekly_hours.hpp"
#include "sync/audit_store.hpp"
#include "sync/event_store.hpp"

namespace kelu {

using nlohmann::json;

namespace {

using namespace std::chrono;

constexpr std::size_t max_taps = 10000;

std::string clip_name(const std::string& id) { return "audit-" + id + ".clip"; }

json accuracy_json(const std::optional<double>& a) { return a ? json(std::round(*a * 10000.0) / 10000.0) : json(); }

std::optional<double> accuracy_of(const sync::audit_row& r) {
  return count_accuracy(r.in_box, r.out_box, r.in_tapped, r.out_tapped);
}

}  // namespace

struct audit_service::audit {
  std::string id;
  std::string camera;
  std::int64_t seconds = 0;
  std::string state = "recording";  // "recording" | "ready" | "failed"
  std::string error;
  std::vector<config::camera_line_config> lines;  // as drawn when it started
  camera::clip recorded;
  std::filesystem::path path;
};

audit_service::audit_service(boost::asio::any_io_executor ex, std::filesystem::path dir,
                             const camera_registry& cameras, const config::config& cfg,
                             sync::event_store& events, sync::audit_store& audits, const core::clock& clock,
                             core::time_zone zone, std::shared_ptr<spdlog::logger> log, recounter recount,
                             audit_limits limits)
    : expiry_(ex),
      dir_(std::move(dir)),
      cameras_(cameras),
      cfg_(cfg),
      events_(events),
      audits_(audits),
      clock_(clock),
      zone_(std::move(zone)),
      log_(std::move(log)),
      limits_(limits),
      comparison_(ex, std::move(recount)) {
  // A clip left by an agent that died during an audit is nobody's: it goes.
  std::error_code ec;
  for (const auto& f : std::filesystem::directory_iterator(dir_, ec))
    if (f.path().filename().string().starts_with("audit-") && f.path().extension() == ".clip") {
      std::filesystem::remove(f.path(), ec);
      log_->info("audit: deleted the clip {} left from an earlier run", f.path().string());
    }
}

audit_service::~audit_service() {
  *alive_ = false;
  end("the agent stopped");
}

void audit_service::end(const char* why) {
  expiry_.cancel();
  if (!current_) return;
  comparison_.cancel();
  std::error_code ec;
  std::filesystem::remove(current_->path, ec);
  log_->info("audit {}: clip deleted ({})", current_->id, why);
  current_.reset();
}

core::result<audit_service::audit*> audit_service::find(std::string_view id) const {
  if (!current_ || current_->id != id) return core::error{"no audit " + std::string(id.substr(0, 64)) + " on this box"};
  return current_.get();
}

core::result<json> audit_service::start(std::string_view camera_id, std::int64_t seconds) {
  if (seconds < limits_.min_seconds || seconds > limits_.max_seconds)
    return core::error{"seconds: " + std::to_string(seconds) + " is not in " + std::to_string(limits_.min_seconds) +
                       ".." + std::to_string(limits_.max_seconds)};
  camera::camera_control* cam = cameras_.find(camera_id);
  const auto* configured = camera_config(camera_id);
  if (!cam || !configured) return core::error{"camera: no camera " + std::string(camera_id.substr(0, 64))};
  if (current_ && (current_->state == "recording" || current_->state == "comparing"))
    return core::error{"an audit is already " + current_->state};
  compared_ = nullptr;
  end("a new audit started");
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  std::filesystem::permissions(dir_, std::filesystem::perms::owner_all, ec);
  auto a = std::make_unique<audit>();
  a->id = core::new_event_id();
  a->camera = configured->id;
  a->seconds = seconds;
  a->lines = configured->lines;
  a->path = dir_ / clip_name(a->id);
  current_ = std::move(a);
  const auto id = current_->id;
  log_->info("audit {}: recording {} s of camera {}", id, seconds, current_->camera);
  cam->record(std::chrono::seconds(seconds), current_->path.string(),
              [this, alive = alive_, id](core::result<camera::clip> recorded) {
                if (*alive && current_ && current_->id == id) on_recorded(std::move(recorded));
              });
  return state(id);
}

void audit_service::on_recorded(core::result<camera::clip> recorded) {
  auto& a = *current_;
  if (!recorded || recorded->frames.empty()) {
    a.state = "failed";
    a.error = recorded ? "the camera sent no frames" : recorded.error_message();
    std::error_code ec;
    std::filesystem::remove(a.path, ec);
    log_->warn("audit {}: {}", a.id, a.error);
    return;
  }
  a.recorded = std::move(recorded).value();
  a.state = "ready";
  // Nobody watching it for long: the frames do not stay on the box.
  expiry_.expires_after(limits_.clip_lifetime);
  expiry_.async_wait([this, alive = alive_, id = a.id](const boost::system::error_code& ec) {
    if (!ec && *alive && current_ && current_->id == id) end("not finished in time");
  });
}

core::result<json> audit_service::state(std::string_view id) const {
  if (!current_ && compared_.is_object() && compared_["id"] == id) return compared_;
  auto found = find(id);
  if (!found) return core::error{found.error_message()};
  const auto& a = **found;
  json j{{"id", a.id}, {"camera", a.camera}, {"state", a.state}, {"seconds", a.seconds}};
  if (!a.error.empty()) j["error"] = a.error;
  if (a.state != "ready") return j;
  j["width"] = a.recorded.width;
  j["height"] = a.recorded.height;
  json lines = json::array();
  for (const auto& l : a.lines)
    lines.push_back({{"name", l.name}, {"role", l.role}, {"from", {l.from.x, l.from.y}}, {"to", {l.to.x, l.to.y}}});
  j["lines"] = std::move(lines);
  json frames = json::array();
  const auto first = a.recorded.frames.front().at;
  for (const auto& f : a.recorded.frames)
    frames.push_back({f.offset, f.size, duration_cast<milliseconds>(f.at - first).count()});
  j["frames"] = std::move(frames);
  j["started_at"] = core::format_iso8601(first);
  return j;
}

core::result<std::string> audit_service::clip_bytes(std::string_view id) const {
  auto found = find(id);
  if (!found) return core::error{found.error_message()};
  if ((*found)->state != "ready") return core::error{"the clip is not ready: " + (*found)->state};
  std::ifstream in((*found)->path, std::ios::binary);
  if (!in) return core::error{"the clip is gone from the box"};
  return std::string(std::istreambuf_iterator<char>(in), {});
}

namespace {

// The taps of a finish request, each at the capture time of the frame it was made on.
core::result<std::vector<camera::audit_crossing>> read_taps(const json& body, const camera::clip& recorded,
                                                    const std::vector<config::camera_line_config>& lines) {
  if (!body.is_object() || !body.contains("taps") || !body["taps"].is_array())
    return core::error{"expected {\"taps\": [{\"line\", \"direction\", \"frame\"}, ...]}"};
  const auto& taps = body["taps"];
  if (taps.size() > max_taps) return core::error{"taps: more than " + std::to_string(max_taps)};
  std::vector<camera::audit_crossing> out;
  for (std::size_t i = 0; i < taps.size(); ++i) {
    const auto at = "taps[" + std::to_string(i) + "]";
    const auto& t = taps[i];
    if (!t.is_object()) return core::error{at + ": expected an object"};
    const auto line = t.value("line", json()).is_string() ? t["line"].get<std::string>() : std::string();
    if (std::none_of(lines.begin(), lines.end(), [&](const auto& l) { return l.name == line; }))
      return core::error{at + ".line: not a line of this clip"};
    const auto direction = t.value("direction", json());
    if (direction != "in" && direction != "out") return core::error{at + ".direction: expected \"in\" or \"out\""};
    const auto frame = t.value("frame", json());
    if (!frame.is_number_integer() || frame.get<std::int64_t>() < 0 ||
        frame.get<std::int64_t>() >= static_cast<std::int64_t>(recorded.frames.size()))
      return core::error{at + ".frame: expected a frame index of the clip (0.." +
                         std::to_string(recorded.frames.size() - 1) + ")"};
    out.push_back({line, direction == "in", recorded.frames[frame.get<std::size_t>()].at});
  }
  return out;
}

json crossings_json(const std::vector<camera::audit_crossing>& v, const camera::clip& recorded) {
  json out = json::array();
  const auto first = recorded.frames.front().at;
  for (const auto& c : v) {
    // The frame it is on, for the page to show it.
    std::size_t frame = 0;
    while (frame + 1 < recorded.frames.size() && recorded.frames[frame + 1].at <= c.at) ++frame;
    out.push_back({{"direction", c.in ? "in" : "out"},
                   {"frame", frame},
                   {"ms", duration_cast<milliseconds>(c.at - first).count()}});
  }
  return out;
}

}  // namespace

core::result<json> audit_service::finish(std::string_view id, const json& body) {
  auto found = find(id);
  if (!found) return core::error{found.error_message()};
  auto& a = **found;
  if (a.state != "ready") return core::error{"the audit is " + a.state + ": nothing to finish"};
  auto taps = read_taps(body, a.recorded, a.lines);
  if (!taps) return core::error{taps.error_message()};
  // What the box counted over the clip's frames: its own stored crossings on those lines. A
  // crossing is timed by the frame it was seen on, like the clip's frames, so the clip's first
  // to last frame is exactly what the technician saw.
  const auto& frames = a.recorded.frames;
  std::vector<camera::audit_crossing> counted;
  for (const auto& e : events_.observed_between({"traffic.line_cross"}, frames.front().at,
                                                frames.back().at + milliseconds(1))) {
    const auto* c = std::get_if<core::traffic_line_cross>(&e.body);
    if (c && c->camera == a.camera) counted.push_back({c->line, c->direction == core::crossing_direction::in, e.observed_at});
  }
  std::vector<std::string> names;
  for (const auto& l : a.lines) names.push_back(l.name);
  const auto judged = judge_audit(names, counted, *taps);
  const auto now = clock_.now_utc();
  std::vector<sync::audit_row> rows;
  json lines = json::array();
  for (const auto& l : judged) {
    rows.push_back({a.camera, l.line, now, a.seconds, l.in_box, l.out_box, l.in_tapped, l.out_tapped});
    lines.push_back({{"line", l.line},
                     {"in_box", l.in_box},
                     {"out_box", l.out_box},
                     {"in_tapped", l.in_tapped},
                     {"out_tapped", l.out_tapped},
                     {"accuracy", accuracy_json(l.accuracy)},
                     {"accuracy_reason", l.accuracy ? json() : json("no_crossings")},
                     {"missed", crossings_json(l.missed, a.recorded)},
                     {"extra", crossings_json(l.extra, a.recorded)}});
  }
  audits_.add(rows);
  json result{{"id", a.id}, {"camera", a.camera}, {"audited_at", core::format_iso8601(now)},
              {"seconds", a.seconds}, {"lines", std::move(lines)}};
  log_->info("audit {}: {}", a.id, result["lines"].dump());
  if (on_audited_) on_audited_();
  // The clip stays until every detector has counted it again; the figure stored is the live one.
  const auto* cam = camera_config(a.camera);
  if (cam && comparison_
                 .start(a.recorded, *cam, a.lines, *taps, comparable_detectors(*cam),
                        [this, id = a.id](std::vector<detector_score> scores) { on_compared(id, scores); })
                 .ok()) {
    a.state = "comparing";
    result["comparison"] = "running";
    return result;
  }
  end("finished");
  return result;
}

void audit_service::on_compared(const std::string& id, const std::vector<detector_score>& scores) {
  if (!current_ || current_->id != id) return;
  const auto* cam = camera_config(current_->camera);
  compared_ = {{"id", id}, {"camera", current_->camera}, {"state", "compared"}, {"seconds", current_->seconds},
               {"comparison", comparison_json(scores, current_->camera, cam ? cam->detector : std::string())}};
  log_->info("audit {}: detectors on its clip: {}", id, compared_["comparison"].dump());
  end("compared");
}

const config::camera_config* audit_service::camera_config(std::string_view id) const {
  for (const auto& c : cfg_.cameras)
    if (c.id == id) return &c;
  return nullptr;
}

core::status audit_service::cancel(std::string_view id) {
  if (auto found = find(id); !found) return core::error{found.error_message()};
  end("cancelled");
  return core::ok();
}

json audit_service::audited_lines() const {
  const auto latest = audits_.latest();
  json lines = json::array();
  sync::audit_row door{"", "", core::utc_time::max(), 0, 0, 0, 0, 0};
  std::int64_t door_lines = 0, door_audited = 0;
  for (const auto& cam : cfg_.cameras)
    for (const auto& l : cam.lines) {
      const sync::audit_row* found = nullptr;
      for (const auto& r : latest)
        if (r.camera == cam.id && r.line == l.name) found = &r;
      json j{{"camera", cam.id}, {"line", l.name}, {"role", l.role}};
      if (found) {
        j["audited_at"] = core::format_iso8601(found->audited_at);
        j["audited_on"] = analytics::format_day(analytics::local_day(found->audited_at, zone_));
        j["accuracy"] = accuracy_json(accuracy_of(*found));
        j["counted"] = {found->in_box, found->out_box};
        j["tapped"] = {found->in_tapped, found->out_tapped};
      } else {
        j["audited_at"] = nullptr;  // never audited: the page and status say so
        j["accuracy"] = nullptr;
      }
      lines.push_back(std::move(j));
      if (l.role != "entrance") continue;
      ++door_lines;
      if (!found) continue;
      ++door_audited;
      door.in_box += found->in_box;
      door.out_box += found->out_box;
      door.in_tapped += found->in_tapped;
      door.out_tapped += found->out_tapped;
      door.audited_at = std::min(door.audited_at, found->audited_at);  // the oldest audit stands for them all
    }
  json doors{{"lines", door_lines}, {"audited", door_audited}};
  if (door_audited > 0) {
    doors["accuracy"] = accuracy_json(accuracy_of(door));
    doors["audited_on"] = analytics::format_day(analytics::local_day(door.audited_at, zone_));
  } else {
    doors["accuracy"] = nullptr;
    doors["audited_on"] = nullptr;
  }
  return {{"door", std::move(doors)}, {"lines", std::move(lines)}};
}

}  // namespace kelu
