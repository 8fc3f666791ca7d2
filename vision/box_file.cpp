// SPDX-License-Identifier: Apache-2.0
#include "box_file.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

namespace kelu::vision {
namespace {

bool parse_number(std::string_view s, double& v) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  if (s.empty()) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc{} && end == s.data() + s.size() && std::isfinite(v);
}

}  // namespace

core::result<std::vector<box_row>> parse_box_rows(const std::string& text, const std::string& name) {
  std::vector<box_row> rows;
  std::size_t pos = 0;
  std::int64_t line_no = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    const std::string_view line(text.data() + pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    std::vector<double> fields;
    std::size_t start = 0;
    bool numeric = true;
    while (start <= line.size() && fields.size() < 7) {
      std::size_t comma = line.find(',', start);
      if (comma == std::string_view::npos) comma = line.size();
      double v = 0;
      if (!parse_number(line.substr(start, comma - start), v)) {
        numeric = false;
        break;
      }
      fields.push_back(v);
      start = comma + 1;
    }
    const auto where = name + ":" + std::to_string(line_no);
    if (!numeric) {
      if (line_no == 1 && rows.empty()) continue;  // a header
      return core::error{where + ": field " + std::to_string(fields.size() + 1) + " is not a number"};
    }
    if (fields.size() < 6) return core::error{where + ": expected frame,id,x,y,w,h"};
    if (fields[4] <= 0 || fields[5] <= 0) return core::error{where + ": box width and height must be positive"};
    if (std::fabs(fields[0]) > 1e12 || std::fabs(fields[1]) > 1e12)
      return core::error{where + ": frame or id out of range"};
    box_row r;
    r.frame = static_cast<std::int64_t>(fields[0]);
    r.id = static_cast<std::int64_t>(fields[1]);
    r.bbox = {fields[2], fields[3], fields[4], fields[5]};
    if (fields.size() >= 7) r.score = fields[6];
    rows.push_back(r);
  }
  return rows;
}

core::result<std::vector<box_row>> load_box_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::error{path + ": cannot open"};
  std::ostringstream text;
  text << in.rdbuf();
  return parse_box_rows(text.str(), path);
}

std::vector<track_frame> tracks_by_frame(const std::vector<box_row>& rows, std::int64_t frame_offset,
                                         std::int64_t first, std::int64_t last, double fps) {
  std::vector<track_frame> frames;
  if (last < first) return frames;
  frames.resize(static_cast<std::size_t>(last - first + 1));
  for (std::size_t i = 0; i < frames.size(); ++i) {
    frames[i].frame = first + static_cast<std::int64_t>(i);
    frames[i].t_s = static_cast<double>(i) / fps;
  }
  for (const auto& r : rows) {
    const auto f = r.frame + frame_offset;
    if (f < first || f > last) continue;
    frames[static_cast<std::size_t>(f - first)].tracks.push_back({r.id, r.bbox, true, true});
  }
  return frames;
}

std::map<std::int64_t, std::vector<detection>> detections_by_frame(const std::vector<box_row>& rows,
                                                                   std::int64_t frame_offset) {
  std::map<std::int64_t, std::vector<detection>> out;
  for (const auto& r : rows) out[r.frame + frame_offset].push_back({r.bbox, r.score});
  return out;
}

}  // namespace kelu::vision
