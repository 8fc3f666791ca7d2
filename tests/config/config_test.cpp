// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <set>

#include <algorithm>
#include <fstream>

#include "config/change_plan.hpp"
#include "config/loader.hpp"
#include "config/schema.hpp"

namespace kelu::config {
namespace {

const std::string data_dir = KELU_TEST_DATA "/config/";

const load_error* find(const load_result& r, const std::string& key) {
  const auto it = std::find_if(r.errors.begin(), r.errors.end(), [&](const load_error& e) { return e.key_path == key; });
  return it == r.errors.end() ? nullptr : &*it;
}

TEST(config, minimal_file_gets_defaults_and_comments_are_accepted) {
  const auto r = load_file(data_dir + "minimal.jsonc");
  ASSERT_TRUE(r.ok()) << r.errors.front().to_string();
  EXPECT_EQ(r.value.store.tenant, "acme");
  EXPECT_EQ(r.value.store.time_zone, "Asia/Shanghai");
  EXPECT_EQ(r.value.mqtt.keep_alive_s, 30);
  EXPECT_EQ(r.value.sources.pos_tcp.port, 9750);
  EXPECT_EQ(effective_client_id(r.value), "kelu-acme-sh-001");
}

// A back office's layout is a preset file; the store's own keys win, key by key and column by
// column. The presets shipped in config/presets/csv/ load without an error.
TEST(config, a_csv_preset_fills_what_the_file_does_not_set) {
  const std::string dir = KELU_SOURCE_DIR "/config/presets/csv";
  const auto r = load_text(R"({"store": {"tenant": "acme", "id": "sh-001"},
    "sources": {"csv": {"enabled": true, "folder": "/tmp/x", "preset": "zh-lines", "preset_dir": ")" + dir + R"(",
                        "encoding": "GBK", "columns": {"salesperson": "营业员"}}}})",
                           "kelu.json");
  ASSERT_TRUE(r.ok()) << r.errors.front().to_string();
  const auto& csv = r.value.sources.csv;
  EXPECT_EQ(csv.columns.transaction, "单号");  // the preset's
  EXPECT_EQ(csv.columns.total, "实收");
  EXPECT_EQ(csv.columns.return_flag, "退货");
  EXPECT_EQ(csv.columns.salesperson, "营业员");  // the file's own
  EXPECT_EQ(csv.encoding, "GBK");
  EXPECT_EQ(csv.preset, "zh-lines");
  for (const char* name : {"zh-receipts", "uci-online-retail"}) {
    const auto other = load_text(R"({"store": {"tenant": "acme", "id": "sh-001"},
      "sources": {"csv": {"preset": ")" + std::string(name) + R"(", "preset_dir": ")" + dir + R"("}}})",
                                 "kelu.json");
    EXPECT_TRUE(other.ok()) << name << ": " << other.errors.front().to_string();
  }
  const auto missing = load_text(R"({"store": {"tenant": "acme", "id": "sh-001"},
    "sources": {"csv": {"preset": "no-such-back-office", "preset_dir": ")" + dir + R"("}}})",
                                 "kelu.json");
  const auto* e = find(missing, "sources.csv.preset");
  ASSERT_NE(e, nullptr);
  EXPECT_NE(e->message.find("no-such-back-office.json"), std::string::npos) << e->message;
  EXPECT_EQ(e->line, 2);
  const auto encoding = load_text(R"({"store": {"tenant": "acme", "id": "sh-001"},
    "sources": {"csv": {"encoding": "KLINGON-8"}}})",
                                  "kelu.json");
  ASSERT_NE(find(encoding, "sources.csv.encoding"), nullptr);
}

