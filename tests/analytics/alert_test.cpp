// SPDX-License-Identifier: Apache-2.0
// Alert rules as data, judged against the ordinary_day golden case at chosen moments, and
// delivered to chat robots over real HTTP.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include "analytics/alert_engine.hpp"
#include "analytics/service/chat_notifier.hpp"
#include "analytics/service/chat_webhook.hpp"
#include "golden_day.hpp"
#include "support/http_sink.hpp"
#include "support/events.hpp"

namespace kelu::test {
namespace {

using analytics::chat_notifier;
using analytics::chat_outcome;
using analytics::dingtalk_request;
using analytics::feishu_request;
using analytics::judge_chat_answer;
using analytics::wecom_request;

using namespace std::chrono;
using nlohmann::json;


config::alert_rule_config rule(std::string name, std::string metric, std::string op, double threshold,
                               std::string active = "always") {
  config::alert_rule_config r;
  r.name = std::move(name);
  r.metric = std::move(metric);
  r.op = std::move(op);
  r.threshold = threshold;
  r.window_min = 60;
  r.min_visitors = 5;
  r.active = std::move(active);
  r.cooldown_min = 60;
  r.severity = "warning";
  return r;
}

struct alert_fixture : testing::Test {
  golden_day g = golden_day::load("ordinary_day");
  std::optional<analytics::day_analysis> today;

  std::vector<analytics::alert> judge(analytics::alert_engine& e, core::utc_time now,
                                      std::vector<std::pair<std::string, std::optional<core::utc_time>>> cameras = {},
                                      std::int64_t outbox_age_s = 0) {
    today = analytics::analyse_day(g.day(), g.zone, g.rules, g.events, now);
    return e.evaluate({now, &*today, std::move(cameras), outbox_age_s, std::nullopt});
  }
  analytics::alert_engine engine(std::vector<config::alert_rule_config> rules) {
    return analytics::alert_engine(std::move(rules), g.rules, g.zone, "Berlin Mitte");
  }
};

TEST_F(alert_fixture, conversion_fires_once_resolves_and_respects_the_cooldown) {
  auto e = engine({rule("low_conversion", "conversion", "<", 0.5)});
  // 12:00 local: the last hour had 10 visitors and 4 sales.
  auto fired = judge(e, at("2026-11-24T11:00:00Z"));
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].state, "firing");
  EXPECT_EQ(fired[0].subject, "store");
  EXPECT_DOUBLE_EQ(fired[0].value, 0.4);
  EXPECT_GT(fired[0].trace.count(), 10);  // the crossings and sales of that hour
  EXPECT_NE(fired[0].message_en.find("conversion 40.0% < 50.0% over the last 60 min"), std::string::npos)
      << fired[0].message_en;
  EXPECT_NE(fired[0].message_zh.find("转化率 40.0% 低于 50.0%（近 60 分钟）"), std::string::npos) << fired[0].message_zh;
  EXPECT_EQ(e.active().size(), 1u);
  EXPECT_TRUE(judge(e, at("2026-11-24T11:00:30Z")).empty());  // still firing: nothing new
  // 14:00 local: four visitors in the last hour, fewer than min_visitors: not judged, resolved.
  auto resolved = judge(e, at("2026-11-24T13:00:00Z"));
  ASSERT_EQ(resolved.size(), 1u);
  EXPECT_EQ(resolved[0].state, "resolved");
  EXPECT_EQ(resolved[0].id, fired[0].id);
  EXPECT_TRUE(e.active().empty());
  // Breached again within the hour's cooldown: quiet.
  EXPECT_TRUE(judge(e, at("2026-11-24T11:10:00Z")).empty());
}

TEST_F(alert_fixture, a_camera_offline_too_long_fires_and_resolves_when_it_returns) {
  auto e = engine({rule("camera_down", "camera_offline_min", ">", 5)});
  const auto now = at("2026-11-24T11:00:00Z");
  EXPECT_TRUE(judge(e, now, {{"door", now - minutes(3)}}).empty());
  auto fired = judge(e, now + minutes(3), {{"door", now - minutes(3)}});
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].subject, "door");
  EXPECT_DOUBLE_EQ(fired[0].value, 6);
  auto back = judge(e, now + minutes(4), {{"door", std::nullopt}});
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].state, "resolved");
}

TEST_F(alert_fixture, a_silent_till_fires_only_while_open) {
  auto e = engine({rule("till_silent", "till_silent_min", ">", 30, "open")});
  // 13:00 local: till2's last sale (the void) was 11:55, till1's the return at 12:30.
  auto fired = judge(e, at("2026-11-24T12:00:00Z"));
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].subject, "till2");
  EXPECT_DOUBLE_EQ(fired[0].value, 65);
  // 21:00 local, closed: whatever was firing resolves, nothing new fires.
  auto closed = judge(e, at("2026-11-24T20:00:00Z"));
  for (const auto& a : closed) EXPECT_EQ(a.state, "resolved") << a.subject;
  EXPECT_TRUE(e.active().empty());
}

