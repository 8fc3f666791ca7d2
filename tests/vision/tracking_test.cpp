// SPDX-License-Identifier: Apache-2.0
// Geometry, assignment, tracker, zones and heat grid: the parts of vision/ that work on
// boxes, tested without a camera.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <set>

#include "vision/assignment.hpp"
#include "vision/box_file.hpp"
#include "vision/heat_grid.hpp"
#include "vision/line_counter.hpp"
#include "vision/tracker.hpp"
#include "vision/zone_counter.hpp"

namespace kelu::vision {
namespace {

TEST(geometry, the_in_side_of_a_left_to_right_line_is_below_it) {
  // The example: A=(0,300), B=(768,300); walking down the image is `in`.
  EXPECT_GT(cross({0, 300}, {768, 300}, {100, 310}), 0);
  EXPECT_LT(cross({0, 300}, {768, 300}, {100, 290}), 0);
  // Reversing the line reverses the sides.
  EXPECT_LT(cross({768, 300}, {0, 300}, {100, 310}), 0);
}

TEST(geometry, iou_and_foot_point) {
  EXPECT_DOUBLE_EQ(iou({0, 0, 10, 10}, {0, 0, 10, 10}), 1.0);
  EXPECT_DOUBLE_EQ(iou({0, 0, 10, 10}, {20, 0, 10, 10}), 0.0);
  EXPECT_NEAR(iou({0, 0, 10, 10}, {5, 0, 10, 10}), 50.0 / 150.0, 1e-12);
  EXPECT_EQ((box{10, 20, 30, 40}.foot()), (point{25, 60}));
}

TEST(geometry, polygon_contains_and_segment_meets_line) {
  const std::vector<point> l_shape{{0, 0}, {10, 0}, {10, 4}, {4, 4}, {4, 10}, {0, 10}};
  EXPECT_TRUE(contains(l_shape, {2, 8}));
  EXPECT_FALSE(contains(l_shape, {8, 8}));  // the notch
  EXPECT_FALSE(contains({{0, 0}, {1, 1}}, {0.5, 0.5}));
  double t = 0;
  ASSERT_TRUE(segment_meets_line({5, -1}, {5, 1}, {0, 0}, {10, 0}, t));
  EXPECT_DOUBLE_EQ(t, 0.5);
  EXPECT_FALSE(segment_meets_line({0, 1}, {10, 1}, {0, 0}, {10, 0}, t));  // parallel
}

TEST(assignment, finds_the_cheapest_matching_not_the_greedy_one) {
  // Greedy takes (0,0)=1 and is left with (1,1)=10; the optimum is 2 + 2.
  const auto a = assign_min_cost({{1, 2}, {2, 10}}, 100);
  EXPECT_EQ(a, (std::vector<int>{1, 0}));
}

TEST(assignment, forbidden_pairs_stay_unmatched_and_shapes_may_differ) {
  EXPECT_EQ(assign_min_cost({{100, 1, 100}}, 100), (std::vector<int>{1}));
  EXPECT_EQ(assign_min_cost({{100}, {100}}, 100), (std::vector<int>{-1, -1}));
  EXPECT_EQ(assign_min_cost({{5}, {1}, {3}}, 100), (std::vector<int>{-1, 0, -1}));
  EXPECT_TRUE(assign_min_cost({}, 100).empty());
}

// A person of 40×90 px walking at a steady pace; `t` frames at 10 fps.
box walker(point start, point velocity_per_frame, int t) {
  return {start.x + velocity_per_frame.x * t, start.y + velocity_per_frame.y * t, 40, 90};
}

TEST(tracker, confirms_after_three_hits_and_keeps_one_id_per_walker) {
  tracker tr;
  std::int64_t id = 0;
  for (int f = 0; f < 30; ++f) {
    const auto out = tr.update({{walker({100, 100}, {5, 2}, f), 0.9}}, f * 0.1);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].confirmed, f >= 2) << "frame " << f;
    if (f == 0) id = out[0].id;
    EXPECT_EQ(out[0].id, id);
  }
}