TEST(config, every_error_is_reported_with_line_and_key_path) {
  const auto r = load_file(data_dir + "many_errors.jsonc");
  ASSERT_FALSE(r.ok());
  struct expect {
    const char* key;
    int line;
    const char* words;
  };
  for (const auto& e : {expect{"store.tenant", 3, "may contain only"}, expect{"store.time_zone", 5, "IANA"},
                        expect{"mqtt.keep_alive_s", 8, "outside 5..3600"}, expect{"mqtt.max_inflight", 9, "integer"},
                        expect{"mqtt.urii", 10, "did you mean \"mqtt.uri\""},
                        expect{"sources.pos_tcp.port", 12, "outside 0..65535"},
                        expect{"sources.pos_tcp.enabled", 12, "true or false"}, expect{"storage", 13, "section"}}) {
    const auto* got = find(r, e.key);
    ASSERT_NE(got, nullptr) << "no error for " << e.key;
    EXPECT_EQ(got->line, e.line) << e.key;
    EXPECT_NE(got->message.find(e.words), std::string::npos) << got->to_string();
    EXPECT_NE(got->to_string().find("many_errors.jsonc:" + std::to_string(e.line) + ": " + e.key),
              std::string::npos);
  }
  EXPECT_EQ(r.errors.size(), 8u);
  EXPECT_TRUE(std::is_sorted(r.errors.begin(), r.errors.end(),
                             [](const load_error& a, const load_error& b) { return a.line < b.line; }));
}

TEST(config, syntax_error_names_line_and_column) {
  const auto r = load_text("{\n  \"store\": {\n    \"tenant\": \"a\",,\n  }\n}", "broken.json");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 3);
  EXPECT_NE(r.errors[0].to_string().find("broken.json:3: column 19: syntax error"), std::string::npos)
      << r.errors[0].to_string();
}

TEST(config, required_keys_missing_are_named) {
  const auto r = load_text("{}");
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_NE(find(r, "store.tenant"), nullptr);
  EXPECT_NE(find(r, "store.id"), nullptr);
}

TEST(config, not_an_object_and_missing_file_are_errors) {
  EXPECT_FALSE(load_text("[1,2]").ok());
  const auto r = load_file("/nonexistent/kelu.json");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].to_string().find("/nonexistent/kelu.json: cannot open"), std::string::npos);
}

TEST(config, cross_key_constraints) {
  const auto r = load_text(
      R"({"store":{"tenant":"a","id":"b"},"mqtt":{"reconnect_min_ms":5000,"reconnect_max_ms":1000}})");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].key_path, "mqtt.reconnect_min_ms");
}

TEST(config, the_dashboards_certificate_and_key_go_together_and_must_exist) {
  const auto r = load_text(R"({"store":{"tenant":"a","id":"b"},
    "dashboard":{"tls":true,"tls_cert":")" KELU_TEST_DATA R"(/config/minimal.jsonc"}})");
  ASSERT_EQ(r.errors.size(), 1u) << r.errors.front().to_string();
  EXPECT_EQ(r.errors[0].key_path, "dashboard.tls_key");
  EXPECT_NE(r.errors[0].message.find("neither for a self-signed one"), std::string::npos) << r.errors[0].message;
  const auto missing = load_text(R"({"store":{"tenant":"a","id":"b"},
    "dashboard":{"tls_cert":"/nonexistent/box.pem","tls_key":"/nonexistent/box.key"}})");
  ASSERT_EQ(missing.errors.size(), 2u);
  EXPECT_EQ(missing.errors[0].key_path, "dashboard.tls_cert");
  EXPECT_TRUE(load_text(R"({"store":{"tenant":"a","id":"b"},"dashboard":{"tls":true}})").ok());
}

TEST(config, tls_files_must_exist_and_certificate_and_key_go_together) {
  const auto r = load_text(R"({"store":{"tenant":"a","id":"b"},
    "mqtt":{"uri":"ssl://hq:8883","tls":{"ca_file":"/nonexistent/ca.pem","cert_file":")" KELU_TEST_DATA
                           R"(/config/minimal.jsonc"}}})");
  ASSERT_EQ(r.errors.size(), 1u) << r.errors.front().to_string();
  EXPECT_EQ(r.errors[0].key_path, "mqtt.tls.ca_file");
  EXPECT_EQ(r.errors[0].line, 2);
  const auto pair = load_text(R"({"store":{"tenant":"a","id":"b"},"mqtt":{"tls":{"cert_file":")" KELU_TEST_DATA
                              R"(/config/minimal.jsonc"}}})");
  ASSERT_EQ(pair.errors.size(), 1u);
  EXPECT_EQ(pair.errors[0].key_path, "mqtt.tls.cert_file");
  EXPECT_NE(pair.errors[0].message.find("go together"), std::string::npos);
}