TEST_F(alert_fixture, a_large_return_fires_once_with_the_event_behind_it) {
  auto e = engine({rule("big_return", "return_minor", ">", 1000)});
  auto fired = judge(e, at("2026-11-24T12:00:00Z"));
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_DOUBLE_EQ(fired[0].value, 1550);
  ASSERT_EQ(fired[0].trace.ranges().size(), 1u);
  EXPECT_EQ(fired[0].subject, "pos-tcp:" + std::to_string(fired[0].trace.ranges()[0].first));
  EXPECT_NE(fired[0].message_en.find("return of (pos-tcp:"), std::string::npos) << fired[0].message_en;
  EXPECT_NE(fired[0].message_en.find("15.50 EUR > 10.00 EUR"), std::string::npos) << fired[0].message_en;
  EXPECT_TRUE(judge(e, at("2026-11-24T12:05:00Z")).empty());
}

TEST_F(alert_fixture, outbox_age_and_occupancy) {
  auto e = engine({rule("sync_behind", "outbox_age_min", ">", 60), rule("crowded", "occupancy", ">", 2)});
  // 11:40 local: 6 inside at 11:00, then 7 in and 10 out.
  auto fired = judge(e, at("2026-11-24T10:40:00Z"), {}, 2 * 3600);  // three inside
  ASSERT_EQ(fired.size(), 2u);
  EXPECT_EQ(fired[0].rule, "sync_behind");
  EXPECT_DOUBLE_EQ(fired[0].value, 120);
  EXPECT_EQ(fired[1].rule, "crowded");
  EXPECT_DOUBLE_EQ(fired[1].value, static_cast<double>(today->occupancy_now));
}

TEST_F(alert_fixture, reloading_keeps_unchanged_rules_and_restarts_changed_ones) {
  auto e = engine({rule("low_conversion", "conversion", "<", 0.5), rule("camera_down", "camera_offline_min", ">", 5)});
  const auto now = at("2026-11-24T11:00:00Z");
  ASSERT_EQ(judge(e, now, {{"door", now - minutes(10)}}).size(), 2u);
  auto changed = rule("low_conversion", "conversion", "<", 0.45);
  const auto ended = e.update({changed, rule("camera_down", "camera_offline_min", ">", 5)}, g.rules, now);
  ASSERT_EQ(ended.size(), 1u);  // the changed rule's alert is over, and says why
  EXPECT_EQ(ended[0].rule, "low_conversion");
  EXPECT_EQ(ended[0].state, "resolved");
  EXPECT_EQ(ended[0].resolution, "rule_changed");
  // The unchanged rule is still firing (no repeat); the changed one is new and fires afresh.
  auto again = judge(e, now + seconds(15), {{"door", now - minutes(10)}});
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].rule, "low_conversion");
  EXPECT_EQ(again[0].state, "firing");
  EXPECT_EQ(e.active().size(), 2u);
}

TEST(chat_webhook, robot_request_formats_and_signatures) {
  const auto w = wecom_request("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K", "你好");
  EXPECT_EQ(json::parse(w.body), (json{{"msgtype", "text"}, {"text", {{"content", "你好"}}}}));
  // Signatures checked against Python's hmac/base64 for the same inputs.
  const auto d = dingtalk_request("https://oapi.dingtalk.com/robot/send?access_token=T", "SECabc123", "hi",
                                  1'795'000'000'000);
  EXPECT_EQ(d.url,
            "https://oapi.dingtalk.com/robot/send?access_token=T&timestamp=1795000000000"
            "&sign=9PSc%2BhnR5kg1yb414ZazbDT7ePDhtVP2Df3NuD1h080%3D");
  EXPECT_EQ(json::parse(d.body)["text"]["content"], "hi");
  const auto f = feishu_request("https://open.feishu.cn/open-apis/bot/v2/hook/H", "SECabc123", "hi", 1'795'000'000'000);
  const auto fb = json::parse(f.body);
  EXPECT_EQ(fb["msg_type"], "text");
  EXPECT_EQ(fb["content"]["text"], "hi");
  EXPECT_EQ(fb["timestamp"], "1795000000");
  EXPECT_EQ(fb["sign"], "lErICi8dJJ8lly08mgPZCOs6ZKTs4xF7jY2hDpe2RLg=");
  EXPECT_FALSE(json::parse(feishu_request("u", "", "hi", 0).body).contains("sign"));

  EXPECT_EQ(judge_chat_answer(200, R"({"errcode":0,"errmsg":"ok"})"), chat_outcome::ok);
  EXPECT_EQ(judge_chat_answer(200, R"({"code":0,"msg":"success"})"), chat_outcome::ok);
  EXPECT_EQ(judge_chat_answer(200, R"({"errcode":45009,"errmsg":"api freq out of limit"})"), chat_outcome::retry);
  EXPECT_EQ(judge_chat_answer(200, R"({"code":19021,"msg":"sign match fail"})"), chat_outcome::drop);
  EXPECT_EQ(judge_chat_answer(503, ""), chat_outcome::retry);
  EXPECT_EQ(judge_chat_answer(404, ""), chat_outcome::drop);
  EXPECT_EQ(judge_chat_answer(200, "<html>proxy</html>"), chat_outcome::retry);
}

