// SPDX-License-Identifier: Apache-2.0
// The whole agent as a process: a till over TCP -> kelu run -> SQLite -> a real mosquitto -> HQ.
#include <signal.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <boost/asio/write.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <thread>
#include <tuple>

#include "drivers/pos_tcp_client.hpp"
#include "drivers/webhook_source.hpp"
#include "core/clock.hpp"
#include "core/time.hpp"
#include "dashboard/access_token.hpp"
#include "net/tls_identity.hpp"
#include "agent_fixture.hpp"
#include "support/broker.hpp"
#include "support/curl.hpp"
#include "support/files.hpp"
#include "support/fake_systemd.hpp"
#include "support/http_get.hpp"
#include "support/mqtt_collector.hpp"
#include "support/process.hpp"
#include "support/qr_reader.hpp"
#include "support/schema_check.hpp"
#include "support/temp_dir.hpp"
#include "sync/batch_codec.hpp"
#include "sync/hq_tail.hpp"

namespace kelu {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using test::agent_delivery;
using test::agent_process;
using test::txn_line;
using test::view_of;
using test::hq_view;

TEST_P(agent_delivery, a_thousand_transactions_reach_hq_exactly_once_after_dedupe) {
  test::mqtt_collector hq{broker->uri(), "hq-a", "kelu/v1/acme/sh-001/#"};
  start_agent();
  auto c = till();
  const auto acked = send(c, 0, 1000);
  ASSERT_EQ(acked.size(), 1000u);
  // The till resends 100 of them, as after a timeout: acknowledged, not stored again.
  const auto again = send(c, 200, 300);
  EXPECT_EQ(again.size(), 100u);
  ASSERT_TRUE(hq.wait_until([](const auto& m) { return view_of(m).by_identity.size() >= 1000; }, 30s))
      << "HQ has " << view_of(hq.messages()).by_identity.size() << "\n" << log();
  const auto v = view_of(hq.messages());
  EXPECT_EQ(v.by_identity.size(), 1000u);
  EXPECT_EQ(v.seqs_of_txn.size(), 1000u);
  for (const auto& [id, s] : v.seqs_of_txn) EXPECT_EQ(s.size(), 1u) << id << " stored twice";
  // Gap-free: seqs 1..1000.
  EXPECT_EQ(v.by_identity.begin()->first.second, 1);
  EXPECT_EQ(v.by_identity.rbegin()->first.second, 1000);

  // The retained status says who is online, and health reports arrive.
  ASSERT_TRUE(hq.wait_until(
      [](const auto& m) {
        return std::any_of(m.begin(), m.end(), [](const auto& r) { return r.topic.ends_with("/stats"); });
      },
      10s));
  const auto msgs = hq.messages();
  const auto status = std::find_if(msgs.begin(), msgs.end(), [](const auto& r) { return r.topic.ends_with("/status"); });
  ASSERT_NE(status, msgs.end());
  const auto birth = json::parse(status->payload);
  EXPECT_EQ(birth["state"], "online");
  EXPECT_EQ(birth["config_hash"].get<std::string>().size(), 16u);
  EXPECT_FALSE(birth["version"].get<std::string>().empty());

  // SIGTERM: clean exit, goodbye on status.
  EXPECT_EQ(agent->stop(SIGTERM, 15s), 0) << log();
  ASSERT_TRUE(hq.wait_until(
      [](const auto& m) {
        return std::any_of(m.begin(), m.end(), [](const auto& r) {
          return r.topic.ends_with("/status") && r.payload.find("\"shutdown\"") != std::string::npos;
        });
      },
      10s));
}

TEST_P(agent_delivery, broker_outage_mid_stream_loses_nothing) {
  test::mqtt_collector hq{broker->uri(), "hq-b", "kelu/v1/acme/sh-001/events/#"};
  start_agent();
  auto c = till();
  ASSERT_EQ(send(c, 0, 500).size(), 500u);
  broker->stop();
  // The store keeps accepting while HQ is unreachable.
  ASSERT_EQ(send(c, 500, 1000).size(), 500u);
  broker->start();
  ASSERT_TRUE(hq.wait_until([](const auto& m) { return view_of(m).by_identity.size() >= 1000; }, 60s))
      << "HQ has " << view_of(hq.messages()).by_identity.size() << "\n" << log();
  const auto v = view_of(hq.messages());
  EXPECT_EQ(v.seqs_of_txn.size(), 1000u);
  for (const auto& [id, s] : v.seqs_of_txn) EXPECT_EQ(s.size(), 1u) << id;
}

// Nightly router reboots, a flapping link: the broker goes away and comes back again and
// again while the till keeps selling. HQ ends up with every sale once, by (source, seq).
TEST_P(agent_delivery, repeated_broker_restarts_mid_stream_lose_nothing) {
  test::mqtt_collector hq{broker->uri(), "hq-r", "kelu/v1/acme/sh-001/events/#"};
  start_agent();
  auto c = till();
  for (int round = 0; round < 4; ++round) {
    ASSERT_EQ(send(c, round * 250, round * 250 + 150).size(), 150u);
    broker->stop();
    ASSERT_EQ(send(c, round * 250 + 150, round * 250 + 250).size(), 100u);  // sales go on while HQ is away
    broker->start();
  }
  ASSERT_TRUE(hq.wait_until([](const auto& m) { return view_of(m).by_identity.size() >= 1000; }, 90s))
      << "HQ has " << view_of(hq.messages()).by_identity.size() << "\n" << log();
  const auto v = view_of(hq.messages());
  EXPECT_EQ(v.by_identity.size(), 1000u);
  EXPECT_EQ(v.seqs_of_txn.size(), 1000u);
  for (const auto& [id, s] : v.seqs_of_txn) EXPECT_EQ(s.size(), 1u) << id << " stored twice";
  EXPECT_EQ(v.by_identity.rbegin()->first.second, 1000);  // gap-free: seqs 1..1000
}

TEST_P(agent_delivery, sigkill_mid_stream_loses_nothing_acknowledged) {
  test::mqtt_collector hq{broker->uri(), "hq-c", "kelu/v1/acme/sh-001/events/#"};
  start_agent();
  std::set<std::string> acked_before_kill;
  std::size_t answered = 0;
  {
    auto c = till();
    std::thread killer([&] {
      // Kill once the agent is visibly mid-stream.
      const auto deadline = std::chrono::steady_clock::now() + 20s;
      while (answered < 300 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
      agent->stop(SIGKILL, 5s);
    });
    acked_before_kill = send(c, 0, 2000, &answered);
    killer.join();
  }
  ASSERT_GE(acked_before_kill.size(), 300u);
  ASSERT_LT(acked_before_kill.size(), 2000u) << "the kill came too late to test anything";
  start_agent();
  // The till resends everything it has no acknowledgement for.
  auto c = till();
  std::set<std::string> acked_after;
  for (int n = 0; n < 2000; ++n) {
    if (acked_before_kill.count("R" + std::to_string(n))) continue;
    auto more = send(c, n, n + 1);
    acked_after.insert(more.begin(), more.end());
  }
  EXPECT_EQ(acked_before_kill.size() + acked_after.size(), 2000u);
  ASSERT_TRUE(hq.wait_until([](const auto& m) { return view_of(m).seqs_of_txn.size() >= 2000; }, 60s))
      << "HQ has " << view_of(hq.messages()).seqs_of_txn.size() << "\n" << log();
  const auto v = view_of(hq.messages());
  for (const auto& id : acked_before_kill) EXPECT_TRUE(v.seqs_of_txn.count(id)) << id << " acknowledged, then lost";
  for (const auto& [id, s] : v.seqs_of_txn) EXPECT_EQ(s.size(), 1u) << id << " stored twice";
  EXPECT_EQ(v.by_identity.size(), 2000u);
}

// Secrets in the configuration (the broker's password, a camera's RTSP password, a chat robot's key and
// signing secret, a polled and a pushing people counter's passwords) and in the webhook's secrets file
// never leave where they are configured: not in the log, not in anything sent to HQ, not in the
// dashboard's answers nor in `kelu config show`, even while the devices fail or push with wrong ones.
TEST_F(agent_process, secrets_never_reach_the_log_hq_or_the_dashboard) {
  if (!test::curl_available()) GTEST_SKIP() << "curl is not installed (scripts/setup installs it)";
  const std::vector<std::string> secrets{"mqtt-pw-5e1d0b",  "cam-pw-91aa4c", "wecom-key-3b2f77",
                                         "SECding77c0e1",   "dahua-pw-6c02aa", "hik-pw-0d93f1",
                                         "hook-secret-77aa01bb9c"};
  auto cfg = json::parse(std::ifstream(dir.file("kelu.json")));
  const auto port = test::free_port();
  const auto push_port = test::free_port();
  const auto hook_port = test::free_port();
  cfg["counters"] = {{{"id", "dahua"}, {"vendor", "dahua"}, {"url", "http://127.0.0.1:1"}, {"channel", "1"},
                      {"line", "main"}, {"username", "kelu"}, {"password", secrets[4]}},  // nothing listens
                     {{"id", "hik"}, {"vendor", "hikvision"}, {"channel", "1"}, {"line", "main"},
                      {"username", "hik"}, {"password", secrets[5]}}};
  std::ofstream(dir.file("webhook-secrets")) << "T1 " << secrets[6] << "\n";
  cfg["sources"]["counter_push"] = {{"listen", "127.0.0.1"}, {"port", push_port}};
  cfg["sources"]["webhook"] = {
      {"enabled", true}, {"listen", "127.0.0.1"}, {"port", hook_port}, {"secrets_file", dir.file("webhook-secrets")}};
  cfg["mqtt"]["username"] = "box";
  cfg["mqtt"]["password"] = secrets[0];
  cfg["cameras"] = {{{"id", "door"},
                     {"url", "rtsp://viewer:" + secrets[1] + "@127.0.0.1:1/stream"},  // nothing listens: it fails
                     {"lines", {{{"name", "entrance"}, {"from", {0, 300}}, {"to", {768, 300}}}}}}};
  cfg["notify"]["wecom"]["url"] = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=" + secrets[2];
  cfg["notify"]["dingtalk"]["secret"] = secrets[3];
  cfg["dashboard"] = {{"listen", "127.0.0.1"}, {"port", port}};
  std::ofstream(dir.file("kelu.json")) << cfg.dump(2);
  test::mqtt_collector hq{broker->uri(), "hq-secrets", "kelu/v1/acme/sh-001/#"};
  start_agent();
  auto c = till();
  ASSERT_EQ(send(c, 0, 5).size(), 5u);
  ASSERT_TRUE(test::wait_for_port(hook_port, 10s)) << log();
  const auto sale = json::parse(test::txn_line(5)).dump();
  EXPECT_EQ(test::http_post(hook_port, "/pos/transactions", sale,
                            {{"X-Kelu-Terminal", "T1"}, {"X-Kelu-Signature", drivers::webhook_signature(secrets[6], sale)}})
                .status,
            200);
  EXPECT_EQ(test::http_post(hook_port, "/pos/transactions", sale,
                            {{"X-Kelu-Terminal", "T1"}, {"X-Kelu-Signature", drivers::webhook_signature("wrong-secret-000000", sale)}})
                .status,
            401);
  const auto xml = (std::filesystem::path(KELU_SOURCE_DIR) / "tests/data/counters/hikvision-timerange.xml").string();
  const auto counter_url = "http://127.0.0.1:" + std::to_string(push_port) + "/counters/hik";
  EXPECT_EQ(test::curl_post(counter_url, xml, "--digest -u hik:" + secrets[5]).status, 200);
  EXPECT_EQ(test::curl_post(counter_url, xml, "--digest -u hik:not-" + secrets[5]).status, 401);
  ASSERT_TRUE(logged("camera door:", 20s)) << log();
  ASSERT_TRUE(hq.wait_until(  // a health report that has seen the camera and the unreachable counter
      [](const auto& m) {
        return std::any_of(m.begin(), m.end(), [&](const auto& r) {
          return r.topic.ends_with("/stats") && r.payload.find("\"door\"") != std::string::npos &&
                 r.payload.find("counter-dahua") != std::string::npos;
        });
      },
      30s))
      << log();
  const auto key = dashboard::load_or_create_key(dir.file("dashboard.key"));
  ASSERT_TRUE(key) << key.error_message();
  const std::vector<std::pair<std::string, std::string>> bearer{
      {"Authorization", "Bearer " + dashboard::make_token(*key, "acme", "sh-001")}};
  std::vector<std::pair<std::string, std::string>> seen{{"the log", log()},
                                                        {"kelu config show", kelu_output({"config", "show", "-c", dir.file("kelu.json")})}};
  for (const auto* path : {"/api/v1/today", "/api/v1/health", "/metrics", "/api/v1/heatmap"}) {
    const auto r = test::http_get(port, path, bearer);
    EXPECT_EQ(r.status, 200) << path;
    seen.emplace_back(path, r.body);
  }
  for (const auto& m : hq.messages()) seen.emplace_back(m.topic, m.payload);
  for (const auto& [where, text] : seen)
    for (const auto& secret : secrets) EXPECT_EQ(text.find(secret), std::string::npos) << secret << " in " << where;
  EXPECT_NE(log().find("rtsp://viewer:***@127.0.0.1:1/stream"), std::string::npos) << "where the camera is still shows";
}

// The store manager's dashboard on a running agent, over real HTTP: the QR link's token opens
// it, nothing without; a sale at the till shows in today's figures; fleet metrics are served.
TEST_F(agent_process, the_dashboard_serves_todays_figures_to_the_qr_token_only) {
  auto cfg = json::parse(std::ifstream(dir.file("kelu.json")));
  const auto port = test::free_port();
  cfg["dashboard"] = {{"port", port}};
  cfg["store"]["name"] = "静安店";
  std::ofstream(dir.file("kelu.json")) << cfg.dump(2);
  start_agent();
  ASSERT_TRUE(logged("dashboard: http://", 10s)) << log();
  const auto key = dashboard::load_or_create_key(dir.file("dashboard.key"));  // made by the agent beside kelu.db
  ASSERT_TRUE(key) << key.error_message();
  const auto token = dashboard::make_token(*key, "acme", "sh-001");
  EXPECT_NE(log().find(":" + std::to_string(port) + "/?t=" + token), std::string::npos) << log();

  EXPECT_EQ(test::http_get(port, "/api/v1/today").status, 401);
  EXPECT_EQ(test::http_get(port, "/api/v1/today", {{"Authorization", "Bearer " + token + "x"}}).status, 401);
  const auto qr = test::http_get(port, "/?t=" + token);
  EXPECT_EQ(qr.status, 303);
  EXPECT_EQ(qr.location, "/");
  const auto cookie = qr.set_cookie.substr(0, qr.set_cookie.find(';'));
  const auto page = test::http_get(port, "/", {{"Cookie", cookie}});
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("/assets/app.js"), std::string::npos);
  const auto script = test::http_get(port, "/assets/app.js");
  EXPECT_EQ(script.status, 200);
  EXPECT_EQ(script.content_type, "text/javascript; charset=utf-8");

  // The page's event stream: today now, then again moments after each sale. The regular tick is
  // 15 s (analytics.live_interval_s); an open stream brings it forward.
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket sse(io);
  sse.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  const std::string get = "GET /api/v1/stream HTTP/1.1\r\nHost: x\r\nCookie: " + cookie + "\r\n\r\n";
  boost::asio::write(sse, boost::asio::buffer(get));
  timeval tv{20, 0};
  ::setsockopt(sse.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string stream;
  const auto events = [&] {  // the `today` events received so far
    std::vector<json> out;
    for (std::size_t at = 0; (at = stream.find("event: today\ndata: ", at)) != std::string::npos;) {
      const auto begin = at + 19;
      const auto end = stream.find("\n\n", begin);
      if (end == std::string::npos) break;
      out.push_back(json::parse(stream.substr(begin, end - begin)));
      at = end;
    }
    return out;
  };
  const auto read_until = [&](const std::function<bool()>& done) {
    char buf[4096];
    boost::system::error_code ec;
    while (!done()) {
      const auto n = sse.read_some(boost::asio::buffer(buf), ec);
      if (ec) return false;
      stream.append(buf, n);
    }
    return true;
  };
  ASSERT_TRUE(read_until([&] { return !events().empty(); })) << stream;

  // Three sales now (the fixture's lines are dated yesterday).
  auto c = till();
  std::string burst;
  for (int n = 0; n < 3; ++n) {
    auto line = json::parse(txn_line(n));
    line["time"] = core::format_iso8601(core::system_clock{}.now_utc());
    burst += line.dump() + "\n";
  }
  const auto sold = std::chrono::steady_clock::now();
  ASSERT_TRUE(c.send(burst, 5s));
  for (int n = 0; n < 3; ++n) ASSERT_TRUE(c.read_line(10s));
  ASSERT_TRUE(read_until([&] {
    const auto e = events();
    return e.back()["ready"].get<bool>() && e.back()["report"]["totals"]["transactions"] == 3;
  })) << stream;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - sold).count();
  RecordProperty("sale_to_stream_ms", static_cast<int>(ms));
  std::printf("sale -> dashboard stream: %lld ms\n", static_cast<long long>(ms));

  const auto today = json::parse(test::http_get(port, "/api/v1/today", {{"Cookie", cookie}}).body);
  EXPECT_EQ(today["report"]["totals"]["transactions"], 3) << today.dump(2);
  EXPECT_EQ(today["store"]["name"], "静安店");
  EXPECT_EQ(today["store"]["time_zone"], "Asia/Shanghai");
  EXPECT_EQ(today["live"]["transactions"], 3);
  const auto metrics = test::http_get(port, "/metrics", {{"Authorization", "Bearer " + token}});
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("\nkelu_today_transactions 3\n"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("kelu_source_accepted_total{source=\"pos-tcp\",driver=\"pos-tcp\"} 3"),
            std::string::npos)
      << metrics.body;
  const auto health = test::http_get(port, "/api/v1/health", {{"Cookie", cookie}});
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(json::parse(health.body)["sources"][0]["accepted"], 3);
  EXPECT_EQ(agent->stop(SIGTERM, 15s), 0) << log();  // the open stream does not hold up the stop
}

// The printed sign's round trip: `kelu qr` writes the code, a QR reader (zbarimg) reads the link
// off it, and that link opens the dashboard. `kelu qr --rotate` and a SIGHUP revoke it.
TEST_F(agent_process, the_printed_qr_code_opens_the_dashboard_until_the_key_is_rotated) {
  if (!test::qr_reader_available()) GTEST_SKIP() << "zbarimg is not installed (scripts/setup installs zbar-tools)";
  auto cfg = json::parse(std::ifstream(dir.file("kelu.json")));
  const auto port = test::free_port();
  cfg["dashboard"] = {{"listen", "127.0.0.1"}, {"port", port}, {"base_url", "http://127.0.0.1:" + std::to_string(port)}};
  std::ofstream(dir.file("kelu.json")) << cfg.dump(2);
  start_agent();
  ASSERT_TRUE(logged("dashboard: http://", 10s)) << log();
  const auto qr_link = [&](bool rotate) {
    std::vector<std::string> argv{KELU_BINARY, "qr", "-c", dir.file("kelu.json"), "--png", dir.file("qr.png"),
                                  "--svg", dir.file("sign.svg")};
    if (rotate) argv.push_back("--rotate");
    test::process qr(argv, dir.file("qr.out"));
    EXPECT_EQ(qr.wait(20s), 0);
    return test::read_qr_link(dir.file("qr.png"), dir.file(rotate ? "zbar-rotated.out" : "zbar.out"));
  };
  const auto open = [&](const std::string& link) {
    const std::string prefix = "http://127.0.0.1:" + std::to_string(port);
    EXPECT_TRUE(link.starts_with(prefix + "/?t=")) << link;
    const auto qr = test::http_get(port, link.substr(prefix.size()));
    if (qr.status != 303) return qr;
    return test::http_get(port, qr.location, {{"Cookie", qr.set_cookie.substr(0, qr.set_cookie.find(';'))}});
  };
  const auto first = qr_link(false);
  EXPECT_NE(log().find(first), std::string::npos) << "the agent and kelu qr show the same link";
  const auto page = open(first);
  EXPECT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find("<title>"), std::string::npos);