TEST(tracker, two_people_crossing_paths_keep_their_ids) {
  tracker tr;
  std::int64_t left_id = 0, right_id = 0;
  for (int f = 0; f < 40; ++f) {
    // One walks right, one walks left, on the same row: they overlap around frame 20.
    const box a = walker({100, 200}, {6, 0}, f);
    const box b = walker({340, 205}, {-6, 0}, f);
    const auto out = tr.update({{a, 0.9}, {b, 0.9}}, f * 0.1);
    ASSERT_EQ(out.size(), 2u) << "frame " << f;
    for (const auto& t : out) {
      const bool is_a = std::fabs(t.bbox.x - a.x) < std::fabs(t.bbox.x - b.x);
      if (f == 0) (is_a ? left_id : right_id) = t.id;
      // Away from the overlap, each id stays on its own walker.
      if (std::abs(f - 20) > 3) {
        EXPECT_EQ(t.id, is_a ? left_id : right_id) << "frame " << f;
      }
    }
  }
}

// A door line at y=300 in a 640×480 frame, counting what `seen_at(frame)` gives the tracker at
// 10 fps; the confirmed tracks' ids in `ids`.
line_totals through_the_door(tracker_options o, int frames, const std::function<std::vector<detection>(int)>& seen_at,
                             std::set<std::int64_t>& ids) {
  o.frame_width = 640;
  o.frame_height = 480;
  tracker tr{o};
  line_counter door{{{"door", {0, 300}, {640, 300}}}, {.frame_width = 640, .frame_height = 480}};
  for (int f = 0; f < frames; ++f) {
    track_frame tf{f, f * 0.1, tr.update(seen_at(f), f * 0.1)};
    for (const auto& t : tf.tracks)
      if (t.confirmed) ids.insert(t.id);
    door.update(tf);
  }
  door.finish();
  return door.totals()[0];
}

// Two people walk down through a door side by side; for 2.4 s, over the line, a background
// model sees them as one blob. Each must keep their track and be counted.
line_totals side_by_side_through_a_door(tracker_options o, std::set<std::int64_t>& ids) {
  return through_the_door(o, 45, [](int f) -> std::vector<detection> {
    const box a = walker({100, 0}, {0, 8}, f);
    const box b = walker({155, 4}, {0, 8}, f);
    if (f >= 12 && f < 36) return {{{a.x, a.y, b.x + b.w - a.x, b.y + b.h - a.y}, 0.9}};  // one blob around both
    return {{a, 0.9}, {b, 0.9}};
  }, ids);
}

TEST(tracker, two_people_merged_into_one_blob_keep_their_tracks_and_are_both_counted) {
  std::set<std::int64_t> ids;
  const auto split = side_by_side_through_a_door({}, ids);
  EXPECT_EQ(split.in, 2);
  EXPECT_EQ(split.out, 0);
  EXPECT_EQ(ids.size(), 2u) << "each person keeps one track through the merge";
  // Without splitting, one follows the blob and the other is lost over the line.
  ids.clear();
  const auto unsplit = side_by_side_through_a_door({.merge_containment = 0}, ids);
  EXPECT_EQ(unsplit.in, 1);
  EXPECT_GT(ids.size(), 2u) << "the lost one comes back as a new track";
}

