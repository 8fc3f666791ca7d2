// SPDX-License-Identifier: Apache-2.0
// Lines and zones drawn in the browser, kept beside the database: they override the config's
// for the cameras they name, survive a reload, and a bad file never loses the config's.
#include <gtest/gtest.h>

#include <fstream>

#include "agent/calibration.hpp"
#include "agent/connection_probe.hpp"
#include "config/loader.hpp"
#include "config/schema.hpp"
#include "support/temp_dir.hpp"

namespace kelu {
namespace {

using nlohmann::json;

config::config two_cameras() {
  auto loaded = config::load_text(R"({
    "store": {"tenant": "acme", "id": "sh-001", "time_zone": "Asia/Shanghai", "currency": "CNY"},
    "mqtt": {"uri": "tcp://127.0.0.1:1883"},
    "cameras": [
      {"id": "door", "url": "/dev/video0", "lines": [{"name": "door", "from": [0, 300], "to": [640, 300]}]},
      {"id": "back", "url": "/dev/video1", "zones": [{"name": "till", "polygon": [[0, 0], [10, 0], [10, 10]]}]}
    ]})");
  EXPECT_TRUE(loaded.ok()) << (loaded.errors.empty() ? "" : loaded.errors[0].to_string());
  return loaded.value;
}

TEST(calibration, saved_lines_replace_the_configs_for_that_camera_only_and_read_back) {
  test::temp_dir dir;
  const auto file = dir.file("calibration.json");
  auto missing = load_calibration(file);
  ASSERT_TRUE(missing);
  EXPECT_TRUE(missing->cameras.empty());

  calibration cal;
  cal.cameras["door"] = {{"lines", json::array({{{"name", "entry"}, {"from", {10, 250}}, {"to", {630, 260}}, {"role", "entrance"}}})},
                         {"zones", json::array()},
                         {"saved_at", "2026-11-28T09:00:00Z"}};
  ASSERT_TRUE(save_calibration(file, cal));
  const auto back = load_calibration(file);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->cameras.at("door"), cal.cameras.at("door"));

  std::vector<std::string> used, problems;
  const auto c = with_calibration(two_cameras(), *back, &used, &problems);
  EXPECT_EQ(used, std::vector<std::string>{"door"});
  EXPECT_TRUE(problems.empty());
  ASSERT_EQ(c.cameras[0].lines.size(), 1u);
  EXPECT_EQ(c.cameras[0].lines[0].name, "entry");
  EXPECT_EQ(c.cameras[0].lines[0].from, (config::point_config{10, 250}));
  EXPECT_EQ(c.cameras[1].zones, two_cameras().cameras[1].zones);  // not in the file: the config's
  // The effective config changes its hash (HQ sees what the box runs).
  EXPECT_NE(config::hash(c), config::hash(two_cameras()));
}

TEST(calibration, an_entry_that_no_longer_checks_keeps_the_configs_lines_and_says_why) {
  calibration cal;
  cal.cameras["door"] = {{"lines", json::array({{{"name", "bad name"}, {"from", {0, 0}}, {"to", {1, 1}}}})}};
  std::vector<std::string> used, problems;
  const auto c = with_calibration(two_cameras(), cal, &used, &problems);
  EXPECT_TRUE(used.empty());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].find("calibration.json: cameras.door.lines[0].name"), 0u) << problems[0];
  EXPECT_EQ(c.cameras[0].lines, two_cameras().cameras[0].lines);
}

TEST(calibration, a_damaged_file_is_an_error_naming_it) {
  test::temp_dir dir;
  const auto file = dir.file("calibration.json");
  for (const char* text : {"{not json", R"({"cameras": []})", R"({"cameras": {"door": 3}})"}) {
    std::ofstream(file) << text;
    const auto r = load_calibration(file);
    ASSERT_FALSE(r) << text;
    EXPECT_EQ(r.error_message().find(file), 0u) << r.error_message();
  }
}

TEST(set_geometry, checks_lines_and_zones_as_the_config_file_does) {
  auto cam = two_cameras().cameras[0];
  EXPECT_FALSE(config::set_geometry(cam, {{"lines", json::array({{{"name", "a"}, {"from", {0, 0}}, {"to", {5, 5}}}})}}));
  EXPECT_EQ(cam.lines[0].role, "entrance");  // the default, as in the file
  const auto before = cam;
  EXPECT_EQ(*config::set_geometry(cam, {{"lines", json::array({{{"name", "a"}, {"from", {0, 0}}, {"to", {0, 0}}}})}}),
            ".lines[0]: from and to are the same point");
  EXPECT_EQ(*config::set_geometry(cam, {{"url", "x"}}), ".url: unknown key (only lines and zones)");
  EXPECT_EQ(config::set_geometry(cam, {{"zones", json::array({{{"name", "z"}, {"polygon", {{0, 0}, {1, 1}}}}})}})->substr(0, 12),
            ".zones[0].po");
  EXPECT_EQ(cam, before);  // unchanged by a refusal
  EXPECT_EQ(config::geometry_json(cam)["lines"][0]["name"], "a");
}

TEST(connection_probe, reads_host_and_port_from_broker_uris) {
  EXPECT_EQ(host_and_port("tcp://10.0.0.2:1884", "1883").value(), (std::pair<std::string, std::string>{"10.0.0.2", "1884"}));
  EXPECT_EQ(host_and_port("ssl://hq.example.com", "1883").value(),
            (std::pair<std::string, std::string>{"hq.example.com", "8883"}));
  EXPECT_EQ(host_and_port("mqtt://[::1]:1999", "1883").value(), (std::pair<std::string, std::string>{"::1", "1999"}));
  EXPECT_EQ(host_and_port("printer:9100", "9100").value(), (std::pair<std::string, std::string>{"printer", "9100"}));
  EXPECT_FALSE(host_and_port("tcp://", "1883"));
}

}  // namespace
}  // namespace kelu