  const auto second = qr_link(true);
  EXPECT_NE(second, first);
  ::kill(agent->pid(), SIGHUP);
  ASSERT_TRUE(logged("reload: new dashboard key", 10s)) << log();
  const auto old = open(first);
  EXPECT_EQ(old.status, 401);
  EXPECT_NE(old.body.find("replaced"), std::string::npos) << old.body;
  EXPECT_EQ(open(second).status, 200);
  EXPECT_EQ(agent->stop(SIGTERM, 15s), 0) << log();
}

// https with the certificate the box makes itself: `kelu tls` creates it and prints the
// fingerprint a technician compares; the agent serves it, curl (not our code) verifies it for the
// address the QR code names, and plain http is sent on to https.
TEST_F(agent_process, kelu_tls_makes_the_certificate_the_agent_serves_and_the_qr_code_says_https) {
  if (!test::curl_available()) GTEST_SKIP() << "curl is not installed (scripts/setup installs it)";
  auto cfg = json::parse(std::ifstream(dir.file("kelu.json")));
  const auto port = test::free_port();
  const auto https = "https://127.0.0.1:" + std::to_string(port);
  cfg["dashboard"] = {{"listen", "127.0.0.1"}, {"port", port}, {"tls", true}, {"base_url", https}};
  std::ofstream(dir.file("kelu.json")) << cfg.dump(2);
  test::process tls({KELU_BINARY, "tls", "-c", dir.file("kelu.json")}, dir.file("tls.out"));
  ASSERT_EQ(tls.wait(20s), 0);
  const auto printed = test::slurp(dir.file("tls.out"));
  const auto fingerprint = net::certificate_fingerprint(dir.file("dashboard.crt"));
  ASSERT_TRUE(fingerprint) << printed;
  EXPECT_NE(printed.find("fingerprint " + *fingerprint), std::string::npos) << printed;
  start_agent();
  ASSERT_TRUE(logged("dashboard: " + https + "/?t=", 10s)) << log();
  const auto curl = [&](const std::string& args) {
    const auto cmd = "curl -s -m 10 -o /dev/null -w '%{http_code} %{redirect_url}' " + args + " 2>&1";
    std::string out;
    if (FILE* p = ::popen(cmd.c_str(), "r")) {
      char buf[512];
      while (const auto n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
      ::pclose(p);
    }
    return out;
  };
  // Verified against the certificate `kelu tls` made (the agent kept it, it did not make another).
  EXPECT_EQ(curl("--cacert " + dir.file("dashboard.crt") + " " + https + "/api/v1/today"), "401 ");
  EXPECT_EQ(*net::certificate_fingerprint(dir.file("dashboard.crt")), *fingerprint);
  EXPECT_EQ(curl(https + "/"), "000 ") << "a client that does not know the certificate must not get through";
  EXPECT_EQ(curl("http://127.0.0.1:" + std::to_string(port) + "/tech"), "308 " + https + "/tech");
  EXPECT_EQ(agent->stop(SIGTERM, 15s), 0) << log();
}

// Under the packaged unit (Type=notify, WatchdogSec): systemd hears READY=1 once the agent
// listens, a watchdog ping every half WatchdogSec from the io_context thread, and STOPPING=1.
TEST_F(agent_process, tells_systemd_it_is_ready_pings_the_watchdog_and_says_when_it_stops) {
  const auto path = dir.file("notify");
  test::fake_systemd systemd{path};
  const auto next = [&] { return systemd.next(); };
  start_agent({"NOTIFY_SOCKET=" + path, "WATCHDOG_USEC=400000"});
  std::vector<std::string> got;
  while (got.empty() || !got.back().starts_with("READY=1")) {
    got.push_back(next());
    ASSERT_NE(got.back(), test::fake_systemd::nothing_came) << log();
  }
  EXPECT_EQ(got.back(), "READY=1\nSTATUS=counting for store acme/sh-001");
  // Listening by then: a till can connect.
  auto c = till();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(next(), "WATCHDOG=1");
  ASSERT_EQ(agent->stop(SIGTERM, 20s), 0) << log();
  std::string last;
  for (std::string m = next(); m != test::fake_systemd::nothing_came; m = next()) {
    last = m;
    if (m == "STOPPING=1") break;
  }
  EXPECT_EQ(last, "STOPPING=1");
}

TEST_F(agent_process, sighup_with_a_broken_config_keeps_running) {
  start_agent();
  std::ofstream(dir.file("kelu.json"), std::ios::app) << "garbage";
  ::kill(agent->pid(), SIGHUP);
  EXPECT_TRUE(logged("keeping the running configuration", 10s)) << log();
  auto c = till();
  EXPECT_EQ(send(c, 0, 10).size(), 10u);  // still serving
  EXPECT_EQ(agent->stop(SIGTERM, 15s), 0);
}

// A reload sets hot keys in place and rebuilds the one source whose section changed; the till
// reconnects to the rebuilt listener, and the change is in the box's history.
TEST_F(agent_process, sighup_applies_hot_keys_and_rebuilds_the_changed_source) {
  test::mqtt_collector hq{broker->uri(), "hq-hup", "kelu/v1/acme/sh-001/status"};
  start_agent();
  ASSERT_TRUE(hq.wait_until([](const auto& m) { return !m.empty(); }, 10s));
  const auto first_hash = json::parse(hq.messages().back().payload)["config_hash"].get<std::string>();
  auto cfg = json::parse(std::ifstream(dir.file("kelu.json")));
  cfg["log"]["level"] = "debug";
  cfg["storage"]["events_retention_days"] = 30;
  cfg["sources"]["pos_tcp"]["max_connections"] = 3;
  std::ofstream(dir.file("kelu.json")) << cfg.dump(2);
  ::kill(agent->pid(), SIGHUP);
  ASSERT_TRUE(logged("file: applied 3 keys, rebuilt [\"sources.pos_tcp\"]", 10s)) << log();
  auto c = till();
  EXPECT_EQ(send(c, 0, 10).size(), 10u);  // the rebuilt listener serves
  // HQ sees the running configuration change: a new birth with a new hash.
  ASSERT_TRUE(hq.wait_until([](const auto& m) { return m.size() >= 2; }, 10s));
  const auto birth = json::parse(hq.messages().back().payload);
  EXPECT_EQ(birth["state"], "online");
  EXPECT_NE(birth["config_hash"].get<std::string>(), first_hash);
  EXPECT_EQ(agent->stop(SIGTERM, 15s), 0);
  const auto history = json::parse(kelu_output({"config", "history", "--json", "-c", dir.file("kelu.json")}));
  ASSERT_FALSE(history.empty()) << history;
  EXPECT_EQ(history[0]["origin"], "file");
  EXPECT_EQ(history[0]["outcome"], "applied");
  EXPECT_EQ(history[0]["keys"], json::array({"storage.events_retention_days", "sources.pos_tcp.max_connections",
                                             "log.level"}));
  EXPECT_EQ(history[0]["detail"]["rebuilt"], json::array({"sources.pos_tcp"}));
}

// HQ pushes configuration: a retained, versioned config/desired naming the keys it sets. The box
// applies it component by component, refuses a bad document or another store's with the reasons,
// ignores a version it has seen, keeps what HQ desired across a restart, and takes merge patches
// of the version it runs.
TEST_P(agent_delivery, hq_pushes_a_desired_config_and_the_box_reports_what_it_did) {
  test::mqtt_collector hq{broker->uri(), "hq-config", "kelu/v1/acme/sh-001/config/reported"};
  start_agent();
  const auto desire = [&](const json& doc) { hq_publishes("kelu/v1/acme/sh-001/config/desired", doc.dump(), true); };
  const auto reports = [&](std::size_t n) {
    EXPECT_TRUE(hq.wait_until([&](const auto& m) { return m.size() >= n; }, 20s)) << log();
    const auto m = hq.messages();
    return m.size() >= n ? json::parse(m[n - 1].payload) : json();
  };
  const json wanted{{"health", {{"interval_s", 2}}},
                    {"alerts", json::array({{{"name", "crowded"}, {"metric", "occupancy"}, {"op", ">"},
                                             {"threshold", 40}}})},
                    {"mqtt", {{"keep_alive_s", 45}}}};
  desire({{"version", 1}, {"config", wanted}});
  const auto first = reports(1);
  EXPECT_EQ(first["state"], "applied") << first;
  EXPECT_EQ(first["origin"], "hq");
  EXPECT_EQ(first["version"], 1);
  EXPECT_EQ(first["applied_version"], 1);
  EXPECT_EQ(first["keys"], json::array({"mqtt.keep_alive_s", "alerts", "health.interval_s"}));
  EXPECT_EQ(first["rebuilt"], json::array({"mqtt"}));  // keep-alive is fixed at CONNECT: the link reconnects

  desire({{"version", 2}, {"base_version", 1}, {"patch", {{"health", {{"interval_s", 0}}}}}});
  const auto refused = reports(2);
  EXPECT_EQ(refused["state"], "rejected");
  ASSERT_EQ(refused["errors"].size(), 1u) << refused;
  EXPECT_NE(refused["errors"][0].get<std::string>().find("config/desired: health.interval_s"), std::string::npos)
      << refused;
  EXPECT_EQ(refused["running_hash"], first["running_hash"]);  // nothing of it applied
  EXPECT_EQ(refused["applied_version"], 1);

  auto other = wanted;
  other["store"]["id"] = "sh-002";
  desire({{"version", 3}, {"config", other}});
  const auto wrong_store = reports(3);
  EXPECT_EQ(wrong_store["state"], "rejected");
  EXPECT_NE(wrong_store["errors"][0].get<std::string>().find("this box is acme/sh-001"), std::string::npos);
  desire({{"version", 4}, {"base_version", 3}, {"patch", json::object()}});
  const auto wrong_base = reports(4);
  EXPECT_EQ(wrong_base["state"], "rejected");
  EXPECT_NE(wrong_base["errors"][0].get<std::string>().find("this box runs version 1"), std::string::npos);
  // Version 1 again (a retained message after a reconnect, a resend): seen, nothing to do. The
  // message after it is answered, so by then the resend was read, and it got no answer.
  desire({{"version", 1}, {"config", wanted}});
  desire({{"version", 5}, {"base_version", 99}, {"patch", json::object()}});
  const auto after_resend = reports(5);
  EXPECT_EQ(after_resend.value("version", 0), 5) << after_resend;
  EXPECT_EQ(after_resend["state"], "rejected");
  EXPECT_EQ(agent->stop(SIGTERM, 15s), 0);
  EXPECT_EQ(hq.messages().size(), 5u);

  // What HQ desired runs at the next start before HQ says anything: the box announces it.
  hq_publishes("kelu/v1/acme/sh-001/config/desired", "", true);  // HQ clears the retained message
  start_agent();
  const auto again = reports(6);
  EXPECT_EQ(again["state"], "applied");
  EXPECT_EQ(again["origin"], "boot");
  EXPECT_EQ(again["applied_version"], 1);
  EXPECT_EQ(again["running_hash"], first["running_hash"]);
  desire({{"version", 6}, {"base_version", 1}, {"patch", {{"health", {{"interval_s", 3}}}, {"alerts", nullptr}}}});
  const auto patched = reports(7);
  EXPECT_EQ(patched["state"], "applied") << patched;
  EXPECT_EQ(patched["keys"], json::array({"alerts", "health.interval_s"}));
  EXPECT_TRUE(patched["rebuilt"].empty());
  EXPECT_EQ(agent->stop(SIGTERM, 15s), 0);
  const auto shown = kelu_output({"config", "show", "--effective", "-c", dir.file("kelu.json")});
  EXPECT_NE(shown.find("HQ's desired version 6"), std::string::npos) << shown;
  EXPECT_NE(shown.find("health.interval_s"), std::string::npos) << shown;
  const auto checked = test::check_against_schemas(hq.messages(), KELU_SOURCE_DIR, dir.path().string());
  if (!checked.available) GTEST_SKIP() << "python3-jsonschema is not installed (scripts/setup installs it)";
  EXPECT_EQ(checked.status, 0) << checked.text;
}

// HQ's consumer was down for the first 100 sales: it sees #101 first, asks for 1..100, and the
// box sends them again from its own store, through the backlog lane in compressed batches.
TEST_P(agent_delivery, hq_tail_detects_a_gap_and_the_box_replays_it) {
  auto cfg = json::parse(std::ifstream(dir.file("kelu.json")));
  cfg["mqtt"]["backfill_batch"] = 30;
  std::ofstream(dir.file("kelu.json")) << cfg.dump(2);
  test::mqtt_collector witness{broker->uri(), "witness", "kelu/v1/acme/sh-001/events/#"};
  test::mqtt_collector batches{broker->uri(), "batches", "kelu/v1/acme/sh-001/backfill/#"};
  start_agent();
  auto c = till();
  ASSERT_EQ(send(c, 0, 100).size(), 100u);
  ASSERT_TRUE(witness.wait_until([](const auto& m) { return view_of(m).by_identity.size() >= 100; }, 30s));

  sync::hq_tail_options o;
  o.uri = broker->uri();
  o.client_id = "hq-tail-test";
  o.tenant = "acme";
  // A real $share subscription, as HQ's consumers use, where the broker has them (RabbitMQ 3.10
  // would take it as a literal topic and deliver nothing).
  if (broker->shared_subscriptions()) o.share_group = "hq";
  o.from_first = true;
  o.gap_grace = 300ms;
  std::vector<std::string> printed;
  std::mutex printed_mutex;
  sync::hq_tail tail{o, [&](const std::string& line) {
                       std::lock_guard lock(printed_mutex);
                       printed.push_back(line);
                     }};
  ASSERT_TRUE(tail.start());
  ASSERT_EQ(send(c, 100, 200).size(), 100u);
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (tail.high_water("sh-001", "pos-tcp") < 200 && std::chrono::steady_clock::now() < deadline) {
    tail.poll();
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(tail.high_water("sh-001", "pos-tcp"), 200) << log();
  EXPECT_TRUE(tail.gaps().empty());
  const auto s = tail.stats();
  EXPECT_GE(s.replay_requests, 1);
  EXPECT_EQ(s.unique, 200);
  EXPECT_EQ(s.lost, 0);
  EXPECT_NE(log().find("cmd/replay pos-tcp 1..100: queued 100"), std::string::npos) << log();
  // The replay went as batches of at most 30, not one message per event.
  const auto replayed = [](const std::vector<test::received>& m) {
    std::size_t events = 0;
    for (const auto& b : m) {
      const auto lines = sync::inflate_batch(b.payload, 1 << 20);
      events += lines && lines->size() <= 30 ? lines->size() : 0;
    }
    return events;
  };
  EXPECT_TRUE(batches.wait_until([&](const auto& m) { return replayed(m) == 100 && m.size() >= 4; }, 10s))
      << batches.messages().size() << " batches with " << replayed(batches.messages()) << " events";
  tail.stop();
}

// Every message HQ can receive, captured from a real run, against docs/schemas/ with the
// reference validator (Debian's python3-jsonschema): the documented contract is the real one.
TEST_P(agent_delivery, every_payload_matches_the_published_json_schemas) {
  test::mqtt_collector hq{broker->uri(), "hq-schema", "kelu/v1/acme/sh-001/#"};
  start_agent();
  auto c = till();
  std::string burst = txn_line(1) + txn_line(2);
  burst += json{{"terminal", "T9"}, {"transaction_id", "refund-1"}, {"kind", "return"}, {"total", "-3.50"},
                {"operator", "E7"}, {"tenders", {{{"method", "cash"}, {"amount", "-3.50"}, {"card", "none"}}}},
                {"loyalty", {{"member", "0042"}}}}
               .dump() +
           "\n";
  burst += json{{"kind", "sign_on"}, {"terminal", "T9"}, {"transaction_id", "S1"}, {"operator", "E7"}}.dump() + "\n";
  ASSERT_TRUE(c.send(burst, 5s));
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(c.read_line(10s));
  const auto has = [&](const std::string& suffix, std::size_t n) {
    return hq.wait_until(
        [&](const auto& m) {
          return static_cast<std::size_t>(std::count_if(m.begin(), m.end(), [&](const auto& r) {
                   return r.topic.ends_with(suffix);
                 })) >= n;
        },
        15s);
  };
  ASSERT_TRUE(has("/stats", 1));
  ASSERT_TRUE(logged("mqtt: subscribed to kelu/v1/acme/sh-001/cmd/#", 20s)) << log();
  for (const char* cmd : {R"({"request_id":"r1","source":"pos-tcp","from_seq":1,"to_seq":5})",
                          R"({"request_id":"r2","source":"pos-tcp"})"}) {
    hq_publishes("kelu/v1/acme/sh-001/cmd/replay", cmd);
  }
  ASSERT_TRUE(has("/reply/replay", 2)) << log();
  EXPECT_EQ(agent->stop(SIGTERM, 15s), 0);
  ASSERT_TRUE(has("/status", 2));  // birth and goodbye

  // What the box sends; of HQ's own commands only the well-formed one (the other is refused on purpose).
  auto msgs = hq.messages();
  std::erase_if(msgs, [](const auto& m) {
    return m.topic.find("/cmd/") != std::string::npos && m.payload.find("from_seq") == std::string::npos;
  });
  const auto checked = test::check_against_schemas(msgs, KELU_SOURCE_DIR, dir.path().string());
  if (!checked.available) GTEST_SKIP() << "python3-jsonschema is not installed (scripts/setup installs it)";
  const auto& report = checked.text;
  EXPECT_EQ(checked.status, 0) << report;
  EXPECT_NE(report.find("0 failures"), std::string::npos) << report;
  EXPECT_NE(report.find("2 replay-reply"), std::string::npos) << report;  // the ok and the error reply
  EXPECT_NE(report.find("1 replay-request"), std::string::npos) << report;
  EXPECT_NE(report.find("2 status"), std::string::npos) << report;
  // The compatibility rule (docs/mqtt.md, "Versions"): an HQ consumer written against release 0.1.0's
  // schemas, ignoring what it does not know, reads everything this box sends.
  const auto old = test::check_against_schemas(msgs, KELU_SOURCE_DIR, dir.path().string(),
                                               "tests/data/contract/schemas-0.1.0", true);
  EXPECT_EQ(old.status, 0) << old.text;
  EXPECT_NE(old.text.find("0 failures"), std::string::npos) << old.text;
  // Strict: the box's own epoch is in every event and status it sent.
  for (const auto& m : msgs) {
    if (m.topic.find("/events/") != std::string::npos || m.topic.ends_with("/status")) {
      EXPECT_EQ(json::parse(m.payload).value("epoch", std::string{}).size(), 16u) << m.topic << " " << m.payload;
    }
  }
}

// A store offline for days: the outbox is bounded by storage.outbox_quota_bytes. Past it the oldest
// raw events go first; what is kept is the newest, contiguous up to the last sale, and every drop
// is counted and reported to HQ in stats once the link returns.
TEST_P(agent_delivery, over_its_quota_the_box_drops_the_oldest_counts_them_and_keeps_the_newest) {
  auto cfg = json::parse(std::ifstream(dir.file("kelu.json")));
  cfg["storage"]["outbox_quota_bytes"] = 1 << 20;  // the smallest allowed: about 2,500 sales here
  std::ofstream(dir.file("kelu.json")) << cfg.dump(2);
  // HQ's persistent session exists before the outage, so it gets what the box sends on reconnect.
  test::mqtt_collector hq{broker->uri(), "hq-quota", "kelu/v1/acme/sh-001/#"};
  broker->stop();
  start_agent();
  auto c = till();
  constexpr int sales = 6000;
  ASSERT_EQ(send(c, 0, sales).size(), static_cast<std::size_t>(sales));
  ASSERT_TRUE(logged("outbox over its quota", 30s)) << log();  // maintenance runs every 10 s
  broker->start();

  const auto quota_drops = [](const std::vector<test::received>& m) {
    std::int64_t most = -1;  // the counter only grows: the latest report is the largest
    for (const auto& r : m)
      if (r.topic.ends_with("/stats"))
        most = std::max(most, json::parse(r.payload)["payload"]["outbox_dropped_by"]["quota"].get<std::int64_t>());
    return most;
  };
  // Done when HQ has the last sale and a report that accounts for every sale it did not get.
  ASSERT_TRUE(hq.wait_until(
      [&](const auto& m) {
        const auto v = view_of(m);
        return !v.by_identity.empty() && v.by_identity.rbegin()->first.second == sales &&
               quota_drops(m) == sales - static_cast<std::int64_t>(v.by_identity.size());
      },
      90s))
      << "HQ has " << view_of(hq.messages()).by_identity.size() << " sales, drops reported "
      << quota_drops(hq.messages()) << "\n"
      << log();
  const auto v = view_of(hq.messages());
  const auto first = v.by_identity.begin()->first.second;
  EXPECT_GT(first, 1) << "nothing was dropped";
  EXPECT_GE(v.by_identity.size(), 1000u) << "the quota kept far less than 1 MiB of sales";
  EXPECT_EQ(static_cast<std::int64_t>(v.by_identity.size()), sales - first + 1) << "the kept sales have a hole";
  for (const auto& [id, s] : v.seqs_of_txn) EXPECT_EQ(s.size(), 1u) << id;
}

// HQ's mistakes on cmd/...: each gets an error reply saying what is wrong, nothing changes, and the
// box goes on serving the till and answering good commands.
TEST_P(agent_delivery, malformed_commands_get_error_replies_and_the_box_keeps_serving) {
  test::mqtt_collector hq{broker->uri(), "hq-cmd", "kelu/v1/acme/sh-001/reply/#"};
  start_agent();
  auto c = till();
  ASSERT_EQ(send(c, 0, 10).size(), 10u);
  // The box's session is clean: a command before its subscription is in place is not for it.
  ASSERT_TRUE(logged("mqtt: subscribed to kelu/v1/acme/sh-001/cmd/#", 20s)) << log();
  const std::string cmd = "kelu/v1/acme/sh-001/cmd/";
  const std::vector<std::tuple<std::string, std::string, std::string>> bad{
      {"replay", "not json at all", "not a JSON object"},
      {"replay", std::string("\xff\xfe\x00\x01", 4), "not a JSON object"},
      {"replay", R"({"request_id":"b3"})", "source: required"},
      {"replay", R"({"request_id":"b4","source":"pos-tcp","from_seq":9,"to_seq":2})", "to_seq: must be >= from_seq"},
      {"replay", R"({"request_id":"b5","source":"pos-tcp","from_seq":1,"to_seq":2,"x":1})", "x: unknown field"},
      {"replay", R"({"request_id":"b6","pad":")" + std::string(70000, 'x') + "\"}", "bytes, more than 65536"},
      {"reboot", R"({"request_id":"b7"})", "unknown command \"reboot\""},
  };
  for (const auto& [name, payload, _] : bad) hq_publishes(cmd + name, payload);
  hq_publishes(cmd + "replay", R"({"request_id":"good","source":"pos-tcp","from_seq":1,"to_seq":3})");
  ASSERT_TRUE(hq.wait_until([&](const auto& m) { return m.size() >= bad.size() + 1; }, 20s))
      << hq.messages().size() << " replies\n"
      << log();
  const auto replies = hq.messages();
  ASSERT_EQ(replies.size(), bad.size() + 1);
  for (std::size_t i = 0; i < bad.size(); ++i) {  // one session, QoS 1, one publisher: in order
    const auto& [name, payload, reason] = bad[i];
    EXPECT_EQ(replies[i].topic, "kelu/v1/acme/sh-001/reply/" + name);
    const auto r = json::parse(replies[i].payload);
    EXPECT_FALSE(r["ok"].get<bool>()) << r;
    EXPECT_NE(r["error"].get<std::string>().find(reason), std::string::npos) << r << " should say " << reason;
  }
  const auto good = json::parse(replies.back().payload);
  EXPECT_EQ(good["request_id"], "good");
  EXPECT_TRUE(good["ok"].get<bool>()) << good;
  EXPECT_EQ(good["queued"], 3);
  EXPECT_TRUE(agent->running());
  EXPECT_EQ(send(c, 10, 20).size(), 10u);
  EXPECT_EQ(agent->stop(SIGTERM, 15s), 0) << log();
}

INSTANTIATE_TEST_SUITE_P(brokers, agent_delivery, testing::ValuesIn(test::broker_kinds()),
                         [](const testing::TestParamInfo<std::string>& p) { return p.param; });

TEST(agent_cli, config_validate_reports_errors_with_exit_code) {
  test::temp_dir dir;
  std::ofstream(dir.file("bad.json")) << "{\n  \"store\": {\"tenant\": \"a\", \"id\": \"b\"},\n  \"mqtt\": {\"uri\": 5}\n}\n";
  std::ofstream(dir.file("sample.json"));
  {
    test::process p({KELU_BINARY, "config", "sample"}, dir.file("sample.json"));
    ASSERT_EQ(p.wait(10s), 0);
  }
  test::process good({KELU_BINARY, "config", "validate", dir.file("sample.json")}, dir.file("good.out"));
  EXPECT_EQ(WEXITSTATUS(good.wait(10s)), 0);
  test::process bad({KELU_BINARY, "config", "validate", dir.file("bad.json")}, dir.file("bad.out"));
  EXPECT_EQ(WEXITSTATUS(bad.wait(10s)), 1);
  std::ifstream in(dir.file("bad.out"));
  const std::string out{std::istreambuf_iterator<char>(in), {}};
  EXPECT_NE(out.find("bad.json:3: mqtt.uri: expected a string"), std::string::npos) << out;
}

}  // namespace
}  // namespace kelu