TEST(config, sample_is_complete_valid_and_documents_every_key) {
  const auto text = sample_text();
  const auto r = load_text(text, "sample");
  ASSERT_TRUE(r.ok()) << r.errors.front().to_string();
  for (const auto& k : keys()) {
    const auto leaf = k.path.substr(k.path.rfind('.') + 1);
    EXPECT_NE(text.find("\"" + leaf + "\":"), std::string::npos) << k.path;
    EXPECT_NE(text.find(k.description), std::string::npos) << k.path;
    EXPECT_FALSE(k.description.empty()) << k.path;
  }
}

TEST(config, every_key_has_type_default_and_range) {
  for (const auto& k : keys()) {
    EXPECT_FALSE(k.type.empty()) << k.path;
    if (k.type == "integer" || k.type == "enum") {
      EXPECT_FALSE(k.range.empty()) << k.path;
    }
    static const std::set<std::string> required{"store.tenant",    "store.id",      "cameras[].id",
                                                "cameras[].url",   "alerts[].name", "alerts[].metric",
                                                "alerts[].op",     "alerts[].threshold", "counters[].id",
                                                "counters[].vendor"};
    EXPECT_EQ(k.default_json.empty(), required.count(k.path) == 1) << k.path;
  }
}

TEST(config, hash_and_diff_follow_values) {
  auto a = load_text(R"({"store":{"tenant":"a","id":"b"}})").value;
  auto b = a;
  EXPECT_EQ(hash(a), hash(b));
  EXPECT_EQ(hash(a).size(), 16u);
  b.mqtt.keep_alive_s = 60;
  b.log.level = "debug";
  EXPECT_NE(hash(a), hash(b));
  EXPECT_EQ(diff(a, b), (std::vector<std::string>{"mqtt.keep_alive_s", "log.level"}));
}

TEST(config, merge_live_takes_every_key_but_the_restart_only_ones) {
  auto running = load_text(R"({"store":{"tenant":"a","id":"b"}})").value;
  auto next = running;
  next.log.level = "debug";
  next.storage.outbox_quota_bytes = 2 << 20;
  next.mqtt.uri = "tcp://elsewhere:1883";
  next.storage.path = "/elsewhere/kelu.db";
  next.store.time_zone = "Asia/Shanghai";
  const auto merged = merge_live(running, next);
  EXPECT_EQ(merged.log.level, "debug");
  EXPECT_EQ(merged.storage.outbox_quota_bytes, 2 << 20);
  EXPECT_EQ(merged.mqtt.uri, "tcp://elsewhere:1883");
  EXPECT_EQ(merged.storage.path, running.storage.path);
  EXPECT_EQ(merged.store.time_zone, running.store.time_zone);
}

// Each changed key lands in exactly one place: set in place, its component rebuilt, or a restart.
TEST(config, a_change_plan_names_the_components_to_rebuild) {
  auto running = load_text(R"({"store": {"tenant": "a", "id": "b"},
    "sources": {"pos_tcp": {"enabled": true}, "csv": {"enabled": true, "folder": "/tmp"}},
    "cameras": [{"id": "door", "url": "a.avi", "lines": [{"name": "door", "from": [0, 10], "to": [100, 10]}]},
                {"id": "floor", "url": "b.avi"}, {"id": "gone", "url": "c.avi"}]})");
  ASSERT_TRUE(running.ok()) << running.errors[0].to_string();
  auto next = running.value;
  next.sources.pos_tcp.port = 9999;
  next.sources.csv.delimiter = ";";
  next.mqtt.uri = "tcp://elsewhere:1883";
  next.log.level = "debug";
  next.dashboard.port = 8443;
  next.storage.path = "/elsewhere/kelu.db";
  next.cameras[0].lines[0].to.x = 120;  // geometry alone: the camera keeps running
  next.cameras[1].url = "rtsp://cam/2";  // rebuilt
  next.cameras.pop_back();               // removed: rebuilt to nothing
  next.cameras.push_back(next.cameras[1]);
  next.cameras.back().id = "new";  // added
  const auto p = plan_change(running.value, next);
  EXPECT_EQ(p.rebuild, (std::vector<std::string>{"cameras[floor]", "cameras[gone]", "cameras[new]", "dashboard",
                                                 "mqtt", "sources.csv", "sources.pos_tcp"}));
  EXPECT_EQ(p.geometry, (std::vector<std::string>{"door"}));
  EXPECT_EQ(p.hot, (std::vector<std::string>{"log.level"}));
  EXPECT_EQ(p.restart, (std::vector<std::string>{"storage.path"}));
  EXPECT_TRUE(p.needs_restart());
  EXPECT_FALSE(restart_reason("storage.path").empty());
  EXPECT_TRUE(plan_change(running.value, running.value).empty());

  // The store's currency is stamped by the drivers: the enabled POS sources take it by a rebuild.
  auto priced = running.value;
  priced.store.currency = "EUR";
  const auto q = plan_change(running.value, priced);
  EXPECT_EQ(q.hot, (std::vector<std::string>{"store.currency"}));
  EXPECT_EQ(q.rebuild, (std::vector<std::string>{"sources.csv", "sources.pos_tcp"}));
}