struct notifier_fixture : testing::Test {
  boost::asio::io_context io;
  core::system_clock clock;
  std::shared_ptr<spdlog::logger> log = std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>());

  config::notify_config cfg(const http_sink& sink) {
    config::notify_config c;
    c.wecom.url = sink.url("/cgi-bin/webhook/send?key=K");
    c.dingtalk.url = sink.url("/robot/send?access_token=T");
    c.dingtalk.secret = "SECabc123";
    c.feishu.url = sink.url("/open-apis/bot/v2/hook/H");
    c.language = "both";
    c.timeout_s = 5;
    c.max_attempts = 3;
    c.max_queued = 10;
    return c;
  }
  analytics::alert sample(std::vector<std::string> channels) {
    analytics::alert a;
    a.rule = "low_conversion";
    a.message_en = "[warning] Berlin Mitte: conversion 4.0% < 10.0%";
    a.message_zh = "【警告】Berlin Mitte：转化率 4.0% 低于 10.0%";
    a.notify = std::move(channels);
    return a;
  }
  // Runs the io_context until `done` or the deadline.
  void run_until(const std::function<bool()>& done, std::chrono::seconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < end) {
      io.run_for(std::chrono::milliseconds(50));
      io.restart();
    }
  }
};

TEST_F(notifier_fixture, delivers_to_each_robot_and_retries_a_server_error) {
  http_sink sink({{503, "busy"}});
  chat_notifier n{io.get_executor(), cfg(sink), clock, log};
  n.send(sample({"wecom", "dingtalk", "feishu"}));
  run_until([&] { return n.stats().sent == 3; }, std::chrono::seconds(20));
  EXPECT_EQ(n.stats().sent, 3);
  EXPECT_EQ(n.stats().failed_attempts, 1);
  const auto got = sink.wait_for(4, std::chrono::seconds(1));
  ASSERT_EQ(got.size(), 4u);  // wecom twice (503, then 200), dingtalk, feishu
  EXPECT_EQ(got[0].target, "/cgi-bin/webhook/send?key=K");
  EXPECT_EQ(got[0].body, got[1].body);
  EXPECT_EQ(json::parse(got[1].body)["text"]["content"],
            "【警告】Berlin Mitte：转化率 4.0% 低于 10.0%\n[warning] Berlin Mitte: conversion 4.0% < 10.0%");
  EXPECT_EQ(got[1].content_type, "application/json; charset=utf-8");
  EXPECT_EQ(got[2].target.rfind("/robot/send?access_token=T&timestamp=", 0), 0u) << got[2].target;
  EXPECT_NE(got[2].target.find("&sign="), std::string::npos);
  EXPECT_EQ(json::parse(got[3].body)["msg_type"], "text");
}

TEST_F(notifier_fixture, a_refusal_is_dropped_and_counted_and_the_queue_is_bounded) {
  http_sink sink({{200, R"({"errcode":93000,"errmsg":"invalid webhook url"})"}});
  auto c = cfg(sink);
  c.max_queued = 2;
  chat_notifier n{io.get_executor(), c, clock, log};
  for (int i = 0; i < 4; ++i) n.send(sample({"wecom"}));
  EXPECT_EQ(n.stats().dropped_queue, 2);  // the first is in flight; two newer ones pushed two out
  run_until([&] { return n.stats().queued == 0; }, std::chrono::seconds(10));
  EXPECT_EQ(n.stats().dropped_refused, 1);
  EXPECT_EQ(n.stats().sent, 1);
  EXPECT_NE(n.stats().last_error.find("93000"), std::string::npos) << n.stats().last_error;
}

TEST_F(notifier_fixture, an_unreachable_robot_is_given_up_after_max_attempts) {
  config::notify_config c;
  c.wecom.url = "http://127.0.0.1:1/send";  // nothing listens on port 1
  c.language = "en";
  c.timeout_s = 2;
  c.max_attempts = 2;
  c.max_queued = 5;
  chat_notifier n{io.get_executor(), c, clock, log};
  n.send(sample({"wecom", "dingtalk"}));  // dingtalk has no URL: skipped, not queued
  run_until([&] { return n.stats().dropped_attempts == 1; }, std::chrono::seconds(20));
  EXPECT_EQ(n.stats().dropped_attempts, 1);
  EXPECT_EQ(n.stats().failed_attempts, 2);
  EXPECT_EQ(n.stats().queued, 0);
}

}  // namespace
}  // namespace kelu::test
