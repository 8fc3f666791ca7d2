// SPDX-License-Identifier: Apache-2.0
#include "detector.hpp"

#include <algorithm>
#include <filesystem>

#include "bgs_detector.hpp"
#include "dnn_detector.hpp"
#include "hog_detector.hpp"

namespace kelu::vision {

core::result<std::unique_ptr<detector>> make_detector(const detector_options& o) {
  if (o.kind == "bgs") return std::unique_ptr<detector>(std::make_unique<bgs_detector>(o));
  if (o.kind == "hog") return std::unique_ptr<detector>(std::make_unique<hog_detector>(o));
  if (o.kind == "dnn") {
    for (const auto& path : o.model) {
      std::error_code ec;
      if (!std::filesystem::is_regular_file(path, ec)) return core::error{"dnn model " + path + ": no such file"};
    }
    auto d = std::make_unique<dnn_detector>(o);
    if (!d->load_error().empty()) return core::error{"dnn model: " + d->load_error()};
    return std::unique_ptr<detector>(std::move(d));
  }
  return core::error{"unknown detector '" + o.kind + "' (expected bgs, hog or dnn)"};
}

std::vector<detection> suppress_overlaps(std::vector<detection> in, double max_iou) {
  std::stable_sort(in.begin(), in.end(), [](const detection& a, const detection& b) { return a.score > b.score; });
  std::vector<detection> kept;
  for (const auto& d : in) {
    const bool overlaps = std::any_of(kept.begin(), kept.end(), [&](const detection& k) {
      return iou(k.bbox, d.bbox) > max_iou;
    });
    if (!overlaps) kept.push_back(d);
  }
  return kept;
}

}  // namespace kelu::vision
