// SPDX-License-Identifier: Apache-2.0
// Heat-map tiles follow the store's local hours and days, whatever the offset or the season.
#include <gtest/gtest.h>

#include <fstream>

#include "camera/heat_checkpoint.hpp"
#include "camera/heat_tiles.hpp"
#include "support/temp_dir.hpp"

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

// A restart carries the heat on: within the hour it goes on in the grid; in a later hour the
// saved hour closes as a tile of its own and joins the day; on a later day both close.
TEST(heat_tiles, a_restart_carries_the_hour_and_the_day_in_progress_on) {
  const auto zone = *core::time_zone::load("Asia/Shanghai");  // UTC+8: local midnight is 16:00Z
  heat_tiles before{"door", zone};
  vision::heat_grid g1{2, 1, 100, 100};
  before.start(at("2026-11-27T01:10:00Z"), 100, 100, g1);  // 09:10 local
  g1.add({10, 10}, 2.0);
  ASSERT_EQ(before.advance(at("2026-11-27T02:00:01Z"), g1).size(), 1u);  // 09:00 closes, 2 s into the day
  g1.add({60, 10}, 3.0);
  const auto saved = before.progress(g1);
  EXPECT_EQ(saved.hour_start, at("2026-11-27T02:00:00Z"));
  EXPECT_EQ(saved.day_cells, (std::vector<double>{2.0, 0.0}));
  EXPECT_EQ(saved.hour_cells, (std::vector<double>{0.0, 3.0}));

  {  // Back within the same hour: the grid goes on from 3 s; the day from 2 s.
    heat_tiles after{"door", zone};
    vision::heat_grid g2{2, 1, 100, 100};
    after.start(at("2026-11-27T02:20:00Z"), 100, 100, g2);
    EXPECT_TRUE(after.resume(saved, g2).empty());
    EXPECT_EQ(g2.cells(), (std::vector<double>{0.0, 3.0}));
    g2.add({60, 10}, 1.0);
    const auto closed = after.advance(at("2026-11-27T03:00:01Z"), g2);
    ASSERT_EQ(closed.size(), 1u);
    EXPECT_EQ(closed[0].cells_ds, (std::vector<std::int64_t>{0, 40}));
    EXPECT_EQ(after.progress(g2).day_cells, (std::vector<double>{2.0, 4.0}));
  }
  {  // Back two hours later: the saved hour closes now, at its own end, and joins the day.
    heat_tiles after{"door", zone};
    vision::heat_grid g2{2, 1, 100, 100};
    after.start(at("2026-11-27T04:05:00Z"), 100, 100, g2);
    const auto closed = after.resume(saved, g2);
    ASSERT_EQ(closed.size(), 1u);
    EXPECT_EQ(closed[0].period, "hour");
    EXPECT_EQ(closed[0].start, at("2026-11-27T02:00:00Z"));
    EXPECT_EQ(closed[0].end, at("2026-11-27T03:00:00Z"));
    EXPECT_EQ(closed[0].cells_ds, (std::vector<std::int64_t>{0, 30}));
    EXPECT_DOUBLE_EQ(g2.total(), 0);
    EXPECT_EQ(after.progress(g2).day_cells, (std::vector<double>{2.0, 3.0}));
  }
  {  // Back the next day: the saved hour and day close.
    heat_tiles after{"door", zone};
    vision::heat_grid g2{2, 1, 100, 100};
    after.start(at("2026-11-28T01:00:00Z"), 100, 100, g2);
    const auto closed = after.resume(saved, g2);
    ASSERT_EQ(closed.size(), 2u);
    EXPECT_EQ(closed[1].period, "day");
    EXPECT_EQ(closed[1].start, at("2026-11-26T16:00:00Z"));
    EXPECT_EQ(closed[1].cells_ds, (std::vector<std::int64_t>{20, 30}));
    EXPECT_EQ(after.progress(g2).day_cells, (std::vector<double>{0.0, 0.0}));
  }
  {  // A grid of another shape (heat_cols changed), or a checkpoint from the future: nothing carried.
    heat_tiles after{"door", zone};
    vision::heat_grid g2{3, 1, 100, 100};
    after.start(at("2026-11-27T02:20:00Z"), 100, 100, g2);
    EXPECT_TRUE(after.resume(saved, g2).empty());
    EXPECT_DOUBLE_EQ(g2.total(), 0);
    heat_tiles earlier{"door", zone};
    vision::heat_grid g3{2, 1, 100, 100};
    earlier.start(at("2026-11-27T01:20:00Z"), 100, 100, g3);
    EXPECT_TRUE(earlier.resume(saved, g3).empty());
    EXPECT_DOUBLE_EQ(g3.total(), 0);
  }
}

TEST(heat_checkpoint, keeps_the_progress_and_names_what_is_wrong_with_a_damaged_file) {
  test::temp_dir dir;
  const auto file = heat_checkpoint_file(dir.file("kelu.db"), "door");
  EXPECT_EQ(file, dir.path() / "heat-door.json");
  heat_checkpoint c{file, std::chrono::seconds(60)};
  const auto none = c.load();
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none) << "no file yet: nothing to carry";
  const heat_progress p{at("2026-11-27T02:00:00Z"), at("2026-11-26T16:00:00Z"), 2, 1, {0.0, 3.5}, {2.25, 0.0}};
  const auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  EXPECT_TRUE(c.due(t0));
  ASSERT_TRUE(c.save(p, t0));
  EXPECT_FALSE(c.due(t0 + std::chrono::seconds(59)));
  EXPECT_TRUE(c.due(t0 + std::chrono::seconds(60)));
  const auto back = c.load();
  ASSERT_TRUE(back && *back);
  EXPECT_EQ(**back, p);

  for (const auto& [text, named] : std::vector<std::pair<std::string, std::string>>{
           {"{", "not JSON"},
           {R"({"version":2})", "version"},
           {R"({"version":1,"hour_start":"soon","day_start":"2026-11-26T16:00:00Z","cols":2,"rows":1})", "hour_start"},
           {R"({"version":1,"hour_start":"2026-11-27T02:00:00Z","day_start":"2026-11-26T16:00:00Z","cols":2,"rows":1,)"
            R"("hour_cells":[1],"day_cells":[0,0]})",
            "hour_cells: expected an array of 2 numbers"}}) {
    std::ofstream(file) << text;
    const auto r = c.load();
    ASSERT_FALSE(r) << text;
    EXPECT_NE(r.error_message().find(file.string()), std::string::npos) << r.error_message();
    EXPECT_NE(r.error_message().find(named), std::string::npos) << r.error_message();
  }
}

}  // namespace
}  // namespace kelu::camera
