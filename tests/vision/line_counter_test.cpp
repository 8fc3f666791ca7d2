// SPDX-License-Identifier: Apache-2.0
// Counting lines: the rules in line_counter.hpp one by one, then golden track files
// (tests/data/vision/<case>/), then the PETS 2009 annotations when ../shared is present.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "support/files.hpp"
#include "vision/box_file.hpp"
#include "vision/line_counter.hpp"

namespace kelu::vision {
namespace {

const counting_line door{"door", {0, 300}, {768, 300}};

// One person (id 1, 80 px tall, band 6.4 → 6 px minimum) whose foot is at `ys` in
// successive frames, at x = 300.
line_totals walk(line_counter& c, const std::vector<double>& ys, bool confirmed = true, std::int64_t id = 1) {
  std::int64_t f = 0;
  for (double y : ys) {
    c.update({f, static_cast<double>(f) * 0.1, {{id, {280, y - 80, 40, 80}, confirmed, true}}});
    ++f;
  }
  c.update({f, static_cast<double>(f) * 0.1, {}});  // the track ends
  return c.totals()[0];
}

TEST(line_counter, walking_down_a_left_to_right_line_is_in_and_up_is_out) {
  line_counter c{{door}, {}};
  auto t = walk(c, {250, 270, 290, 310, 330, 350});
  EXPECT_EQ(t.in, 1);
  EXPECT_EQ(t.out, 0);
  t = walk(c, {350, 330, 310, 290, 270}, true, 2);
  EXPECT_EQ(t.out, 1);
}

TEST(line_counter, wobbling_on_the_line_inside_the_band_is_not_a_crossing) {
  line_counter c{{door}, {}};
  const auto t = walk(c, {270, 296, 304, 295, 305, 296, 304, 295, 270});
  EXPECT_EQ(t.in + t.out, 0);
}

TEST(line_counter, in_then_back_out_counts_both) {
  line_counter c{{door}, {}};
  // In for half a second, out, in, out: each is a real crossing.
  const auto t = walk(c, {270, 270, 320, 320, 320, 320, 280, 280, 280, 280, 330, 330, 330, 330, 270, 270, 270});
  EXPECT_EQ(t.in, 2);
  EXPECT_EQ(t.out, 2);
}

TEST(line_counter, a_box_that_jumps_across_for_a_frame_is_not_a_crossing) {
  // Half hidden for a frame, the detector's box ends 40 px lower: beyond the band, but not
  // for settle_s. Twice, then the person really crosses.
  line_counter c{{door}, {}};
  const auto t = walk(c, {280, 282, 322, 284, 286, 326, 288, 290, 310, 320, 330, 340});
  EXPECT_EQ(t.in, 1);
  EXPECT_EQ(t.out, 0);
}

TEST(line_counter, a_crossing_made_while_tentative_counts_when_confirmed) {
  line_counter c{{door}, {}};
  std::vector<line_crossing> got;
  for (std::int64_t f = 0; f < 6; ++f) {
    const double y = 280 + 10.0 * static_cast<double>(f);
    for (auto& x : c.update({f, static_cast<double>(f) * 0.1, {{7, {280, y - 80, 40, 80}, f >= 4, true}}})) got.push_back(x);
    if (f < 4) {
      EXPECT_TRUE(got.empty()) << "not before confirmation";
    }
  }
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].direction, crossing_direction::in);
  EXPECT_EQ(got[0].frame, 3) << "reported at the frame it was first beyond the line";
}

TEST(line_counter, a_track_never_confirmed_is_never_counted) {
  line_counter c{{door}, {}};
  const auto t = walk(c, {250, 280, 320, 350}, false);
  EXPECT_EQ(t.in + t.out, 0);
}

TEST(line_counter, a_coasting_prediction_never_crosses) {
  line_counter c{{door}, {}};
  c.update({0, 0.0, {{1, {280, 200, 40, 80}, true, true}}});  // foot at 280
  c.update({1, 0.1, {{1, {280, 240, 40, 80}, true, false}}});  // predicted foot at 320
  c.update({2, 0.2, {}});
  EXPECT_EQ(c.totals()[0].in, 0);
}

