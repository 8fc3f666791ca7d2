// SPDX-License-Identifier: Apache-2.0
#include "geometry.hpp"

#include <algorithm>
#include <cmath>

namespace kelu::vision {

double iou(const box& a, const box& b) {
  const double ix = std::max(0.0, std::min(a.x + a.w, b.x + b.w) - std::max(a.x, b.x));
  const double iy = std::max(0.0, std::min(a.y + a.h, b.y + b.h) - std::max(a.y, b.y));
  const double inter = ix * iy;
  const double uni = a.area() + b.area() - inter;
  return uni > 0 ? inter / uni : 0.0;
}

double cross(point a, point b, point p) { return (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x); }

double distance(point a, point b) { return std::hypot(b.x - a.x, b.y - a.y); }

bool contains(const std::vector<point>& polygon, point p) {
  bool inside = false;
  const std::size_t n = polygon.size();
  if (n < 3) return false;
  for (std::size_t i = 0, j = n - 1; i < n; j = i++) {
    const point& u = polygon[i];
    const point& v = polygon[j];
    if ((u.y > p.y) != (v.y > p.y) && p.x < (v.x - u.x) * (p.y - u.y) / (v.y - u.y) + u.x) inside = !inside;
  }
  return inside;
}

bool segment_meets_line(point p, point q, point a, point b, double& t_on_ab) {
  // Solve p + s(q−p) on the line; then project that point onto a→b.
  const double dp = cross(a, b, p);
  const double dq = cross(a, b, q);
  if (dp == dq) return false;
  const double s = dp / (dp - dq);
  const point m{p.x + s * (q.x - p.x), p.y + s * (q.y - p.y)};
  const double len2 = (b.x - a.x) * (b.x - a.x) + (b.y - a.y) * (b.y - a.y);
  if (len2 <= 0) return false;
  t_on_ab = ((m.x - a.x) * (b.x - a.x) + (m.y - a.y) * (b.y - a.y)) / len2;
  return true;
}

}  // namespace kelu::vision