// Two people walk up side by side, merged into one blob, and stop short of a line at y=300. The
// tracks' predictions go on up for a moment; pieces cut to the blob would be shorter each frame
// (the track shrinks and its foot point climbs the person, over the line). Moved inside the
// blob, each piece keeps the person's size and the feet stay where they stopped.
TEST(tracker, people_merged_into_one_blob_who_stop_keep_their_size_and_their_feet) {
  tracker tr{{.frame_width = 640, .frame_height = 480}};
  line_counter door{{{"door", {0, 300}, {640, 300}}}, {.frame_width = 640, .frame_height = 480}};
  std::vector<track_state> last;
  for (int f = 0; f < 60; ++f) {
    const int walked = std::min(f, 20);  // they stop at frame 20, feet at y = 410 − 4 · 20 = 330
    const box a = walker({100, 320}, {0, -4}, walked);
    const box b = walker({150, 320}, {0, -4}, walked);
    std::vector<detection> seen{{a, 0.9}, {b, 0.9}};
    if (f >= 10) seen = {{{a.x, a.y, b.x + b.w - a.x, a.h}, 0.9}};  // one blob around both
    last = tr.update(seen, f * 0.1);
    door.update({f, f * 0.1, last});
  }
  door.finish();
  EXPECT_EQ(door.totals()[0].out, 0) << "nobody reached the line";
  ASSERT_EQ(last.size(), 2u);
  for (const auto& t : last) {
    EXPECT_GT(t.bbox.h, 80) << "track " << t.id;
    EXPECT_NEAR(t.bbox.y + t.bbox.h, 330, 8) << "track " << t.id;
  }
}

// Looks as the pipeline describes them: all of one colour's share in one bin.
look colour(std::size_t bin) {
  look l;
  l.share[bin] = 1;
  l.valid = true;
  return l;
}

// A walker in red passes behind a pillar for 2 s, crossing the door line out of sight; someone
// in blue may step out from behind it instead.
line_totals behind_a_pillar(tracker_options o, bool blue_comes_out, std::set<std::int64_t>& ids) {
  return through_the_door(o, 50, [blue_comes_out](int f) -> std::vector<detection> {
    const box red = walker({300, 60}, {0, 8}, f);  // feet cross y=300 at frame 19
    if (f < 12) return {{red, 0.9, colour(17)}};
    if (f >= 32) return {{red, 0.9, colour(blue_comes_out ? 4 : 17)}};
    return {};
  }, ids);
}

TEST(tracker, a_walker_lost_behind_a_pillar_is_found_again_by_look_and_pace_and_counted_once) {
  std::set<std::int64_t> ids;
  const auto found = behind_a_pillar({}, false, ids);
  EXPECT_EQ(found.in, 1);
  EXPECT_EQ(ids.size(), 1u) << "the same track after 2 s out of sight";
  // Before looks, the track ended after its second of coasting and the crossing was lost.
  ids.clear();
  EXPECT_EQ(behind_a_pillar({.lost_s = 0}, false, ids).in, 0);
  EXPECT_EQ(ids.size(), 2u);
  // Someone who does not look like them is someone else, wherever they appear.
  ids.clear();
  EXPECT_EQ(behind_a_pillar({}, true, ids).in, 0);
  EXPECT_EQ(ids.size(), 2u);
}

TEST(tracker, a_lost_walker_is_looked_for_where_the_walk_leads_not_anywhere) {
  tracker tr{{.frame_width = 640, .frame_height = 480}};
  std::int64_t id = 0;
  for (int f = 0; f < 10; ++f) id = tr.update({{walker({100, 60}, {8, 0}, f), 0.9, colour(3)}}, f * 0.1)[0].id;
  for (int f = 10; f < 25; ++f) tr.update({}, f * 0.1);  // 1.5 s unseen: lost, waiting
  // The same look far behind where the walk leads (back at the start) is a new person.
  const auto behind = tr.update({{walker({100, 60}, {0, 0}, 0), 0.9, colour(3)}}, 2.5);
  for (const auto& t : behind) {
    if (t.observed) {
      EXPECT_NE(t.id, id);
    }
  }
  // Ahead of it, at the walk's pace, it is them.
  const auto ahead = tr.update({{walker({100, 60}, {8, 0}, 26), 0.9, colour(3)}}, 2.6);
  bool resumed = false;
  for (const auto& t : ahead) resumed = resumed || (t.observed && t.id == id);
  EXPECT_TRUE(resumed);
}

