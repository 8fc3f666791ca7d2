// SPDX-License-Identifier: Apache-2.0
#include "tracker.hpp"

#include <algorithm>
#include <cmath>

#include "assignment.hpp"

namespace kelu::vision {
namespace {

constexpr double forbidden = 1e9;
// Walking people change speed slowly (about 1 m/s², some 50 px/s² at the scale of a store
// camera) and size more slowly still (pixels per second²).
constexpr double position_accel_sigma = 60;
constexpr double size_accel_sigma = 30;

}  // namespace

void tracker::axis::predict(double dt, double accel_sigma) {
  p += v * dt;
  const double q = accel_sigma * accel_sigma;
  const double dt2 = dt * dt;
  const double npp = pp + 2 * dt * pv + dt2 * vv + q * dt2 * dt2 / 4;
  const double npv = pv + dt * vv + q * dt2 * dt / 2;
  const double nvv = vv + q * dt2;
  pp = npp;
  pv = npv;
  vv = nvv;
}

void tracker::axis::correct(double z, double meas_sigma) {
  const double s = pp + meas_sigma * meas_sigma;
  const double kp = pp / s;
  const double kv = pv / s;
  const double y = z - p;
  p += kp * y;
  v += kv * y;
  const double npp = (1 - kp) * pp;
  const double npv = (1 - kp) * pv;
  const double nvv = vv - kv * pv;
  pp = npp;
  pv = npv;
  vv = nvv;
}

box tracker::track::bbox() const {
  const double bw = std::max(1.0, w.p);
  const double bh = std::max(1.0, h.p);
  return {cx.p - bw / 2, cy.p - bh / 2, bw, bh};
}

void tracker::track::hold() {
  for (auto* a : {&cx, &cy, &w, &h}) {
    a->v = 0;
    a->pv = 0;
    a->vv = 0;
  }
}

void tracker::track::saw(const box& b, double t_s) {
  const auto i = static_cast<std::size_t>(seen % 4);
  seen_box[i] = b;
  seen_t[i] = t_s;
  ++seen;
}

// Over the last four detections: slower than `max_speed` box heights per second between two
// of them, or slowing down to under 70 % of the speed it came with. A background model loses a
// person as they come to a halt, before they stand still; a walker lost behind a shelf is lost
// at full speed.
bool tracker::track::was_stopping(double max_speed) const {
  const double height = std::max(1.0, h.p);
  double first = -1, last = -1;
  for (int k = std::max(1, seen - 3); k < seen; ++k) {
    const auto a = static_cast<std::size_t>((k - 1) % 4), b = static_cast<std::size_t>(k % 4);
    const double dt = seen_t[b] - seen_t[a];
    if (dt <= 0) continue;
    const double speed = distance(seen_box[a].centre(), seen_box[b].centre()) / dt / height;
    if (speed <= max_speed) return true;
    if (first < 0) first = speed;
    last = speed;
  }
  return first > 0 && last < 0.7 * first;
}

tracker::tracker(tracker_options options) : options_(options) {}

namespace {

box intersection(const box& a, const box& b) {
  const double x0 = std::max(a.x, b.x), y0 = std::max(a.y, b.y);
  const double x1 = std::min(a.x + a.w, b.x + b.w), y1 = std::min(a.y + a.h, b.y + b.h);
  return {x0, y0, std::max(0.0, x1 - x0), std::max(0.0, y1 - y0)};
}

// A prediction's piece of a merged blob: the prediction, moved (not cut) to lie inside the blob.
// Cut to it, a piece is as short as the overlap, the track takes the shorter height, predicts a
// shorter box into the next blob, and shrinks frame by frame to nothing while its foot point
// walks up the person (a crossing nobody made).
box moved_inside(box p, const box& blob) {
  p.w = std::min(p.w, blob.w);
  p.h = std::min(p.h, blob.h);
  p.x = std::clamp(p.x, blob.x, blob.x + blob.w - p.w);
  p.y = std::clamp(p.y, blob.y, blob.y + blob.h - p.h);
  return p;
}

}  // namespace

std::vector<detection> tracker::split_merged(const std::vector<detection>& detections) const {
  if (options_.merge_containment <= 0) return detections;
  // Which confirmed, moving tracks each detection holds, and the best overlap each track has
  // with any detection: a track that has its own detection is not part of someone else's blob.
  std::vector<box> predicted;
  for (const auto& t : tracks_)
    if (t.confirmed && !t.parked && !t.lost) predicted.push_back(t.bbox());
  std::vector<double> best_iou(predicted.size(), 0);
  for (std::size_t k = 0; k < predicted.size(); ++k)
    for (const auto& d : detections) best_iou[k] = std::max(best_iou[k], iou(predicted[k], d.bbox));
  std::vector<detection> out;
  for (const auto& d : detections) {
    std::vector<std::size_t> inside;
    double widest = 0, tallest = 0;
    for (std::size_t k = 0; k < predicted.size(); ++k) {
      const box& p = predicted[k];
      const double held = intersection(p, d.bbox).area() / std::max(1.0, p.area());
      if (held < options_.merge_containment || iou(p, d.bbox) < best_iou[k] - 1e-9) continue;
      inside.push_back(k);
      widest = std::max(widest, p.w);
      tallest = std::max(tallest, p.h);
    }
    // Two tracks on one person-sized box are one person tracked twice, not a merge.
    const bool merged = inside.size() >= 2 && (d.bbox.w > options_.merge_size * widest || d.bbox.h > options_.merge_size * tallest);
    std::vector<box> pieces;
    for (const auto k : inside) pieces.push_back(moved_inside(predicted[k], d.bbox));
    // Pieces that come to lie on one another: the blob has no room for them all, so it is one
    // person that two tracks were following, not two people.
    bool crowded = false;
    for (std::size_t i = 0; i < pieces.size(); ++i)
      for (std::size_t j = i + 1; j < pieces.size(); ++j) crowded = crowded || iou(pieces[i], pieces[j]) > 0.5;
    if (!merged || crowded) {
      out.push_back(d);
      continue;
    }
    for (const auto& p : pieces) out.push_back({p, d.score});
  }
  return out;
}

void tracker::start(const detection& d, double t_s) {
  if (tracks_.size() >= options_.max_tracks) {
    ++refused_;
    return;
  }
  track t;
  t.id = next_id_++;
  const auto c = d.bbox.centre();
  // Position as measured; velocity unknown (a person walks at most ~2 m/s, a few box
  // heights per second), so its variance is wide.
  const double hs = d.bbox.h;
  t.cx = {c.x, 0, 0.01 * hs * hs, 0, hs * hs};
  t.cy = {c.y, 0, 0.01 * hs * hs, 0, hs * hs};
  t.w = {d.bbox.w, 0, 0.01 * hs * hs, 0, 0.04 * hs * hs};
  t.h = {d.bbox.h, 0, 0.01 * hs * hs, 0, 0.04 * hs * hs};
  t.hits = 1;
  t.last_hit_s = t_s;
  t.look = d.look;
  t.saw(d.bbox, t_s);
  t.confirmed = options_.confirm_hits <= 1;
  tracks_.push_back(t);
}

void tracker::match(std::vector<std::size_t>& open, std::vector<const detection*>& dets,
                    std::vector<bool>& matched_track, bool resuming) {
  if (open.empty() || dets.empty()) return;
  std::vector<std::vector<double>> cost(open.size(), std::vector<double>(dets.size(), forbidden));
  for (std::size_t i = 0; i < open.size(); ++i) {
    const auto& t = tracks_[open[i]];
    const box pred = t.bbox();
    for (std::size_t j = 0; j < dets.size(); ++j) {
      const box& d = dets[j]->bbox;
      const double ratio = d.h / pred.h;
      if (ratio < 0.5 || ratio > 2.0) continue;
      const double overlap = iou(pred, d);
      // In the ordinary passes a parked track takes only a detection on its spot: the ordinary
      // reach (a box height and more) would hand it whoever walks past once it has faded.
      // Resuming, it takes what nobody else took within that reach: a background model eats a
      // still person from the edges and leaves a ghost where they stood, so the box they are
      // found in again when they step away barely overlaps the one they were lost in.
      if (t.parked && !resuming && overlap < options_.park_min_iou) continue;
      const double jump = distance(pred.centre(), d.centre()) / std::max(pred.h, d.h);
      // A coasting track searches a little wider, but not without limit: after a second
      // the prediction says little and a far detection is more likely someone else.
      const double reach = options_.max_centre_jump * std::min(2.0, 1 + 0.5 * t.misses);
      if (overlap < options_.min_iou && jump > reach) continue;
      // Between two people close together, the one who looks like this track is more likely it.
      const double unlike = t.look.valid && dets[j]->look.valid ? 1 - similarity(t.look, dets[j]->look) : 0;
      cost[i][j] = (1 - overlap) + jump + options_.look_weight * unlike;
    }
  }
  const auto assigned = assign_min_cost(cost, forbidden);
  std::vector<bool> det_used(dets.size(), false);
  std::vector<std::size_t> still_open;
  for (std::size_t i = 0; i < open.size(); ++i) {
    if (assigned[i] < 0) {
      still_open.push_back(open[i]);
      continue;
    }
    correct(tracks_[open[i]], *dets[static_cast<std::size_t>(assigned[i])]);
    matched_track[open[i]] = true;
    det_used[static_cast<std::size_t>(assigned[i])] = true;
  }
  open = std::move(still_open);
  std::vector<const detection*> left;
  for (std::size_t j = 0; j < dets.size(); ++j)
    if (!det_used[j]) left.push_back(dets[j]);
  dets = std::move(left);
}

void tracker::correct(track& t, const detection& det) {
  const box& d = det.bbox;
  const auto c = d.centre();
  // Detector boxes wobble by several percent of the person's height; trusting them less
  // keeps the foot point from jittering across a line a person walks along.
  const double sigma = 0.08 * d.h + 1;
  t.cx.correct(c.x, sigma);
  t.cy.correct(c.y, sigma);
  t.w.correct(d.w, sigma);
  t.h.correct(d.h, sigma);
  t.parked = false;
  t.look = blend(t.look, det.look, 0.2f);
  t.saw(d, last_t_s_);
}

void tracker::find_lost(std::vector<std::size_t>& lost, std::vector<const detection*>& dets,
                        std::vector<bool>& matched_track) {
  if (lost.empty() || dets.empty()) return;
  std::vector<std::vector<double>> cost(lost.size(), std::vector<double>(dets.size(), forbidden));
  for (std::size_t i = 0; i < lost.size(); ++i) {
    const auto& t = tracks_[lost[i]];
    const double gone = last_t_s_ - t.lost->since_s;
    // Where the walk would have brought them, give or take a box height and more the longer it is.
    const point expected{t.cx.p + t.lost->vx * gone, t.cy.p + t.lost->vy * gone};
    const double h = std::max(1.0, t.h.p);
    for (std::size_t j = 0; j < dets.size(); ++j) {
      const box& d = dets[j]->bbox;
      const double ratio = d.h / h;
      if (ratio < 0.67 || ratio > 1.5) continue;
      const double alike = similarity(t.look, dets[j]->look);
      if (alike < options_.lost_min_similarity) continue;
      const double off = distance(expected, d.centre()) / h;
      if (off > 0.75 + 0.5 * gone) continue;
      cost[i][j] = (1 - alike) * 4 + off;
    }
  }
  const auto assigned = assign_min_cost(cost, forbidden);
  std::vector<bool> det_used(dets.size(), false);
  for (std::size_t i = 0; i < lost.size(); ++i) {
    if (assigned[i] < 0) continue;
    auto& t = tracks_[lost[i]];
    const auto& d = *dets[static_cast<std::size_t>(assigned[i])];
    // Taken up where they are now, at the pace they came with.
    const auto c = d.bbox.centre();
    t.cx.p = c.x;
    t.cy.p = c.y;
    t.cx.v = t.lost->vx;
    t.cy.v = t.lost->vy;
    t.lost.reset();
    correct(t, d);
    matched_track[lost[i]] = true;
    det_used[static_cast<std::size_t>(assigned[i])] = true;
  }
  std::vector<const detection*> left;
  for (std::size_t j = 0; j < dets.size(); ++j)
    if (!det_used[j]) left.push_back(dets[j]);
  dets = std::move(left);
}

bool tracker::ends_after_coasting(track& t, double t_s) const {
  const double unseen = t_s - t.last_hit_s;
  if (unseen <= options_.max_coast_s) return false;
  if (t.parked) return unseen > options_.max_coast_s + options_.park_s;
  if (t.lost) return unseen > options_.max_coast_s + options_.lost_s;
  if (options_.park_s <= 0 || !t.was_stopping(options_.park_max_speed)) {
    if (options_.lost_s <= 0 || !t.look.valid) return true;
    // Out of sight while walking: waits where it was predicted last (a guess the counters do not
    // count), remembering the pace to know where to look for them.
    t.lost = track::walk{t.cx.v, t.cy.v, t_s};
    t.hold();
    return false;
  }
  park(t);
  return false;
}

void tracker::park(track& t) const {
  // Parked where the detector last saw it (the filter has coasted on with the walk's last
  // velocity meanwhile), as large as it was last seen whole (a background model eats a still
  // person from the edges, so the last boxes shrink), with no drift while it waits.
  t.parked = true;
  const auto last = t.seen_box[static_cast<std::size_t>((t.seen - 1) % 4)].centre();
  double w = 0, h = 0;
  for (int k = std::max(0, t.seen - 4); k < t.seen; ++k) {
    w = std::max(w, t.seen_box[static_cast<std::size_t>(k % 4)].w);
    h = std::max(h, t.seen_box[static_cast<std::size_t>(k % 4)].h);
  }
  t.cx.p = last.x;
  t.cy.p = last.y;
  t.w.p = w;
  t.h.p = h;
  t.hold();
}

std::vector<track_state> tracker::update(const std::vector<detection>& detections, double t_s) {
  const double dt = started_ ? std::max(1e-3, t_s - last_t_s_) : 0.1;
  started_ = true;
  last_t_s_ = t_s;
  for (auto& t : tracks_) {
    t.cx.predict(dt, position_accel_sigma);
    t.cy.predict(dt, position_accel_sigma);
    t.w.predict(dt, size_accel_sigma);
    t.h.predict(dt, size_accel_sigma);
  }

  const auto split = split_merged(detections);
  std::vector<const detection*> high, low;
  for (const auto& d : split) {
    if (!(d.bbox.w > 0 && d.bbox.h > 0)) continue;
    if (d.score >= options_.high_score) high.push_back(&d);
    else if (d.score >= options_.low_score) low.push_back(&d);
  }
  // Confirmed tracks choose first, so a new flicker never steals a real person's detection.
  std::vector<std::size_t> confirmed_open, tentative_open, lost_open;
  for (std::size_t i = 0; i < tracks_.size(); ++i)
    (tracks_[i].lost ? lost_open : tracks_[i].confirmed ? confirmed_open : tentative_open).push_back(i);
  std::vector<bool> matched(tracks_.size(), false);
  match(confirmed_open, high, matched);
  match(tentative_open, high, matched);
  match(confirmed_open, low, matched);
  // What nobody took, next to a parked person, is that person again rather than someone new.
  std::vector<std::size_t> parked_open;
  for (const auto i : confirmed_open)
    if (tracks_[i].parked) parked_open.push_back(i);
  match(parked_open, high, matched, true);
  // And what is still left, where a lost walker would be by now and looking like them, is them.
  find_lost(lost_open, high, matched);

  for (std::size_t i = 0; i < tracks_.size(); ++i) {
    auto& t = tracks_[i];
    if (matched[i]) {
      ++t.hits;
      t.misses = 0;
      t.last_hit_s = t_s;
      if (t.hits >= options_.confirm_hits) t.confirmed = true;
    } else {
      ++t.misses;
    }
  }

  std::vector<track_state> out;
  std::vector<track> kept;
  kept.reserve(tracks_.size());
  for (std::size_t i = 0; i < tracks_.size(); ++i) {
    auto& t = tracks_[i];
    bool dead = t.confirmed ? ends_after_coasting(t, t_s) : t.misses >= 2;
    if (!matched[i] && options_.frame_width > 0 && options_.frame_height > 0) {
      const auto c = t.bbox().centre();
      dead = dead || c.x < 0 || c.y < 0 || c.x >= options_.frame_width || c.y >= options_.frame_height;
    }
    if (dead) continue;
    out.push_back({t.id, t.bbox(), t.confirmed, matched[i]});
    kept.push_back(t);
  }
  tracks_ = std::move(kept);
  const std::size_t before = tracks_.size();
  for (const auto* d : high) start(*d, t_s);
  for (std::size_t i = before; i < tracks_.size(); ++i) {
    const auto& t = tracks_[i];
    out.push_back({t.id, t.bbox(), t.confirmed, true});
  }
  return out;
}

}  // namespace kelu::vision
