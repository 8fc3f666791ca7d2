// SPDX-License-Identifier: Apache-2.0
#include "line_counter.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace kelu::vision {
namespace {

// How far from q, along unit direction (nx, ny), the frame's edge is.
double reach_to_edge(point q, double nx, double ny, int width, int height) {
  double t = std::numeric_limits<double>::infinity();
  if (nx > 1e-9) t = std::min(t, (width - q.x) / nx);
  if (nx < -1e-9) t = std::min(t, -q.x / nx);
  if (ny > 1e-9) t = std::min(t, (height - q.y) / ny);
  if (ny < -1e-9) t = std::min(t, -q.y / ny);
  return std::max(0.0, t);
}

}  // namespace

line_counter::line_counter(std::vector<counting_line> lines, line_counter_options options)
    : lines_(std::move(lines)), options_(options), totals_(lines_.size()) {
  for (const auto& l : lines_) {
    line_geometry g;
    g.length = distance(l.a, l.b);
    g.room_in = g.room_out = std::numeric_limits<double>::infinity();
    if (options_.frame_width > 0 && options_.frame_height > 0 && g.length > 0) {
      // The farthest a foot point can get from the line on each side, anywhere along it: the
      // band must fit in half of that or people walking off the frame never settle a side.
      const double nx = -(l.b.y - l.a.y) / g.length;
      const double ny = (l.b.x - l.a.x) / g.length;
      double room_in = 0;
      double room_out = 0;
      for (double s : {0.0, 0.25, 0.5, 0.75, 1.0}) {
        const point q{l.a.x + s * (l.b.x - l.a.x), l.a.y + s * (l.b.y - l.a.y)};
        room_in = std::max(room_in, reach_to_edge(q, nx, ny, options_.frame_width, options_.frame_height));
        room_out = std::max(room_out, reach_to_edge(q, -nx, -ny, options_.frame_width, options_.frame_height));
      }
      g.room_in = room_in / 2;
      g.room_out = room_out / 2;
    }
    geometry_.push_back(g);
  }
}

std::vector<line_crossing> line_counter::update(const track_frame& f) {
  std::vector<line_crossing> out;
  forget_ended_tracks(state_, f, [&](std::int64_t id, const track_memory& m) { end_track(id, m, out); });
  for (const auto& t : f.tracks) {
    auto [it, fresh] = state_.try_emplace(t.id);
    auto& m = it->second;
    if (fresh) m.per_line.resize(lines_.size());
    m.confirmed = t.confirmed;
    if (!t.observed) continue;
    m.observed = true;
    m.last_frame = f.frame;
    m.last_t_s = f.t_s;
    m.last_foot = t.bbox.foot();
    for (std::size_t li = 0; li < lines_.size(); ++li) settle(li, t, f, m.per_line[li], out);
  }
  std::stable_sort(out.begin(), out.end(), [](const line_crossing& x, const line_crossing& y) {
    return x.frame < y.frame;
  });
  return out;
}

std::vector<line_crossing> line_counter::finish() {
  std::vector<line_crossing> out;
  for (const auto& [id, m] : state_) end_track(id, m, out);
  state_.clear();
  return out;
}

void line_counter::end_track(std::int64_t id, const track_memory& m, std::vector<line_crossing>& out) {
  if (!m.confirmed || !m.observed) return;
  for (std::size_t li = 0; li < lines_.size(); ++li) {
    auto s = m.per_line[li];
    if (s.side != 0 && s.last_sign != 0 && s.last_sign != s.side && s.sign_run >= 2)
      cross_to(li, s.last_sign, s.settled_at, m.last_foot, id, m.last_frame, m.last_t_s, s);
    release(li, s, out);
  }
}

void line_counter::cross_to(std::size_t li, int side, point from, point to, std::int64_t id, std::int64_t frame,
                            double t_s, side_state& s) {
  const auto& l = lines_[li];
  const auto& g = geometry_[li];
  double t_on_ab = 0;
  const double margin = std::max(options_.band_px, 1.0) / g.length;
  const bool within =
      segment_meets_line(from, to, l.a, l.b, t_on_ab) && t_on_ab >= -margin && t_on_ab <= 1 + margin;
  if (!within || side == s.counted_dir) return;
  s.counted_dir = side;
  s.pending.push_back({l.name, id, side > 0 ? crossing_direction::in : crossing_direction::out, frame, t_s, to});
}

void line_counter::release(std::size_t li, side_state& s, std::vector<line_crossing>& out) {
  for (auto& c : s.pending) {
    (c.direction == crossing_direction::in ? totals_[li].in : totals_[li].out) += 1;
    out.push_back(std::move(c));
  }
  s.pending.clear();
}

void line_counter::settle(std::size_t li, const track_state& t, const track_frame& f, side_state& s,
                          std::vector<line_crossing>& out) {
  const auto& l = lines_[li];
  const auto& g = geometry_[li];
  if (g.length <= 0) return;
  const point foot = t.bbox.foot();
  const double d = cross(l.a, l.b, foot) / g.length;
  const int sign = d > 0 ? 1 : d < 0 ? -1 : 0;
  s.sign_run = sign == s.last_sign ? s.sign_run + 1 : 1;
  s.last_sign = sign;
  const double band = std::max(options_.band_px, options_.band_height_fraction * t.bbox.h);
  int now = 0;
  if (d > 0 && d >= std::min(band, g.room_in)) now = 1;
  if (d < 0 && -d >= std::min(band, g.room_out)) now = -1;
  if (s.side == 0 && now == 0) now = sign;  // first seen inside the band: its side so far
  if (now != 0 && s.side != 0 && now != s.side) {
    if (s.pending_side != now) {
      s.pending_side = now;
      s.pending_since_s = f.t_s;
      s.pending_frame = f.frame;
      s.pending_at = foot;
    }
    // Not settled yet; a track that ends meanwhile is judged by end_track.
    if (f.t_s - s.pending_since_s < options_.settle_s - 1e-9) {
      if (t.confirmed) release(li, s, out);
      return;
    }
    cross_to(li, now, s.settled_at, s.pending_at, t.id, s.pending_frame, s.pending_since_s, s);
  }
  if (now != 0) {
    s.side = now;
    s.settled_at = foot;
    s.pending_side = 0;
  }
  if (t.confirmed) release(li, s, out);
}

}  // namespace kelu::vision
