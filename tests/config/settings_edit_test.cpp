// SPDX-License-Identifier: Apache-2.0
// The technician page's settings: what it may name, how its layer changes, what it never sees
// (secrets) and what it is shown before applying (the value diff).
#include <gtest/gtest.h>

#include "config/schema.hpp"
#include "config/secrets.hpp"
#include "config/settings_edit.hpp"
#include "config/value_diff.hpp"

namespace kelu::config {
namespace {

using nlohmann::json;

std::string refusal(const json& body) {
  settings_edit e;
  return read_settings_edit(body, e).value_or("");
}

TEST(settings_edit, names_only_keys_the_table_declares_and_says_which_one_is_wrong) {
  EXPECT_EQ(refusal({{"set", {{"mqtt.urx", "tcp://x:1"}}}}), "set.mqtt.urx: no such key");
  EXPECT_EQ(refusal({{"set", {{"cameras[].url", "x"}}}}), "set.cameras[].url: no such key");  // with its array
  EXPECT_EQ(refusal({{"set", {{"log.level", nullptr}}}}), "set.log.level: null is not a value (reset the key instead)");
  EXPECT_EQ(refusal({{"reset", {"log.level", 7}}}), "reset[1]: no such key: 7");
  EXPECT_EQ(refusal({{"sett", json::object()}}), "sett: unknown key (expected set, reset)");
  EXPECT_EQ(refusal(json::object()), "nothing to change");
  EXPECT_EQ(refusal(json::array()), "expected {\"set\": {...}, \"reset\": [...]}");
  settings_edit e;
  ASSERT_FALSE(read_settings_edit({{"set", {{"cameras", json::array()}, {"log.level", "debug"}}}, {"reset", {"mqtt.uri"}}}, e));
  EXPECT_EQ(edited_paths(e), (std::vector<std::string>{"cameras", "log.level", "mqtt.uri"}));
}

TEST(settings_edit, sets_and_resets_keys_in_the_technicians_layer_and_drops_what_empties) {
  settings_edit e;
  ASSERT_FALSE(read_settings_edit({{"set", {{"sources.pos_tcp.port", 9760}, {"log.level", "debug"}}}}, e));
  auto layer = apply_settings_edit(json::object(), e, json::object());
  EXPECT_EQ(layer, (json{{"sources", {{"pos_tcp", {{"port", 9760}}}}}, {"log", {{"level", "debug"}}}}));
  ASSERT_FALSE(read_settings_edit({{"reset", {"sources.pos_tcp.port", "mqtt.uri"}}}, e));
  layer = apply_settings_edit(layer, e, json::object());
  EXPECT_EQ(layer, (json{{"log", {{"level", "debug"}}}}));  // no empty "sources": {"pos_tcp": {}} left behind
}

TEST(settings_edit, a_masked_value_sent_back_unchanged_keeps_the_running_secret) {
  const json running{{"mqtt", {{"uri", "tcp://hq:1883"}, {"password", "s3cret"}}},
                     {"cameras", {{{"id", "door"}, {"url", "rtsp://cam:pw@10.0.0.9/s"}, {"detector", "bgs"}},
                                  {{"id", "aisle"}, {"url", "rtsp://10.0.0.8/s"}, {"detector", "bgs"}}}}};
  const auto shown = masked(running);
  EXPECT_EQ(shown["mqtt"]["password"], "***");
  EXPECT_EQ(shown["cameras"][0]["url"], "rtsp://cam:***@10.0.0.9/s");
  // The page changes the door's detector and swaps the cameras' order; passwords stay unseen.
  json cameras = json::array({shown["cameras"][1], shown["cameras"][0]});
  cameras[1]["detector"] = "dnn";
  settings_edit e;
  ASSERT_FALSE(read_settings_edit({{"set", {{"cameras", cameras}, {"mqtt.password", "***"}}}}, e));
  const auto layer = apply_settings_edit(json::object(), e, running);
  EXPECT_EQ(layer["mqtt"]["password"], "s3cret");
  EXPECT_EQ(layer["cameras"][1]["url"], "rtsp://cam:pw@10.0.0.9/s");
  EXPECT_EQ(layer["cameras"][1]["detector"], "dnn");
  // A new password is taken as typed.
  ASSERT_FALSE(read_settings_edit({{"set", {{"mqtt.password", "n3w"}}}}, e));
  EXPECT_EQ(apply_settings_edit(json::object(), e, running)["mqtt"]["password"], "n3w");
}

TEST(secrets, chat_webhook_urls_and_passwords_are_hidden_device_urls_keep_their_address) {
  const auto shown = masked({{"notify", {{"wecom", {{"url", "https://qyapi.weixin.qq.com/send?key=K"}}},
                                         {"dingtalk", {{"secret", "S"}, {"url", ""}}}}},
                             {"counters", {{{"id", "c1"}, {"url", "http://u:p@10.0.0.7"}, {"token", "T"}}}},
                             {"sources", {{"webhook", {{"secrets_file", "/etc/kelu/hooks"}}}}}});
  EXPECT_EQ(shown["notify"]["wecom"]["url"], "***");
  EXPECT_EQ(shown["notify"]["dingtalk"]["secret"], "***");
  EXPECT_EQ(shown["notify"]["dingtalk"]["url"], "");  // not set is not a secret
  EXPECT_EQ(shown["counters"][0]["url"], "http://u:***@10.0.0.7");
  EXPECT_EQ(shown["counters"][0]["token"], "***");
  EXPECT_EQ(shown["sources"]["webhook"]["secrets_file"], "/etc/kelu/hooks");  // where, not what
}

TEST(value_diff, names_array_elements_by_id_and_masks_what_it_shows) {
  const json before{{"mqtt", {{"uri", "tcp://a:1883"}, {"password", "old"}}},
                    {"cameras", {{{"id", "door"}, {"url", "rtsp://a"}}, {{"id", "back"}, {"url", "rtsp://b"}}}},
                    {"alerts", json::array()}};
  json after = before;
  after["mqtt"]["password"] = "new";
  after["cameras"][0]["url"] = "rtsp://u:pw@c";
  after["cameras"].erase(1);
  after["alerts"].push_back({{"name", "quiet"}, {"metric", "visitors"}});
  const auto d = to_json(value_diff(before, after));
  // Sections in the JSON's (sorted) order, elements in the array's.
  EXPECT_EQ(d, (json{{{"key", "alerts[quiet]"}, {"from", nullptr}, {"to", {{"name", "quiet"}, {"metric", "visitors"}}}},
                     {{"key", "cameras[door].url"}, {"from", "rtsp://a"}, {"to", "rtsp://u:***@c"}},
                     {{"key", "cameras[back]"}, {"from", {{"id", "back"}, {"url", "rtsp://b"}}}, {"to", nullptr}},
                     {{"key", "mqtt.password"}, {"from", "***"}, {"to", "***"}}}))
      << d.dump(1);
}

// Minimal mode reads what it can of a file that does not load: each key that loads on its own.
TEST(salvage, keeps_each_key_that_loads_alone_and_defaults_the_rest) {
  const auto c = salvage({{"store", {{"time_zone", "Mars/Olympus"}, {"id", "sh-001"}}},
                          {"storage", {{"path", "/data/kelu/kelu.db"}}},
                          {"dashboard", {{"port", 70000}, {"technician_password", "pbkdf2-sha256$1$s$h"}}},
                          {"nonsense", true}});
  EXPECT_EQ(c.storage.path, "/data/kelu/kelu.db");
  EXPECT_EQ(c.store.id, "sh-001");
  EXPECT_EQ(c.store.time_zone, defaults().store.time_zone);  // not a zone: the default
  EXPECT_EQ(c.dashboard.port, defaults().dashboard.port);    // out of range: the default
  EXPECT_EQ(c.dashboard.technician_password, "pbkdf2-sha256$1$s$h");
  EXPECT_EQ(salvage(json::array()).storage.path, defaults().storage.path);
}

}  // namespace
}  // namespace kelu::config