// The keys only a restart applies are few, each with its reason; every other key names where it goes.
TEST(config, only_identity_storage_and_zone_need_a_restart) {
  std::vector<std::string> restart;
  for (const auto& k : keys()) {
    if (k.when == reload::restart) {
      restart.push_back(k.path);
      EXPECT_FALSE(restart_reason(k.path).empty()) << k.path;
    }
    if (k.when == reload::rebuild) {
      EXPECT_FALSE(component_of(k.path).empty()) << k.path;
    }
  }
  EXPECT_EQ(restart, (std::vector<std::string>{"store.tenant", "store.id", "store.time_zone", "storage.path",
                                               "storage.synchronous"}));
  EXPECT_EQ(component_of("sources.counter_push.port"), "counters");
  EXPECT_EQ(component_of("mqtt.tls.ca_file"), "mqtt");
  EXPECT_EQ(component_of("sources.escpos.preset"), "sources.escpos");
}

TEST(config, integer_bounds_reject_huge_and_fractional_values) {
  for (const char* v : {"1e3", "18446744073709551615", "30.5", "-1", "true", "2e308"}) {
    const auto r = load_text(std::string(R"({"store":{"tenant":"a","id":"b"},"mqtt":{"keep_alive_s":)") + v + "}}");
    EXPECT_FALSE(r.ok()) << v;
  }
}

}  // namespace
}  // namespace kelu::config

namespace kelu::config {
namespace {

std::string with_cameras(const std::string& cameras) {
  return R"({"store": {"tenant": "acme", "id": "s1"},
  "cameras": )" + cameras + "}";
}

TEST(config_cameras, a_camera_with_lines_and_zones_loads_with_defaults) {
  const auto r = load_text(with_cameras(R"([{"id": "door", "url": "rtsp://cam/1",
      "lines": [{"name": "entrance", "from": [0, 300], "to": [768, 300.5]}],
      "zones": [{"name": "till", "polygon": [[0, 0], [10, 0], [10, 10]], "staff_only": true}]}])"),
                           "c.json");
  ASSERT_TRUE(r.ok()) << r.errors.front().to_string();
  ASSERT_EQ(r.value.cameras.size(), 1u);
  const auto& c = r.value.cameras[0];
  EXPECT_EQ(c.detector, "bgs");
  EXPECT_EQ(c.process_fps, 10);
  ASSERT_EQ(c.lines.size(), 1u);
  EXPECT_EQ(c.lines[0].to, (point_config{768, 300.5}));
  EXPECT_TRUE(c.zones.at(0).staff_only);
  // The cameras are part of the hash and the diff.
  auto other = r.value;
  other.cameras[0].lines[0].to.y = 301;
  EXPECT_NE(hash(r.value), hash(other));
  EXPECT_EQ(diff(r.value, other), (std::vector<std::string>{"cameras"}));
}

