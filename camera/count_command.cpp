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

namespace kelu::camera {
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
    events.push_back(core::make_event({c.store.id, source, "traffic", observed, received}, std::move(body)));
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
      if (auto r = store.append(events, received, sync::outbox_lane::history); !r) {
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

// What the options and the config say to run: the pipeline, its detector, and for --store-at
// the store and the time the recording starts.
struct count_setup {
  vision::pipeline_options pipeline;
  vision::detector_options detector;
  std::string camera;
  config::config config;
  std::optional<core::utc_time> store_start;
};

// The camera's lines, zones and detector from --config, and --store-at read in the store's zone.
core::status take_config(const count_options& o, count_setup& s) {
  if (o.config_path.empty())
    return o.store_at.empty() ? core::ok() : core::status{core::error{"--store-at needs --config (the store, its database and the camera)"}};
  auto loaded = config::load_file(o.config_path);
  if (!loaded.ok()) {
    std::string all;
    for (const auto& e : loaded.errors) all += (all.empty() ? "" : "\n") + e.to_string();
    return core::error{all};
  }
  const auto& cams = loaded.value.cameras;
  const auto it = std::find_if(cams.begin(), cams.end(),
                               [&](const config::camera_config& c) { return o.camera_id.empty() || c.id == o.camera_id; });
  if (it == cams.end())
    return core::error{"--config " + o.config_path + ": " +
                       (o.camera_id.empty() ? "has no cameras[]" : "has no camera with id " + o.camera_id)};
  s.pipeline = vision::pipeline_options_for(*it);
  s.detector = vision::detector_options_for(*it);
  s.camera = it->id;
  s.config = std::move(loaded.value);
  if (o.store_at.empty()) return core::ok();
  auto zone = core::time_zone::load(s.config.store.time_zone);
  if (!zone) return core::error{"store.time_zone: " + zone.error_message()};
  auto t = core::parse_iso8601(o.store_at, *zone);
  if (!t) return core::error{"--store-at: " + t.error_message()};
  s.store_start = *t;
  return core::ok();
}

// --line NAME=...: added, or in place of the config's line of that name (trying a position
// before saving it); the rest of the options over the config's.
core::status take_options(const count_options& o, count_setup& s) {
  std::vector<std::string> given;
  auto& lines = s.pipeline.lines;
  for (const auto& spec : o.lines) {
    vision::counting_line l;
    std::string why;
    if (!parse_line(spec, l, why)) return core::error{"--line " + spec + ": " + why};
    if (std::find(given.begin(), given.end(), l.name) != given.end())
      return core::error{"--line " + spec + ": a line named " + l.name + " is already given"};
    given.push_back(l.name);
    const auto same = std::find_if(lines.begin(), lines.end(), [&](auto& x) { return x.name == l.name; });
    if (same != lines.end()) *same = l;
    else lines.push_back(l);
  }
  if (!o.motion_gate) s.pipeline.motion_gate = false;
  if (!o.detector.empty()) s.detector.kind = o.detector;
  if (!o.model.empty()) s.detector.model = o.model;
  if (o.person_height_px > 0) s.detector.person_height_px = o.person_height_px;
  return core::ok();
}

struct counted_video {
  long long read = 0;       // frames read from the video
  long long processed = 0;  // frames given to the pipeline (every `step`-th)
  double fps = 0;           // processed per second of wall time
  std::vector<vision::line_crossing> crossings;
  std::vector<vision::zone_visit> visits;
};

// Runs the video through the pipeline as fast as it goes, writing confirmed tracks to `tracks`
// when it is open.
counted_video count_frames(const count_options& o, vision::frame_source& source, double source_fps,
                           vision::pipeline& p, std::ofstream& tracks) {
  const long long step =
      o.process_fps > 0 && o.process_fps < source_fps ? std::llround(source_fps / o.process_fps) : 1;
  counted_video c;
  const auto keep = [&](const vision::frame_outcome& r) {
    c.crossings.insert(c.crossings.end(), r.crossings.begin(), r.crossings.end());
    c.visits.insert(c.visits.end(), r.visits.begin(), r.visits.end());
  };
  const auto started = std::chrono::steady_clock::now();
  cv::Mat frame;
  for (; (o.max_frames == 0 || c.read < o.max_frames) && source.read(frame); ++c.read) {
    if (c.read % step != 0) continue;
    const auto r = p.process(frame, static_cast<double>(c.read) / source_fps, c.read);
    keep(r);
    ++c.processed;
    if (tracks.is_open())
      for (const auto& t : r.tracks)
        if (t.confirmed && t.observed)
          tracks << c.read << ',' << t.id << ',' << t.bbox.x << ',' << t.bbox.y << ',' << t.bbox.w << ',' << t.bbox.h
                 << '\n';
  }
  keep(p.finish());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  c.fps = seconds > 0 ? static_cast<double>(c.processed) / seconds : 0;
  return c;
}

// The counts per line, as text or as the documented JSON.
void print_counts(const count_options& o, const count_setup& s, const vision::pipeline& p,
                  const vision::frame_source& source, double source_fps, const counted_video& c, std::ostream& out) {
  const auto& lines = p.lines().lines();
  const auto& totals = p.lines().totals();
  if (o.json) {
    nlohmann::ordered_json j;
    j["frames"] = c.processed;
    j["fps"] = std::round(c.fps * 10) / 10;
    j["lines"] = nlohmann::ordered_json::object();
    for (std::size_t i = 0; i < lines.size(); ++i) j["lines"][lines[i].name] = {{"in", totals[i].in}, {"out", totals[i].out}};
    j["detector"] = s.detector.kind;
    if (!s.camera.empty()) j["camera"] = s.camera;
    j["frames_read"] = c.read;
    j["frames_detected"] = p.stats().detected;
    j["video"] = {{"width", source.width()}, {"height", source.height()}, {"fps", source_fps}};
    if (!o.heatmap.empty()) j["heatmap"] = o.heatmap;
    out << j.dump() << "\n";
    return;
  }
  for (std::size_t i = 0; i < lines.size(); ++i)
    out << lines[i].name << ": in " << totals[i].in << ", out " << totals[i].out << "\n";
  out << "frames " << c.processed << " (of " << c.read << " read, detector ran on " << p.stats().detected << "), "
      << std::fixed;
  out.precision(1);
  out << c.fps << " fps, detector " << s.detector.kind << "\n";
}

}  // namespace

int run_count(const count_options& o, std::ostream& out, std::ostream& err) {
  const auto fail = [&err](const std::string& why) {
    err << why << "\n";
    return 2;
  };
  count_setup s;
  if (auto st = take_config(o, s); !st) return fail(st.error_message());
  if (auto st = take_options(o, s); !st) return fail(st.error_message());
  auto det = vision::make_detector(s.detector);
  if (!det) return fail("--detector " + s.detector.kind + ": " + det.error_message());
  cv::Mat background;
  if (!o.background.empty() && (background = cv::imread(o.background)).empty())
    return fail("--background: cannot read an image from " + o.background);
  vision::prefer_rtsp_over_tcp();  // as the agent does
  vision::frame_source source{{.url = o.video}};
  if (auto st = source.open(); !st) return fail("--video: " + st.error_message());
  std::ofstream tracks;
  if (!o.tracks_out.empty()) {
    tracks.open(o.tracks_out);
    if (!tracks) return fail("--tracks: cannot write " + o.tracks_out);
  }

  const double source_fps = source.declared_fps() > 0 ? source.declared_fps() : 10;
  vision::pipeline p{s.pipeline, std::move(*det), source.width(), source.height()};
  const auto counted = count_frames(o, source, source_fps, p, tracks);
  if (!o.heatmap.empty())
    if (auto st = vision::write_heatmap_png(p.heat(), background, {source.width(), source.height()}, o.heatmap); !st)
      return fail("--heatmap: " + st.error_message());
  print_counts(o, s, p, source, source_fps, counted, out);
  if (s.store_start)
    return store_recording(s.config, s.camera, *s.store_start, static_cast<double>(counted.read) / source_fps,
                           counted.crossings, counted.visits, o.json ? err : out, err);
  return 0;
}

}  // namespace kelu::camera
