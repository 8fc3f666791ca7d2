// SPDX-License-Identifier: Apache-2.0
#pragma once
// Synthetic camera frames for vision tests: a textured floor and people walking on it.
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <vector>

namespace kelu::test {

// A textured grey floor (fixed noise, as a camera's sensor gives) with people drawn on it:
// coloured clothes with a texture of their own that moves with them. (A flat rectangle is not
// a person: background subtraction rightly absorbs its unchanging inside; and grey clothes
// darker than a grey floor are, by MOG2's definition, a shadow.)
class scene {
 public:
  scene() : floor_(480, 640, CV_8UC3), clothes_(100, 40, CV_8UC3) {
    cv::randu(floor_, cv::Scalar::all(150), cv::Scalar::all(190));
    cv::GaussianBlur(floor_, floor_, {5, 5}, 0);
    cv::randu(clothes_, cv::Scalar(110, 30, 20), cv::Scalar(200, 90, 70));
    cv::GaussianBlur(clothes_, clothes_, {3, 3}, 0);
  }
  cv::Mat with(const std::vector<cv::Rect>& people) const {
    cv::Mat f = floor_.clone();
    for (const auto& p : people) {
      const cv::Rect inside = p & cv::Rect(0, 0, f.cols, f.rows);
      cv::Mat patch;
      cv::resize(clothes_, patch, p.size());
      patch(cv::Rect(inside.x - p.x, inside.y - p.y, inside.width, inside.height)).copyTo(f(inside));
    }
    return f;
  }

 private:
  cv::Mat floor_;
  cv::Mat clothes_;
};

// 60 empty frames to learn the floor, then people walking down through y = 240.
inline std::vector<cv::Mat> walk_down(const scene& s, int people) {
  std::vector<cv::Mat> frames;
  for (int i = 0; i < 60; ++i) frames.push_back(s.with({}));
  for (int k = 0; k < 40; ++k) {
    std::vector<cv::Rect> rs;
    for (int p = 0; p < people; ++p) rs.emplace_back(120 + 200 * p, 40 + 8 * k, 40, 100);
    frames.push_back(s.with(rs));
  }
  for (int i = 0; i < 5; ++i) frames.push_back(s.with({}));
  return frames;
}

}  // namespace kelu::test