// Red and blue walk up to each other, stand on the same spot a second (one box over the other) and
// go back the way they came: where they stood, only their looks tell them apart.
std::map<std::int64_t, std::set<std::size_t>> meet_and_part(tracker_options o) {
  tracker tr{o};
  std::map<std::int64_t, std::set<std::size_t>> colours_of;  // id -> the colours it was matched to
  const auto x_at = [](double start, double step, int f) {
    const int g = f < 10 ? f : f < 20 ? 10 : 30 - f;  // walk 10 frames, stand 10, walk back
    return start + step * g;
  };
  for (int f = 0; f < 30; ++f) {
    const box red{x_at(100, 8, f), 200, 40, 90};
    const box blue{x_at(260, -8, f), 200, 40, 90};
    for (const auto& t : tr.update({{red, 0.9, colour(0)}, {blue, 0.9, colour(4)}}, f * 0.1)) {
      if (!t.observed || !t.confirmed || std::fabs(red.x - blue.x) < 30) continue;  // apart: who is who is plain
      colours_of[t.id].insert(std::fabs(t.bbox.x - red.x) < std::fabs(t.bbox.x - blue.x) ? 0 : 4);
    }
  }
  return colours_of;
}

TEST(tracker, two_people_who_meet_and_part_keep_their_own_tracks_by_look) {
  const auto colours_of = meet_and_part({});
  ASSERT_EQ(colours_of.size(), 2u);
  for (const auto& [id, colours] : colours_of) EXPECT_EQ(colours.size(), 1u) << "track " << id << " changed person";
  // By place and pace alone, standing on one spot, they come apart swapped.
  std::size_t swapped = 0;
  for (const auto& [id, colours] : meet_and_part({.look_weight = 0})) swapped += colours.size() > 1;
  EXPECT_EQ(swapped, 2u);
}

TEST(tracker, one_person_tracked_twice_is_not_split_in_two) {
  // A person-sized box over two confirmed predictions (a duplicate track) stays one box.
  tracker tr;
  for (int f = 0; f < 5; ++f) tr.update({{walker({100, 100}, {0, 5}, f), 0.9}, {walker({104, 102}, {0, 5}, f), 0.9}}, f * 0.1);
  const auto out = tr.update({{walker({102, 101}, {0, 5}, 5), 0.9}}, 0.5);
  int observed = 0;
  for (const auto& t : out) observed += t.observed;
  EXPECT_EQ(observed, 1);
}

TEST(tracker, coasts_through_a_short_occlusion_and_ends_after_a_long_one) {
  tracker tr{{.max_coast_s = 1.0}};
  std::int64_t id = 0;
  for (int f = 0; f < 10; ++f) id = tr.update({{walker({100, 100}, {4, 0}, f), 0.9}}, f * 0.1).at(0).id;
  for (int f = 10; f < 15; ++f) {  // hidden for half a second: predicted, not observed
    const auto out = tr.update({}, f * 0.1);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_FALSE(out[0].observed);
    EXPECT_NEAR(out[0].bbox.x, walker({100, 100}, {4, 0}, f).x, 6) << "the prediction follows the walk";
  }
  const auto back = tr.update({{walker({100, 100}, {4, 0}, 15), 0.9}}, 1.5);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].id, id);
  EXPECT_TRUE(back[0].observed);
  for (int f = 16; f < 40; ++f) tr.update({}, f * 0.1);
  EXPECT_EQ(tr.live(), 0u);
}

TEST(tracker, a_flicker_is_never_confirmed_and_low_scores_start_nothing) {
  tracker tr;
  auto out = tr.update({{{300, 300, 40, 90}, 0.9}}, 0.0);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(out[0].confirmed);
  tr.update({}, 0.1);
  tr.update({}, 0.2);
  EXPECT_EQ(tr.live(), 0u) << "a tentative track dies on its second miss";
  EXPECT_TRUE(tr.update({{{300, 300, 40, 90}, 0.3}}, 0.3).empty()) << "low-confidence detections only keep tracks";
}