TEST(config_cameras, errors_name_the_camera_and_the_key_inside_it) {
  struct bad {
    const char* cameras;
    const char* key;
    const char* words;
  };
  for (const auto& b : {
           bad{R"({"id": "door"})", "cameras", "expected an array"},
           bad{R"([{"url": "x"}])", "cameras[0].id", "required"},
           bad{R"([{"id": "a", "url": "x"}, {"id": "a", "url": "y"}])", "cameras[1].id", "used by another camera"},
           bad{R"([{"id": "a", "url": "x", "fps": 3}])", "cameras[0].fps", "unknown key"},
           bad{R"([{"id": "a", "url": "x", "process_fps": 0}])", "cameras[0].process_fps", "1..60"},
           bad{R"([{"id": "a", "url": "x", "detector": "dnn"}])", "cameras[0].model", "needs a model"},
           bad{R"([{"id": "a", "url": "x", "lines": [{"name": "l", "from": [0, 1], "to": [2]}]}])",
               "cameras[0].lines[0].to", "expected [x, y]"},
           bad{R"([{"id": "a", "url": "x", "lines": [{"name": "l", "from": [0, 1], "to": [0, 1]}]}])",
               "cameras[0].lines[0]", "same point"},
           bad{R"([{"id": "a", "url": "x", "zones": [{"name": "z", "polygon": [[0, 0], [1, -1], [2, 2]]}]}])",
               "cameras[0].zones[0].polygon[1]", "0..16384"},
           bad{R"([{"id": "a", "url": "x", "zones": [{"name": "z", "polygon": [[0, 0], [1, 1]]}]}])",
               "cameras[0].zones[0].polygon", "3 to 64 points"},
       }) {
    const auto r = load_text(with_cameras(b.cameras), "c.json");
    ASSERT_EQ(r.errors.size(), 1u) << b.cameras;
    EXPECT_EQ(r.errors[0].key_path, b.key) << r.errors[0].to_string();
    EXPECT_NE(r.errors[0].message.find(b.words), std::string::npos) << r.errors[0].to_string();
    EXPECT_EQ(r.errors[0].line, 2) << "the line of \"cameras\"";
  }
}

std::string with_counters(const std::string& counters) {
  return R"({"store": {"tenant": "acme", "id": "s1"},
  "counters": )" + counters + "}";
}

TEST(config_counters, a_pushing_and_a_polled_counter_load_with_defaults) {
  const auto r = load_text(with_counters(R"([
      {"id": "door", "vendor": "hikvision", "username": "hik", "password": "pa55-word", "channel": "1"},
      {"id": "side", "vendor": "dahua", "url": "http://192.168.1.108", "role": "passby", "interval_s": 30}])"),
                           "c.json");
  ASSERT_TRUE(r.ok()) << r.errors.front().to_string();
  ASSERT_EQ(r.value.counters.size(), 2u);
  EXPECT_EQ(r.value.counters[0].auth, "digest");
  EXPECT_EQ(r.value.counters[0].line, "door");
  EXPECT_EQ(r.value.counters[0].role, "entrance");
  EXPECT_EQ(r.value.counters[1].interval_s, 30);
  EXPECT_EQ(r.value.counters[1].timeout_s, 5);
  EXPECT_EQ(r.value.sources.counter_push.port, 9752);
  auto other = r.value;
  other.counters[1].role = "entrance";
  EXPECT_EQ(diff(r.value, other), (std::vector<std::string>{"counters"}));
}

