// SPDX-License-Identifier: Apache-2.0
// HQ's desired document: versions, merge patches, and the device-twin precedence over the file.
#include <gtest/gtest.h>

#include "config/desired_config.hpp"
#include "config/loader.hpp"

namespace kelu::config {
namespace {

using nlohmann::json;

desired_message read(const json& payload, const desired_state& s) { return read_desired(payload.dump(), s); }

TEST(desired_config, versions_only_grow_and_a_repeat_is_ignored_silently) {
  desired_state s;
  auto m = read({{"version", 3}, {"config", {{"log", {{"level", "debug"}}}}}}, s);
  ASSERT_EQ(m.verdict, desired_verdict::accept) << m.reason;
  EXPECT_EQ(m.version, 3);
  EXPECT_EQ(m.document, (json{{"log", {{"level", "debug"}}}}));
  s = {3, 3, m.document, json::object()};
  // The retained message after a reconnect, and an older one delayed in flight.
  EXPECT_EQ(read({{"version", 3}, {"config", json::object()}}, s).verdict, desired_verdict::ignore);
  EXPECT_EQ(read({{"version", 2}, {"config", json::object()}}, s).verdict, desired_verdict::ignore);
  EXPECT_EQ(read({{"version", 4}, {"config", json::object()}}, s).verdict, desired_verdict::accept);
}

TEST(desired_config, malformed_envelopes_are_refused_with_the_reason) {
  const desired_state s;
  const auto reason = [&](const std::string& payload) { return read_desired(payload, s).reason; };
  EXPECT_NE(reason("not json").find("not a JSON object"), std::string::npos);
  EXPECT_NE(reason(R"({"store": {"tenant": "a"}})").find("no \"version\""), std::string::npos);
  EXPECT_NE(reason(R"({"version": 0, "config": {}})").find("version: expected an integer from 1"), std::string::npos);
  EXPECT_NE(reason(R"({"version": 1})").find("exactly one of"), std::string::npos);
  EXPECT_NE(reason(R"({"version": 1, "config": {}, "patch": {}})").find("exactly one of"), std::string::npos);
  EXPECT_NE(reason(R"({"version": 1, "config": [], "x": 1})").find("x: unknown key"), std::string::npos);
  EXPECT_NE(reason(R"({"version": 1, "patch": {}})").find("base_version"), std::string::npos);
  for (const auto* p : {"not json", R"({"version": 1})"})
    EXPECT_EQ(read_desired(p, s).verdict, desired_verdict::refuse) << p;
}

// RFC 7386: objects merge, null removes, arrays are replaced whole.
TEST(desired_config, a_merge_patch_applies_to_the_version_it_names_only) {
  desired_state s{7, 7,
                  {{"mqtt", {{"uri", "tcp://a:1883"}, {"keep_alive_s", 30}}},
                   {"alerts", json::array({{{"name", "x"}}})}},
                  json::object()};
  auto m = read({{"version", 8},
                 {"base_version", 7},
                 {"patch", {{"mqtt", {{"keep_alive_s", nullptr}, {"uri", "tcp://b:1883"}}}, {"alerts", json::array()}}}},
                s);
  ASSERT_EQ(m.verdict, desired_verdict::accept) << m.reason;
  EXPECT_EQ(m.document, (json{{"mqtt", {{"uri", "tcp://b:1883"}}}, {"alerts", json::array()}}));

  const auto other = read({{"version", 9}, {"base_version", 6}, {"patch", json::object()}}, s);
  EXPECT_EQ(other.verdict, desired_verdict::refuse);
  EXPECT_NE(other.reason.find("applies to version 6, this box runs version 7: send the whole document"),
            std::string::npos)
      << other.reason;
  EXPECT_EQ(other.version, 9);  // the refusal answers version 9: HQ matches it to what it sent
  // After a rollback the box runs an older document than the last version it saw: a patch of the
  // version it saw would be applied to the wrong base.
  s.version = 8;
  EXPECT_EQ(read({{"version", 9}, {"base_version", 8}, {"patch", json::object()}}, s).verdict,
            desired_verdict::refuse);
}

// The device-twin rule: HQ wins for what it names, the file for the rest, a local change for now.
TEST(desired_config, hq_names_keys_the_file_keeps_the_rest_and_local_changes_drift) {
  const json file{{"store", {{"tenant", "acme"}, {"id", "s1"}}},
                  {"mqtt", {{"uri", "tcp://file:1883"}}},
                  {"log", {{"level", "warn"}}}};
  desired_state s{5, 5, {{"mqtt", {{"uri", "tcp://hq:1883"}}}, {"health", {{"interval_s", 30}}}}, json::object()};
  auto running = load_text(layered(file, s).dump());
  ASSERT_TRUE(running.ok()) << running.errors[0].to_string();
  EXPECT_EQ(running.value.mqtt.uri, "tcp://hq:1883");
  EXPECT_EQ(running.value.health.interval_s, 30);
  EXPECT_EQ(running.value.log.level, "warn");
  EXPECT_EQ(named_paths(s.document), (std::vector<std::string>{"health.interval_s", "mqtt.uri"}));

  // The technician edits the file: a key HQ names runs the file's value for now (drift), a key
  // HQ does not name is simply the file's.
  auto edited = file;
  edited["mqtt"]["uri"] = "tcp://local:1883";
  edited["log"]["level"] = "debug";
  s.local = with_drift(s.local, file, edited, s.document);
  EXPECT_EQ(named_paths(s.local), (std::vector<std::string>{"mqtt.uri"}));
  running = load_text(layered(edited, s).dump());
  EXPECT_EQ(running.value.mqtt.uri, "tcp://local:1883");
  EXPECT_EQ(running.value.log.level, "debug");

  // Dropping the key from the file keeps the override: its default, not HQ's, until HQ's next version.
  auto dropped = edited;
  dropped["mqtt"].erase("uri");
  s.local = with_drift(s.local, edited, dropped, s.document);
  running = load_text(layered(dropped, s).dump());
  EXPECT_EQ(running.value.mqtt.uri, "tcp://localhost:1883");
}

TEST(desired_config, the_state_survives_a_restart_as_text_and_bad_text_is_named) {
  const desired_state s{9, 8, {{"log", {{"level", "debug"}}}}, {{"mqtt", {{"uri", "tcp://x:1"}}}}};
  desired_state back;
  std::string why;
  ASSERT_TRUE(from_text(to_text(s), back, why)) << why;
  EXPECT_EQ(back.version, 9);
  EXPECT_EQ(back.applied_version, 8);
  EXPECT_EQ(back.document, s.document);
  EXPECT_EQ(back.local, s.local);
  EXPECT_FALSE(from_text("{\"version\": 1}", back, why));
  EXPECT_EQ(why, "applied_version: expected an integer");
  EXPECT_FALSE(from_text("", back, why));
}

}  // namespace
}  // namespace kelu::config