TEST(tracker, a_low_score_detection_keeps_a_half_hidden_person) {
  tracker tr;
  for (int f = 0; f < 5; ++f) tr.update({{walker({100, 100}, {3, 0}, f), 0.9}}, f * 0.1);
  const auto out = tr.update({{walker({100, 100}, {3, 0}, 5), 0.3}}, 0.5);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].observed);
}

TEST(tracker, live_tracks_are_capped_and_refusals_counted) {
  tracker tr{{.max_tracks = 3}};
  std::vector<detection> crowd;
  for (int i = 0; i < 5; ++i) crowd.push_back({{i * 100.0, 100, 40, 90}, 0.9});
  EXPECT_EQ(tr.update(crowd, 0).size(), 3u);
  EXPECT_EQ(tr.refused(), 2);
}

TEST(tracker, a_track_predicted_out_of_the_frame_has_left) {
  tracker tr{{.frame_width = 400, .frame_height = 300}};
  for (int f = 0; f < 6; ++f) tr.update({{walker({300, 100}, {15, 0}, f), 0.9}}, f * 0.1);
  for (int f = 6; f < 9; ++f) tr.update({}, f * 0.1);
  EXPECT_EQ(tr.live(), 0u) << "walked off the right edge; must not come back as someone else";
}

// A person walks up to a table and stands there 30 s while a background-subtraction detector
// loses them again and again (they fade into the background): one track, one zone visit.
TEST(tracker, a_person_standing_still_fades_and_stays_one_track_and_one_visit) {
  tracker tr{{.max_coast_s = 1.0, .park_s = 20}};
  zone_counter zones{{{"table", {{250, 300}, {450, 300}, {450, 500}, {250, 500}}}}, {.engaged_dwell_s = 10}};
  std::vector<zone_visit> visits;
  std::set<std::int64_t> ids;
  int frame = 0;
  const auto step = [&](std::vector<detection> dets) {
    const double t = frame * 0.1;
    auto out = tr.update(dets, t);
    for (const auto& s : out) ids.insert(s.id);
    for (auto& v : zones.update({frame, t, out})) visits.push_back(v);
    ++frame;
    return out;
  };
  for (int f = 0; f < 20; ++f) step({{walker({100, 310}, {10, 0}, f), 0.9}});  // walks in from the left
  const box standing{300, 310, 40, 90};
  for (int f = 0; f < 20; ++f) step({{standing, 0.9}});                       // stands: still seen for 2 s
  // Then seen for a moment now and then: gaps of 4 s, 12 s and 8 s, nobody else around.
  for (const int gap : {40, 120, 80}) {
    for (int f = 0; f < gap; ++f) {
      const auto out = step({});
      ASSERT_EQ(out.size(), 1u) << "parked, not ended, at frame " << frame;
      EXPECT_FALSE(out[0].observed);
      EXPECT_NEAR(out[0].bbox.x, standing.x, 9) << "parked where last seen (a tenth of their height), no drift";
    }
    for (int f = 0; f < 3; ++f) step({{{standing.x + 2, standing.y, 40, 90}, 0.8}});
  }
  for (int f = 0; f < 30; ++f) step({{walker({302, 310}, {-10, 0}, f), 0.9}});  // walks away
  for (int f = 0; f < 30; ++f) step({});
  EXPECT_EQ(ids.size(), 1u) << "one person, one track";
  ASSERT_EQ(visits.size(), 1u);
  EXPECT_GT(visits[0].dwell_s, 25.0);
  EXPECT_TRUE(visits[0].engaged);
  // Unseen for longer than coasting plus parking, a parked track ends.
  EXPECT_EQ(tr.live(), 0u);
}

