// SPDX-License-Identifier: Apache-2.0
#pragma once
// Image-plane geometry shared by the tracker, the counters and the heat map. Coordinates are
// pixels of the frame the detector saw: x right, y down, origin at the top-left corner.
#include <vector>

namespace kelu::vision {

struct point {
  double x = 0;
  double y = 0;
  bool operator==(const point&) const = default;
};

// An axis-aligned box by its top-left corner and size, as detectors and MOT files give it.
struct box {
  double x = 0;
  double y = 0;
  double w = 0;
  double h = 0;
  bool operator==(const box&) const = default;

  // Where the person stands: bottom-centre. Counting and heat maps use this point because
  // it is on the floor, so a tall and a short person at the same spot agree.
  point foot() const { return {x + w / 2, y + h}; }
  point centre() const { return {x + w / 2, y + h / 2}; }
  double area() const { return w * h; }
};

double iou(const box& a, const box& b);

// Twice the signed area of (a, b, p): positive when p is on the side where, for a line
// from A to B, (Bx−Ax)(Py−Ay) − (By−Ay)(Px−Ax) > 0, the `in` side of a counting line.
double cross(point a, point b, point p);

double distance(point a, point b);

// Even-odd rule; a point on an edge may fall either way (a person is never exactly there
// for long). Polygons need at least three vertices.
bool contains(const std::vector<point>& polygon, point p);

// Where segment p→q meets the infinite line through a and b, as a fraction of a→b
// (0 at a, 1 at b); empty when p→q is parallel to it.
bool segment_meets_line(point p, point q, point a, point b, double& t_on_ab);

}  // namespace kelu::vision