TEST(config_counters, errors_name_the_counter_and_the_key_inside_it) {
  struct bad {
    const char* counters;
    const char* key;
    const char* words;
  };
  for (const auto& b : {
           bad{R"([{"vendor": "axis"}])", "counters[0].id", "required"},
           bad{R"([{"id": "a", "vendor": "vivotek"}])", "counters[0].vendor", "hikvision|xovis|dahua|axis"},
           bad{R"([{"id": "a", "vendor": "dahua"}])", "counters[0].url", "are polled"},
           bad{R"([{"id": "a", "vendor": "axis", "url": "https://10.0.0.2"}])", "counters[0].url", "https is not"},
           bad{R"([{"id": "a", "vendor": "hikvision"}])", "counters[0].username", "needs a username"},
           bad{R"([{"id": "a", "vendor": "hikvision", "auth": "token", "token": "short"}])", "counters[0].token",
               "16 characters"},
           bad{R"([{"id": "a", "vendor": "hikvision", "auth": "none", "url": "http://x"}])", "counters[0].url",
               "leave url empty"},
           bad{R"([{"id": "a", "vendor": "axis", "url": "http://x", "interval_s": 1}])", "counters[0].interval_s",
               "10..3600"},
           bad{R"([{"id": "a", "vendor": "axis", "url": "http://x", "role": "internal"}])", "counters[0].role",
               "entrance|passby|staff"},
           bad{R"([{"id": "a", "vendor": "axis", "url": "http://x"}, {"id": "a", "vendor": "axis", "url": "http://y"}])",
               "counters[1].id", "used by another counter"},
       }) {
    const auto r = load_text(with_counters(b.counters), "c.json");
    ASSERT_EQ(r.errors.size(), 1u) << b.counters;
    EXPECT_EQ(r.errors[0].key_path, b.key) << r.errors[0].to_string();
    EXPECT_NE(r.errors[0].message.find(b.words), std::string::npos) << r.errors[0].to_string();
  }
  // A counter may not share a camera's id: their events and lines would be one device's.
  const auto r = load_text(R"({"store": {"tenant": "acme", "id": "s1"},
    "cameras": [{"id": "door", "url": "rtsp://cam/1"}],
    "counters": [{"id": "door", "vendor": "axis", "url": "http://x"}]})");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].key_path, "counters[0].id");
}

}  // namespace
}  // namespace kelu::config

namespace kelu::config {
namespace {

TEST(config, alert_rules_and_opening_hours_are_checked_with_their_key_paths) {
  const auto good = load_text(R"({"store": {"tenant": "a", "id": "b", "opening_hours": "mon-fri 09:00-21:00"},
    "alerts": [{"name": "low_conversion", "metric": "conversion", "op": "<", "threshold": 0.1, "notify": ["wecom"]}],
    "notify": {"wecom": {"url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"}}})");
  ASSERT_TRUE(good.ok()) << good.errors.front().to_string();
  ASSERT_EQ(good.value.alerts.size(), 1u);
  const auto& r = good.value.alerts[0];
  EXPECT_EQ(r.window_min, 60);  // defaults from the element table
  EXPECT_EQ(r.active, "open");
  EXPECT_EQ(r.severity, "warning");
  EXPECT_EQ(r.notify, std::vector<std::string>{"wecom"});

  const auto bad = load_text(R"({"store": {"tenant": "a", "id": "b", "opening_hours": "mon-fri 9-21"},
    "alerts": [{"name": "x", "metric": "conversion", "op": "<", "threshold": 0.1},
               {"name": "y", "metric": "footfall", "op": "<", "threshold": 1},
               {"name": "z", "metric": "occupancy", "op": ">", "threshold": 1, "colour": "red"},
               {"name": "x", "metric": "occupancy", "op": ">", "threshold": 1}],
    "notify": {"feishu": {"url": "open.feishu.cn/hook"}}})",
                             "k.json");
  ASSERT_FALSE(bad.ok());
  std::string all;
  for (const auto& e : bad.errors) all += e.to_string() + "\n";
  EXPECT_NE(all.find("store.opening_hours: \"mon-fri 9-21\" (at character 0): times must be HH:MM-HH:MM"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("alerts[1].metric: \"footfall\" is not one of conversion|"), std::string::npos) << all;
  EXPECT_NE(all.find("notify.feishu.url: \"open.feishu.cn/hook\" is not an http:// or https:// URL"), std::string::npos)
      << all;
}

TEST(config, alert_rules_apply_on_reload) {
  auto a = load_text(R"({"store": {"tenant": "a", "id": "b"}})").value;
  auto b = load_text(R"({"store": {"tenant": "a", "id": "b"},
    "alerts": [{"name": "crowded", "metric": "occupancy", "op": ">", "threshold": 40}]})").value;
  EXPECT_EQ(merge_live(a, b).alerts, b.alerts);
  const auto p = plan_change(a, b);
  EXPECT_EQ(p.hot, (std::vector<std::string>{"alerts"}));
  EXPECT_TRUE(p.rebuild.empty());
}

}  // namespace
}  // namespace kelu::config
