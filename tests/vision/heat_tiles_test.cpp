// SPDX-License-Identifier: Apache-2.0
// Heat-map tiles follow the store's local hours and days, whatever the offset or the season.
#include <gtest/gtest.h>

#include "camera/heat_tiles.hpp"

namespace kelu::camera {
namespace {

core::utc_time at(const char* iso) { return *core::parse_iso8601(iso); }

TEST(heat_tiles, hours_close_on_the_stores_local_hour_and_carry_its_cells) {
  // Kolkata is UTC+05:30: its hours start at half past in UTC.
  heat_tiles tiles{"door", *core::time_zone::load("Asia/Kolkata")};
  vision::heat_grid grid{2, 2, 100, 100};
  tiles.start(at("2026-11-27T04:10:00Z"), 100, 100, grid);  // 09:40 local
  grid.add({10, 10}, 1.25);
  EXPECT_TRUE(tiles.advance(at("2026-11-27T04:29:59.900Z"), grid).empty());
  const auto closed = tiles.advance(at("2026-11-27T04:30:00.100Z"), grid);  // 10:00:00.1 local
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].period, "hour");
  EXPECT_EQ(closed[0].start, at("2026-11-27T03:30:00Z"));
  EXPECT_EQ(closed[0].end, at("2026-11-27T04:30:00Z"));
  EXPECT_EQ(closed[0].cells_ds, (std::vector<std::int64_t>{13, 0, 0, 0}));  // 1.25 s → 12.5 → 13 tenths
  EXPECT_EQ(closed[0].frame_width, 100);
  EXPECT_DOUBLE_EQ(grid.total(), 0) << "the grid starts the next hour empty";
}

TEST(heat_tiles, a_day_when_the_clocks_go_back_is_25_hours_and_its_repeated_hour_is_one_tile) {
  heat_tiles tiles{"door", *core::time_zone::load("Europe/Berlin")};
  vision::heat_grid grid{1, 1, 10, 10};
  // 25 October 2026: CEST → CET at 03:00 local. Local midnight is 22:00 UTC the day before.
  tiles.start(at("2026-10-24T22:00:00Z"), 10, 10, grid);
  std::vector<core::heatmap_tile> all;
  for (int h = 0; h <= 25; ++h) {  // a frame at half past every UTC hour, each bringing a person-second
    const auto t = at("2026-10-24T22:30:00Z") + std::chrono::hours(h);
    for (auto& tile : tiles.advance(t, grid)) all.push_back(tile);
    grid.add({5, 5}, 1.0);
  }
  const auto day = std::find_if(all.begin(), all.end(), [](auto& t) { return t.period == "day"; });
  ASSERT_NE(day, all.end());
  EXPECT_EQ(day->start, at("2026-10-24T22:00:00Z"));
  EXPECT_EQ(day->end, at("2026-10-25T23:00:00Z")) << "25 hours";
  EXPECT_EQ(day->cells_ds, (std::vector<std::int64_t>{250})) << "one person-second in each of its 25 hours";
  // The wall clock shows 02:00-03:00 twice; the store sees one hour tile spanning both.
  std::vector<core::heatmap_tile> hours(all.begin(), day);
  ASSERT_EQ(hours.size(), 24u);
  const auto repeated = std::find_if(hours.begin(), hours.end(), [](auto& t) { return t.start == at("2026-10-25T00:00:00Z"); });
  ASSERT_NE(repeated, hours.end());
  EXPECT_EQ(repeated->end, at("2026-10-25T02:00:00Z"));
  EXPECT_EQ(repeated->cells_ds, (std::vector<std::int64_t>{20}));
}

}  // namespace
}  // namespace kelu::camera