TEST(tracker, a_passer_by_walking_past_a_parked_person_keeps_their_own_track) {
  tracker tr{{.max_coast_s = 1.0, .park_s = 20}};
  const box standing{300, 310, 40, 90};
  std::int64_t parked_id = 0;
  for (int f = 0; f < 20; ++f) parked_id = tr.update({{standing, 0.9}}, f * 0.1).at(0).id;
  for (int f = 20; f < 40; ++f) tr.update({}, f * 0.1);  // faded: parked
  // Someone walks down the aisle past them, 30 px to the side: already tracked when they come
  // close, they keep their own track (tracks being followed choose before parked ones resume).
  std::set<std::int64_t> passer_ids;
  for (int f = 40; f < 70; ++f)
    for (const auto& t : tr.update({{{330, 150 + (f - 40) * 12.0, 40, 90}, 0.9}}, f * 0.1))
      if (t.observed) passer_ids.insert(t.id);
  ASSERT_EQ(passer_ids.size(), 1u);
  EXPECT_NE(*passer_ids.begin(), parked_id);
  EXPECT_EQ(tr.live(), 2u) << "the parked person is still there";
  // They step away from where they stood: found next to the parked box, it is them again.
  const auto back = tr.update({{{318, 310, 40, 90}, 0.9}}, 7.0);
  bool resumed = false;
  for (const auto& t : back) resumed = resumed || (t.id == parked_id && t.observed);
  EXPECT_TRUE(resumed);
}

TEST(tracker, a_walker_who_vanishes_is_not_parked) {
  tracker tr{{.max_coast_s = 1.0, .park_s = 20}};
  for (int f = 0; f < 10; ++f) tr.update({{walker({100, 100}, {8, 0}, f), 0.9}}, f * 0.1);
  for (int f = 10; f < 25; ++f) tr.update({}, f * 0.1);
  EXPECT_EQ(tr.live(), 0u) << "moving when lost: ended after coasting, as before";
}

track_frame frame_with(std::int64_t f, std::vector<track_state> tracks) { return {f, static_cast<double>(f) * 0.5, std::move(tracks)}; }
track_state at(std::int64_t id, point foot, bool confirmed = true) {
  return {id, {foot.x - 20, foot.y - 90, 40, 90}, confirmed, true};
}

TEST(zone_counter, dwell_engagement_and_a_brief_step_out_is_one_visit) {
  zone_counter zc{{{"shelf", {{0, 0}, {100, 0}, {100, 100}, {0, 100}}}}, {.engaged_dwell_s = 3, .exit_grace_s = 1.0}};
  std::vector<zone_visit> visits;
  auto feed = [&](std::int64_t f, point p) {
    for (auto& v : zc.update(frame_with(f, {at(1, p)}))) visits.push_back(v);
  };
  feed(0, {150, 50});   // outside
  feed(1, {50, 50});    // enters at 0.5 s
  feed(2, {50, 50});
  feed(3, {120, 50});   // steps out for half a second: not an exit
  feed(4, {50, 50});
  EXPECT_EQ(zc.occupancy(), (std::vector<int>{1}));
  feed(5, {50, 50});    // last inside at 2.5 s
  feed(6, {150, 50});
  feed(7, {150, 50});
  feed(8, {150, 50});   // out for 1.5 s now
  ASSERT_EQ(visits.size(), 1u);
  EXPECT_DOUBLE_EQ(visits[0].enter_t_s, 0.5);
  EXPECT_DOUBLE_EQ(visits[0].dwell_s, 2.0);
  EXPECT_FALSE(visits[0].engaged);
  EXPECT_EQ(zc.occupancy(), (std::vector<int>{0}));
}