TEST(line_counter, crossings_beside_a_short_segment_do_not_count) {
  line_counter c{{{"short", {200, 300}, {400, 300}}}, {}};
  auto t = walk(c, {250, 280, 320, 350});  // at x = 300: through it
  EXPECT_EQ(t.in, 1);
  std::int64_t f = 100;
  for (double y : {250.0, 280.0, 320.0, 350.0}) {  // at x = 600: beside it
    c.update({f, static_cast<double>(f) * 0.1, {{9, {580, y - 80, 40, 80}, true, true}}});
    ++f;
  }
  EXPECT_EQ(c.totals()[0].in, 1);
}

TEST(line_counter, a_line_near_the_frame_edge_still_counts) {
  // 10 px above the bottom of a 576-row frame: the usual band would need the foot at 576+.
  line_counter c{{{"edge", {0, 566}, {768, 566}}}, {.frame_width = 768, .frame_height = 576}};
  const auto t = walk(c, {540, 555, 563, 572, 575});
  EXPECT_EQ(t.in, 1);
}

TEST(line_counter, a_track_ending_just_past_the_line_has_crossed_but_one_point_is_not_enough) {
  line_counter two{{door}, {}};
  EXPECT_EQ(walk(two, {280, 290, 298, 302, 304}).in, 1) << "two observations past the line, then gone";
  line_counter one{{door}, {}};
  EXPECT_EQ(walk(one, {280, 290, 298, 302}).in, 0) << "one observation past the line is noise";
}

TEST(line_counter, a_person_appearing_inside_the_band_has_the_side_they_appeared_on) {
  line_counter c{{door}, {}};
  const auto t = walk(c, {303, 301, 296, 290, 280});  // appears just below, walks up
  EXPECT_EQ(t.out, 1);
}

struct golden_case {
  std::string name;
};

class line_counter_golden : public ::testing::TestWithParam<std::string> {};

TEST_P(line_counter_golden, counts_the_recorded_tracks_as_expected) {
  const std::filesystem::path dir = std::filesystem::path(KELU_TEST_DATA) / "vision" / GetParam();
  const auto spec = nlohmann::json::parse(test::slurp(dir / "case.json"));
  const auto expected = nlohmann::json::parse(test::slurp(dir / "expected.json"));
  std::vector<counting_line> lines;
  for (const auto& l : spec["lines"])
    lines.push_back({l["name"], {l["a"][0], l["a"][1]}, {l["b"][0], l["b"][1]}});
  line_counter c{lines, {.frame_width = spec["frame"][0], .frame_height = spec["frame"][1]}};
  const auto rows = load_box_file((dir / "tracks.csv").string());
  ASSERT_TRUE(rows) << rows.error_message();
  std::int64_t last = 0;
  for (const auto& r : *rows) last = std::max(last, r.frame);
  for (const auto& f : tracks_by_frame(*rows, 0, 0, last, spec["fps"])) c.update(f);
  c.finish();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(c.totals()[i].in, expected[lines[i].name]["in"].get<std::int64_t>()) << lines[i].name;
    EXPECT_EQ(c.totals()[i].out, expected[lines[i].name]["out"].get<std::int64_t>()) << lines[i].name;
  }
  EXPECT_EQ(c.tracked(), 0u);
}

INSTANTIATE_TEST_SUITE_P(cases, line_counter_golden, ::testing::Values("door_overhead", "edge_line"));

TEST(line_counter, pets2009_annotations_give_the_published_counts) {
  const std::string path = std::string(KELU_SHARED_DATA) + "/pets2009-s2l1/gt-frames-0-399.csv";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no " << path << " (../shared absent)";
  const auto rows = load_box_file(path);
  ASSERT_TRUE(rows) << rows.error_message();
  line_counter c{{door}, {.frame_width = 768, .frame_height = 576}};
  for (const auto& f : tracks_by_frame(*rows, 0, 0, 399, 7)) c.update(f);
  c.finish();
  EXPECT_EQ(c.totals()[0].in, 7);
  EXPECT_EQ(c.totals()[0].out, 10);
}

}  // namespace
}  // namespace kelu::vision
