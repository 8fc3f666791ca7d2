// SPDX-License-Identifier: Apache-2.0
#include "camera_schema.hpp"

#include "element_table.hpp"
#include "key_def.hpp"

#include <cmath>
#include <functional>
#include <set>

namespace kelu::config::detail {

using nlohmann::json;

namespace {

using camera_key = element_key<camera_config>;

std::optional<std::string> parse_point(const json& v, point_config& p) {
  if (!v.is_array() || v.size() != 2 || !v[0].is_number() || !v[1].is_number())
    return "expected [x, y] in pixels, got " + v.dump();
  p = {v[0].get<double>(), v[1].get<double>()};
  if (!std::isfinite(p.x) || !std::isfinite(p.y) || p.x < 0 || p.y < 0 || p.x > 16384 || p.y > 16384)
    return "a point must lie in 0..16384 pixels, got " + v.dump();
  return std::nullopt;
}

json point_json(const point_config& p) { return json::array({p.x, p.y}); }

// Checks the object's keys against `allowed`; the first unknown one is the problem.
std::optional<std::string> only_keys(const json& v, std::initializer_list<const char*> allowed) {
  for (const auto& [name, value] : v.items()) {
    bool known = false;
    for (const char* a : allowed) known = known || name == a;
    if (!known) return "." + name + ": unknown key";
  }
  return std::nullopt;
}

// What lines and zones share: an object with only `keys`, a "name" that is an identifier and
// not used twice in the array. `at` is the element's place ("[2]"), prefixed to any problem.
std::optional<std::string> named_element(const json& e, const std::string& at, std::initializer_list<const char*> keys,
                                         std::set<std::string>& names, std::string& name) {
  if (!e.is_object()) {
    std::string shape;
    for (const char* k : keys) shape += (shape.empty() ? "" : ", ") + json(k).dump();
    return at + ": expected {" + shape + "}, got " + e.dump();
  }
  if (auto p = only_keys(e, keys)) return at + *p;
  if (!e.contains("name") || !e["name"].is_string()) return at + ".name: required, a string";
  name = e["name"].get<std::string>();
  if (auto p = identifier(name)) return at + ".name: " + *p;
  if (!names.insert(name).second) return at + ".name: \"" + name + "\" is used twice";
  return std::nullopt;
}

std::optional<std::string> parse_lines(const json& v, std::vector<camera_line_config>& out) {
  if (!v.is_array()) return ": expected an array of {\"name\", \"from\": [x, y], \"to\": [x, y], \"role\"}";
  std::set<std::string> names;
  out.clear();
  for (std::size_t i = 0; i < v.size(); ++i) {
    const auto at = "[" + std::to_string(i) + "]";
    const auto& e = v[i];
    camera_line_config l;
    if (auto p = named_element(e, at, {"name", "from", "to", "role"}, names, l.name)) return p;
    for (const char* end : {"from", "to"}) {
      if (!e.contains(end)) return at + "." + end + ": required, [x, y] in pixels";
      if (auto p = parse_point(e[end], std::string(end) == "from" ? l.from : l.to)) return at + "." + end + ": " + *p;
    }
    if (l.from == l.to) return at + ": from and to are the same point";
    if (e.contains("role")) {
      const auto& r = e["role"];
      if (!r.is_string() || (r != "entrance" && r != "passby" && r != "internal" && r != "staff"))
        return at + ".role: expected \"entrance\", \"passby\", \"internal\" or \"staff\", got " + r.dump();
      l.role = r.get<std::string>();
    }
    out.push_back(l);
  }
  return std::nullopt;
}

std::optional<std::string> parse_zones(const json& v, std::vector<camera_zone_config>& out) {
  if (!v.is_array()) return ": expected an array of {\"name\", \"polygon\": [[x, y], ...], \"staff_only\"}";
  std::set<std::string> names;
  out.clear();
  for (std::size_t i = 0; i < v.size(); ++i) {
    const auto at = "[" + std::to_string(i) + "]";
    const auto& e = v[i];
    camera_zone_config z;
    if (auto p = named_element(e, at, {"name", "polygon", "staff_only"}, names, z.name)) return p;
    if (!e.contains("polygon") || !e["polygon"].is_array() || e["polygon"].size() < 3 || e["polygon"].size() > 64)
      return at + ".polygon: required, 3 to 64 points [[x, y], ...]";
    for (std::size_t k = 0; k < e["polygon"].size(); ++k) {
      point_config p;
      if (auto problem = parse_point(e["polygon"][k], p))
        return at + ".polygon[" + std::to_string(k) + "]: " + *problem;
      z.polygon.push_back(p);
    }
    if (e.contains("staff_only")) {
      if (!e["staff_only"].is_boolean()) return at + ".staff_only: expected true or false";
      z.staff_only = e["staff_only"].get<bool>();
    }
    out.push_back(z);
  }
  return std::nullopt;
}

template <class T>
camera_key make_key(std::string leaf, std::string type, json def, std::string range, std::string description,
                    std::function<std::optional<std::string>(camera_config&, const json&)> set,
                    std::function<json(const camera_config&)> get, bool required = false) {
  camera_key k;
  k.info = {"cameras[]." + leaf, std::move(type), required ? "" : def.dump(), std::move(range), std::move(description),
            reload::rebuild};
  k.required = required;
  k.set = std::move(set);
  k.get = std::move(get);
  return k;
}

camera_key int_key(const char* leaf, std::int64_t camera_config::*m, std::int64_t def, std::int64_t lo, std::int64_t hi,
                   const char* desc) {
  return make_key<std::int64_t>(
      leaf, "integer", def, std::to_string(lo) + ".." + std::to_string(hi), desc,
      [m, lo, hi](camera_config& c, const json& v) -> std::optional<std::string> {
        if (!v.is_number_integer() || v.get<double>() < static_cast<double>(lo) || v.get<double>() > static_cast<double>(hi))
          return "expected an integer in " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " + v.dump();
        c.*m = v.get<std::int64_t>();
        return std::nullopt;
      },
      [m](const camera_config& c) { return json(c.*m); });
}

camera_key bool_key(const char* leaf, bool camera_config::*m, bool def, const char* desc) {
  return make_key<bool>(
      leaf, "boolean", def, "true|false", desc,
      [m](camera_config& c, const json& v) -> std::optional<std::string> {
        if (!v.is_boolean()) return "expected true or false, got " + v.dump();
        c.*m = v.get<bool>();
        return std::nullopt;
      },
      [m](const camera_config& c) { return json(c.*m); });
}

const std::vector<camera_key>& camera_table() {
  static const std::vector<camera_key> table = [] {
    std::vector<camera_key> t;
    t.push_back(make_key<std::string>(
        "id", "string", "", "",
        "Camera id, unique in the store: events name it, and its source is \"camera-{id}\"",
        [](camera_config& c, const json& v) -> std::optional<std::string> {
          if (!v.is_string()) return "expected a string, got " + v.dump();
          c.id = v.get<std::string>();
          return identifier(c.id);
        },
        [](const camera_config& c) { return json(c.id); }, true));
    t.push_back(make_key<std::string>(
        "url", "string", "", "", "Video: rtsp://user:pass@host/stream, a /dev/videoN device, or a file (demos, tests)",
        [](camera_config& c, const json& v) -> std::optional<std::string> {
          if (!v.is_string() || v.get<std::string>().empty()) return "expected a non-empty string, got " + v.dump();
          c.url = v.get<std::string>();
          return std::nullopt;
        },
        [](const camera_config& c) { return json(c.url); }, true));
    t.push_back(bool_key("loop", &camera_config::loop, false, "A video file starts again at its end (demos)"));
    t.push_back(make_key<std::string>(
        "detector", "enum", "bgs", "bgs|hog|dnn",
        "bgs: background subtraction, overhead door cameras, no model; hog: upright side views; dnn: a YOLO model",
        [](camera_config& c, const json& v) -> std::optional<std::string> {
          if (!v.is_string() || (v != "bgs" && v != "hog" && v != "dnn"))
            return v.dump() + " is not one of bgs|hog|dnn";
          c.detector = v.get<std::string>();
          return std::nullopt;
        },
        [](const camera_config& c) { return json(c.detector); }));
    t.push_back(make_key<std::vector<std::string>>(
        "model", "array of strings", json::array(), "",
        "dnn: the Darknet .cfg and .weights files, or one .onnx file",
        [](camera_config& c, const json& v) -> std::optional<std::string> {
          if (!v.is_array() || v.size() > 2) return "expected one or two file paths, got " + v.dump();
          c.model.clear();
          for (const auto& p : v) {
            if (!p.is_string() || p.get<std::string>().empty()) return "expected file paths, got " + v.dump();
            c.model.push_back(p.get<std::string>());
          }
          return std::nullopt;
        },
        [](const camera_config& c) { return json(c.model); }));
    t.push_back(int_key("process_fps", &camera_config::process_fps, 10, 1, 60,
                        "Frames analysed per second, whatever the camera sends (the latest frame wins)"));
    t.push_back(bool_key("motion_gate", &camera_config::motion_gate, true,
                         "Skip detection on frames where nothing moved (an empty shop costs almost nothing)"));
    t.push_back(int_key("person_height_px", &camera_config::person_height_px, 0, 0, 4096,
                        "bgs: a person's height in pixels where they cross; 0: 15 % of the frame height"));
    t.push_back(int_key("engaged_dwell_s", &camera_config::engaged_dwell_s, 30, 1, 3600,
                        "A zone visit at least this long is an engaged visitor"));
    t.push_back(int_key("staff_after_h", &camera_config::staff_after_h, 4, 1, 24,
                        "A person followed longer than this many hours is staff, not a visitor"));
    t.push_back(int_key("occupancy_interval_s", &camera_config::occupancy_interval_s, 60, 5, 3600,
                        "Seconds between traffic.occupancy reports (people in each zone)"));
    t.push_back(int_key("heat_cols", &camera_config::heat_cols, 32, 4, 256, "Heat-map grid columns"));
    t.push_back(int_key("heat_checkpoint_s", &camera_config::heat_checkpoint_s, 60, 1, 3600,
                        "Seconds between saves of the hour's heat so far beside the database: a restart carries it "
                        "on, a crash loses at most this"));
    t.push_back(int_key("heat_rows", &camera_config::heat_rows, 24, 4, 256, "Heat-map grid rows"));
    t.push_back(int_key("read_timeout_s", &camera_config::read_timeout_s, 5, 1, 120,
                        "A stream silent this long is down: reconnect, and record the gap"));
    t.push_back(int_key("reconnect_max_s", &camera_config::reconnect_max_s, 60, 1, 3600,
                        "Longest wait between reconnect attempts (doubling, with jitter)"));
    t.push_back(make_key<std::vector<camera_line_config>>(
        "lines", "array of lines", json::array(), "",
        "Counting lines {\"name\", \"from\": [x, y], \"to\": [x, y], \"role\"}: walking to the right-hand side of "
        "from→to (down, for a left-to-right line) is in; role \"entrance\" (default) counts visitors, \"passby\" "
        "people walking past outside, \"internal\" only itself, \"staff\" a staff-only door: its crossings are staff, "
        "never visitors",
        [](camera_config& c, const json& v) { return parse_lines(v, c.lines); },
        [](const camera_config& c) {
          json a = json::array();
          for (const auto& l : c.lines)
            a.push_back({{"name", l.name}, {"from", point_json(l.from)}, {"to", point_json(l.to)}, {"role", l.role}});
          return a;
        }));
    t.push_back(make_key<std::vector<camera_zone_config>>(
        "zones", "array of zones", json::array(), "",
        "Zones {\"name\", \"polygon\": [[x, y], ...], \"staff_only\": false} for dwell, engagement and occupancy",
        [](camera_config& c, const json& v) { return parse_zones(v, c.zones); },
        [](const camera_config& c) {
          json a = json::array();
          for (const auto& z : c.zones) {
            json poly = json::array();
            for (const auto& p : z.polygon) poly.push_back(point_json(p));
            a.push_back({{"name", z.name}, {"polygon", poly}, {"staff_only", z.staff_only}});
          }
          return a;
        }));
    return t;
  }();
  return table;
}

}  // namespace

std::optional<std::string> set_camera_key(camera_config& cam, const std::string& leaf, const json& value) {
  const auto& table = camera_table();
  const auto it = std::find_if(table.begin(), table.end(), [&](const auto& k) { return element_leaf(k.info.path) == leaf; });
  if (it == table.end()) return ": unknown key";
  return it->set(cam, value);
}

std::vector<key_info> camera_keys() {
  std::vector<key_info> out;
  for (const auto& k : camera_table()) out.push_back(k.info);
  return out;
}

camera_config camera_defaults() { return element_defaults(camera_table()); }

std::string camera_sample_note(const json& examples) { return element_sample_note(camera_table(), "camera", examples); }

std::optional<std::string> parse_cameras(const json& v, std::vector<camera_config>& out) {
  if (!v.is_array()) return ": expected an array of cameras, got " + v.dump();
  if (v.size() > 16) return ": at most 16 cameras per box";
  std::vector<camera_config> parsed;
  std::set<std::string> ids;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const auto at = "[" + std::to_string(i) + "]";
    camera_config c = camera_defaults();
    if (auto p = parse_element(camera_table(), v[i], at, c)) return p;
    if (!ids.insert(c.id).second) return at + ".id: \"" + c.id + "\" is used by another camera";
    if (c.detector == "dnn" && c.model.empty()) return at + ".model: the dnn detector needs a model";
    parsed.push_back(std::move(c));
  }
  out = std::move(parsed);
  return std::nullopt;
}

json cameras_to_json(const std::vector<camera_config>& cameras) {
  json a = json::array();
  for (const auto& c : cameras) a.push_back(element_to_json(camera_table(), c));
  return a;
}

}  // namespace kelu::config::detail

namespace kelu::config {

std::optional<std::string> set_geometry(camera_config& cam, const nlohmann::json& v) {
  if (!v.is_object()) return ": expected {\"lines\": [...], \"zones\": [...]}, got " + v.dump().substr(0, 80);
  camera_config next = cam;
  for (const auto& [name, value] : v.items()) {
    const std::string leaf = name;  // clang 14 cannot capture a structured binding
    if (leaf != "lines" && leaf != "zones") return "." + leaf + ": unknown key (only lines and zones)";
    if (auto p = detail::set_camera_key(next, leaf, value)) return "." + leaf + ((*p)[0] == '[' || (*p)[0] == ':' ? "" : ": ") + *p;
  }
  cam = std::move(next);
  return std::nullopt;
}

nlohmann::json geometry_json(const camera_config& cam) {
  const auto whole = detail::cameras_to_json({cam})[0];
  return {{"lines", whole["lines"]}, {"zones", whole["zones"]}};
}

}  // namespace kelu::config
