// SPDX-License-Identifier: Apache-2.0
#pragma once
// Recorded boxes, one per line: `frame,id,x,y,w,h[,score[,...]]` (x, y the top-left corner).
// This is MOTChallenge's layout, used by the PETS 2009 annotations (`id` ≥ 0, a track) and
// by public detection files (`id` −1, score in column 7). A header line is allowed. The
// counters and the tracker are tested and scored from these files without a camera.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "detection.hpp"
#include "track.hpp"

namespace kelu::vision {

struct box_row {
  std::int64_t frame = 0;  // as in the file
  std::int64_t id = -1;
  box bbox;
  double score = 1;
};

// Errors name the file and line. `text` is the file's content; `name` is for messages.
core::result<std::vector<box_row>> parse_box_rows(const std::string& text, const std::string& name);
core::result<std::vector<box_row>> load_box_file(const std::string& path);

// Annotated tracks as the tracker would report them (every track confirmed and observed),
// one track_frame per frame from `first` to `last` inclusive (empty frames included), with
// t_s = (frame − first) / fps. `frame_offset` is added to the file's frame numbers first
// (−1 for MOT files, which count from 1).
std::vector<track_frame> tracks_by_frame(const std::vector<box_row>& rows, std::int64_t frame_offset,
                                         std::int64_t first, std::int64_t last, double fps);

// Detections per frame (after adding `frame_offset`), for feeding the tracker.
std::map<std::int64_t, std::vector<detection>> detections_by_frame(const std::vector<box_row>& rows,
                                                                   std::int64_t frame_offset);

}  // namespace kelu::vision
