// SPDX-License-Identifier: Apache-2.0
// Any bytes as a recorded box file; what parses is then fed, as tracks and as detections,
// through the line counter, zone counter, tracker and assignment: none may crash, hang or
// produce a count the totals do not explain.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "vision/box_file.hpp"
#include "vision/line_counter.hpp"
#include "vision/tracker.hpp"
#include "vision/zone_counter.hpp"

using namespace kelu::vision;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto rows = parse_box_rows(text, "fuzz");
  if (!rows) {
    if (rows.error_message().rfind("fuzz:", 0) != 0) std::abort();  // every error names the place
    return 0;
  }
  for (const auto& r : *rows)
    if (!(r.bbox.w > 0 && r.bbox.h > 0)) std::abort();

  const std::vector<counting_line> lines{{"door", {0, 300}, {768, 300}}, {"short", {200, 100}, {220, 500}}};
  line_counter from_tracks{lines, {.frame_width = 768, .frame_height = 576}};
  zone_counter zones{{{"z", {{0, 0}, {400, 0}, {400, 400}, {0, 400}}}}, {}};
  std::int64_t emitted = 0;
  for (const auto& f : tracks_by_frame(*rows, 0, 0, 200, 10)) {
    emitted += static_cast<std::int64_t>(from_tracks.update(f).size());
    zones.update(f);
  }
  emitted += static_cast<std::int64_t>(from_tracks.finish().size());
  zones.finish();
  std::int64_t counted = 0;
  for (const auto& t : from_tracks.totals()) counted += t.in + t.out;
  if (counted != emitted) std::abort();

  tracker tr{{.max_tracks = 64, .frame_width = 768, .frame_height = 576}};
  line_counter from_detections{lines, {}};
  for (const auto& [frame, dets] : detections_by_frame(*rows, 0)) {
    if (frame < 0 || frame > 200) continue;
    const double t_s = static_cast<double>(frame) / 10;
    const auto tracks = tr.update(dets, t_s);
    if (tr.live() > 64) std::abort();
    from_detections.update({frame, t_s, tracks});
  }
  return 0;
}