TEST(zone_counter, staff_zones_and_long_stays_exclude_the_track) {
  zone_counter zc{{{"floor", {{0, 0}, {500, 0}, {500, 500}, {0, 500}}},
                   {"behind_till", {{400, 400}, {500, 400}, {500, 500}, {400, 500}}, true}},
                  {.engaged_dwell_s = 1, .staff_after_s = 100}};
  // Track 1 is a shopper; track 2 goes behind the till; track 3 stays far too long.
  for (std::int64_t f = 0; f < 10; ++f) {
    zc.update(frame_with(f, {at(1, {100, 100}), at(2, {f < 5 ? 200.0 : 450.0, 450}), at(3, {300, 300})}));
  }
  EXPECT_TRUE(zc.is_staff(2));
  EXPECT_FALSE(zc.is_staff(1));
  EXPECT_EQ(zc.occupancy()[0], 2) << "the shopper and the long stayer, so far";
  // 200 s later only track 3 is still there: tracks 1 and 2 have ended.
  const auto closed = zc.update({10, 200.0, {at(3, {300, 300})}});
  EXPECT_TRUE(zc.is_staff(3));
  ASSERT_EQ(closed.size(), 2u);
  EXPECT_EQ(closed[0].track_id, 1);
  EXPECT_EQ(closed[0].zone, "floor");
  EXPECT_TRUE(closed[0].engaged);
  EXPECT_DOUBLE_EQ(closed[0].dwell_s, 4.5);
  // Track 2's visit behind the till is reported: it marks the track as staff for the door count.
  EXPECT_EQ(closed[1].track_id, 2);
  EXPECT_EQ(closed[1].zone, "behind_till");
  EXPECT_TRUE(zc.finish().empty());
  EXPECT_EQ(zc.staff_visits_dropped(), 2) << "track 2's and track 3's floor visits";
}

TEST(zone_counter, tentative_tracks_make_no_visits) {
  zone_counter zc{{{"z", {{0, 0}, {100, 0}, {100, 100}, {0, 100}}}}, {}};
  zc.update(frame_with(0, {at(1, {50, 50}, false)}));
  EXPECT_EQ(zc.occupancy(), (std::vector<int>{0}));
  EXPECT_TRUE(zc.update(frame_with(1, {})).empty());
}

TEST(heat_grid, person_seconds_land_in_the_cell_under_the_foot) {
  heat_grid g{4, 3, 400, 300};
  g.add({50, 50}, 1.0);
  g.add({350, 299.9}, 0.5);
  g.add({350, 300}, 0.25);   // on the bottom edge: still the last row
  g.add({-1, 10}, 9);        // outside: ignored
  g.add({401, 10}, 9);
  EXPECT_DOUBLE_EQ(g.cells()[0], 1.0);
  EXPECT_DOUBLE_EQ(g.cells()[11], 0.75);
  EXPECT_DOUBLE_EQ(g.total(), 1.75);
  g.clear();
  EXPECT_DOUBLE_EQ(g.total(), 0);
}

TEST(box_file, reads_annotations_and_mot_detections_and_names_bad_lines) {
  auto rows = parse_box_rows("frame,id,x,y,w,h\n0,9,1.5,2,30,80\n\n3,-1,5,6,7,8,0.75,-1,-1,-1\n", "f.csv");
  ASSERT_TRUE(rows) << rows.error_message();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].id, 9);
  EXPECT_EQ((*rows)[0].bbox, (box{1.5, 2, 30, 80}));
  EXPECT_DOUBLE_EQ((*rows)[1].score, 0.75);
  const auto frames = tracks_by_frame(*rows, 0, 0, 3, 10);
  ASSERT_EQ(frames.size(), 4u);
  EXPECT_EQ(frames[0].tracks.size(), 1u);
  EXPECT_TRUE(frames[1].tracks.empty());
  EXPECT_DOUBLE_EQ(frames[3].t_s, 0.3);

  auto bad = parse_box_rows("0,1,2,3,4,5\n1,1,x,3,4,5\n", "tracks.csv");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error_message(), "tracks.csv:2: field 3 is not a number");
  EXPECT_EQ(parse_box_rows("0,1,2,3\n", "t").error_message(), "t:1: expected frame,id,x,y,w,h");
  EXPECT_EQ(parse_box_rows("0,1,2,3,0,5\n", "t").error_message(), "t:1: box width and height must be positive");
  EXPECT_FALSE(load_box_file("/nonexistent/tracks.csv"));
}

}  // namespace
}  // namespace kelu::vision
