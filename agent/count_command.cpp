// SPDX-License-Identifier: Apache-2.0
#include "count_command.hpp"

#include <nlohmann/json.hpp>

#include <charconv>
#include <chrono>
#include <cmath>
#include <fstream>
#include <optional>
#include <ostream>

#include <opencv2/imgcodecs.hpp>

#include <algorithm>

#include "core/time_zone.hpp"
#include "config/loader.hpp"
#include "sync/local_store.hpp"
#include "vision/camera_options.hpp"
#include "vision/frame_source.hpp"
#include "vision/heatmap_image.hpp"
#include "vision/pipeline.hpp"

namespace kelu {
namespace {

bool parse_line(const std::string& spec, vision::counting_line& l, std::string& why) {
  const auto eq = spec.find('=');
  if (eq == std::string::npos || eq == 0) {
    why = "expected NAME=x1,y1,x2,y2";
    return false;
  }
  l.name = spec.substr(0, eq);
  double v[4];
  std::size_t pos = eq + 1;
  for (int i = 0; i < 4; ++i) {
    const std::size_t end = i < 3 ? spec.find(',', pos) : spec.size();
    if (end == std::string::npos) {
      why = "expected four numbers x1,y1,x2,y2";
      return false;
    }
    const auto [p, ec] = std::from_chars(spec.data() + pos, spec.data() + end, v[i]);
    if (ec != std::errc{} || p != spec.data() + end || !std::isfinite(v[i])) {
      why = "coordinate " + std::to_string(i + 1) + " is not a number";
      return false;
    }
    pos = end + 1;
  }
  l.a = {v[0], v[1]};
  l.b = {v[2], v[3]};
  if (l.a == l.b) {
    why = "the two ends are the same point";
    return false;
  }
  return true;
}

// The recording's events, stamped from `start`, into the config's store.
int store_recording(const config::config& c, const std::string& camera, core::utc_time start, double seconds,
                    const std::vector<vision::line_crossing>& crossings, const std::vector<vision::zone_visit>& visits,
                    std::ostream& out, std::ostream& err) {
  const auto at = [&](double t_s) { return start + std::chrono::milliseconds(std::llround(t_s * 1000.0)); };
  const auto end = at(seconds);
  const std::string source = "recording-" + camera;
  std::vector<core::event> events;
  const auto received = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  const auto make = [&](core::utc_time observed, core::payload body) {
    core::event e;
    e.id = core::new_event_id();
    e.store = c.store.id;
    e.source = source;
    e.stream = "traffic";
    e.observed_at = observed;
    e.received_at = received;
    e.body = std::move(body);
    events.push_back(std::move(e));
  };
  for (const auto& x : crossings)
    make(at(x.t_s), core::traffic_line_cross{camera, x.line, x.direction, x.track_id});
  for (const auto& v : visits)
    make(at(v.exit_t_s), core::traffic_zone_dwell{camera, v.zone, v.track_id, at(v.enter_t_s),
                                                  std::llround(v.dwell_s * 1000.0), v.engaged});
  try {
    auto opened = sync::local_store::open(c.storage.path, c.storage.synchronous == "full", c.store.tenant, c.store.id);
    if (!opened) {
      err << opened.error_message() << "\n";
      return 2;
    }
    auto& store = *opened->events;
    // Crossings carry no identity of their own: refuse to count the same span twice.
    for (const auto* type : {"traffic.line_cross", "traffic.zone_dwell"})
      for (const auto& e : store.observed_between({type}, start, end + std::chrono::seconds(1)))
        if (e.source == source) {
          err << "--store-at: " << source << " already has events between " << core::format_iso8601(start) << " and "
              << core::format_iso8601(end) << " (this recording was stored before?)\n";
          return 2;
        }
    if (!events.empty())
      if (auto r = store.append(events, received, true); !r) {
        err << "--store-at: " << r.error_message() << "\n";
        return 2;
      }
    opened->runs->touch(source + "-" + core::format_iso8601(start), start, end);
  } catch (const std::exception& ex) {
    err << "--store-at: " << c.storage.path << ": " << ex.what() << "\n";
    return 2;
  }
  out << "stored " << crossings.size() << " crossings and " << visits.size() << " zone visits from "
      << core::format_iso8601(start) << " to " << core::format_iso8601(end) << " as source " << source << " in "
      << c.storage.path << "\n";
  return 0;
}

}  // namespace

int run_count(const count_options& o, std::ostream& out, std::ostream& err) {
  vision::pipeline_options po;
  vision::detector_options d;
  std::string camera;
  config::config cfg;
  std::optional<core::utc_time> store_start;
  if (!o.store_at.empty() && o.config_path.empty()) {
    err << "--store-at needs --config (the store, its database and the camera)\n";
    return 2;
  }
  if (!o.config_path.empty()) {
    const auto loaded = config::load_file(o.config_path);
    if (!loaded.ok()) {
      for (const auto& e : loaded.errors) err << e.to_string() << "\n";
      return 2;
    }
    const auto& cams = loaded.value.cameras;
    const auto it = std::find_if(cams.begin(), cams.end(),
                                 [&](const config::camera_config& c) { return o.camera_id.empty() || c.id == o.camera_id; });
    if (it == cams.end()) {
      err << "--config " << o.config_path << ": "
          << (o.camera_id.empty() ? "has no cameras[]" : "has no camera with id " + o.camera_id) << "\n";
      return 2;
    }
    po = vision::pipeline_options_for(*it);
    d = vision::detector_options_for(*it);
    camera = it->id;
    cfg = loaded.value;
    if (!o.store_at.empty()) {
      auto zone = core::time_zone::load(cfg.store.time_zone);
      if (!zone) {
        err << "store.time_zone: " << zone.error_message() << "\n";
        return 2;
      }
      auto t = core::parse_iso8601(o.store_at, *zone);
      if (!t) {
        err << "--store-at: " << t.error_message() << "\n";
        return 2;
      }
      store_start = *t;
    }
  }
  std::vector<std::string> given;
  for (const auto& spec : o.lines) {
    vision::counting_line l;
    std::string why;
    if (!parse_line(spec, l, why)) {
      err << "--line " << spec << ": " << why << "\n";
      return 2;
    }
    if (std::find(given.begin(), given.end(), l.name) != given.end()) {
      err << "--line " << spec << ": a line named " << l.name << " is already given\n";
      return 2;
    }
    given.push_back(l.name);
    // A line named like one in the config replaces it: trying a position before saving it.
    const auto same = std::find_if(po.lines.begin(), po.lines.end(), [&](auto& x) { return x.name == l.name; });
    if (same != po.lines.end()) *same = l;
    else po.lines.push_back(l);
  }
  if (!o.motion_gate) po.motion_gate = false;
  if (!o.detector.empty()) d.kind = o.detector;
  if (!o.model.empty()) d.model = o.model;
  if (o.person_height_px > 0) d.person_height_px = o.person_height_px;
  auto det = vision::make_detector(d);
  if (!det) {
    err << "--detector " << d.kind << ": " << det.error_message() << "\n";
    return 2;
  }
  cv::Mat background;
  if (!o.background.empty()) {
    background = cv::imread(o.background);
    if (background.empty()) {
      err << "--background: cannot read an image from " << o.background << "\n";
      return 2;
    }
  }

  vision::prefer_rtsp_over_tcp();  // as the agent does
  vision::frame_source source{{.url = o.video}};
  if (auto st = source.open(); !st) {
    err << "--video: " << st.error_message() << "\n";
    return 2;
  }
  const double source_fps = source.declared_fps() > 0 ? source.declared_fps() : 10;
  const long long step =
      o.process_fps > 0 && o.process_fps < source_fps ? std::llround(source_fps / o.process_fps) : 1;
  vision::pipeline p{po, std::move(*det), source.width(), source.height()};

  std::ofstream tracks;
  if (!o.tracks_out.empty()) {
    tracks.open(o.tracks_out);
    if (!tracks) {
      err << "--tracks: cannot write " << o.tracks_out << "\n";
      return 2;
    }
  }
  const auto started = std::chrono::steady_clock::now();
  cv::Mat frame;
  long long index = 0;
  long long processed = 0;
  std::vector<vision::line_crossing> crossings;
  std::vector<vision::zone_visit> visits;
  const auto keep = [&](const vision::frame_outcome& r) {
    crossings.insert(crossings.end(), r.crossings.begin(), r.crossings.end());
    visits.insert(visits.end(), r.visits.begin(), r.visits.end());
  };
  while ((o.max_frames == 0 || index < o.max_frames) && source.read(frame)) {
    if (index % step == 0) {
      const auto r = p.process(frame, static_cast<double>(index) / source_fps, index);
      keep(r);
      ++processed;
      if (tracks.is_open())
        for (const auto& t : r.tracks)
          if (t.confirmed && t.observed)
            tracks << index << ',' << t.id << ',' << t.bbox.x << ',' << t.bbox.y << ',' << t.bbox.w << ','
                   << t.bbox.h << '\n';
    }
    ++index;
  }
  keep(p.finish());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const double fps = seconds > 0 ? static_cast<double>(processed) / seconds : 0;

  if (!o.heatmap.empty()) {
    if (auto st = vision::write_heatmap_png(p.heat(), background, {source.width(), source.height()}, o.heatmap); !st) {
      err << "--heatmap: " << st.error_message() << "\n";
      return 2;
    }
  }

  const auto& lines = p.lines().lines();
  const auto& totals = p.lines().totals();
  if (o.json) {
    nlohmann::ordered_json j;
    j["frames"] = processed;
    j["fps"] = std::round(fps * 10) / 10;
    j["lines"] = nlohmann::ordered_json::object();
    for (std::size_t i = 0; i < lines.size(); ++i) j["lines"][lines[i].name] = {{"in", totals[i].in}, {"out", totals[i].out}};
    j["detector"] = d.kind;
    if (!camera.empty()) j["camera"] = camera;
    j["frames_read"] = index;
    j["frames_detected"] = p.stats().detected;
    j["video"] = {{"width", source.width()}, {"height", source.height()}, {"fps", source_fps}};
    if (!o.heatmap.empty()) j["heatmap"] = o.heatmap;
    out << j.dump() << "\n";
  } else {
    for (std::size_t i = 0; i < lines.size(); ++i)
      out << lines[i].name << ": in " << totals[i].in << ", out " << totals[i].out << "\n";
    out << "frames " << processed << " (of " << index << " read, detector ran on " << p.stats().detected << "), "
        << std::fixed;
    out.precision(1);
    out << fps << " fps, detector " << d.kind << "\n";
  }
  if (store_start)
    return store_recording(cfg, camera, *store_start, static_cast<double>(index) / source_fps, crossings, visits,
                           o.json ? err : out, err);
  return 0;
}

}  // namespace kelu
