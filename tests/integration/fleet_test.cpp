// SPDX-License-Identifier: Apache-2.0
// Fleet operations on a real agent process: HQ changes a till listener, the broker, a restart-only
// key; a change that cuts the box off undoes itself; a reload under load loses nothing
// (docs/fleet.md).
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "dashboard/password_hash.hpp"
#include "agent_fixture.hpp"
#include "support/broker.hpp"
#include "support/http_get.hpp"
#include "support/io_helpers.hpp"
#include "support/mqtt_collector.hpp"
#include "support/schema_check.hpp"
#include "support/temp_dir.hpp"
#include "sync/hq_tail.hpp"

namespace kelu {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using test::agent_process;

class fleet : public agent_process {
 protected:
  void desire(const json& doc) { hq_publishes("kelu/v1/acme/sh-001/config/desired", doc.dump(), true); }

  // The n-th config/reported `hq` received (1-based), once it has.
  json report(test::mqtt_collector& hq, std::size_t n) {
    EXPECT_TRUE(hq.wait_until([&](const auto& m) { return m.size() >= n; }, 30s)) << log();
    const auto m = hq.messages();
    return m.size() >= n ? json::parse(m[n - 1].payload) : json();
  }

  // Polls the agent's log until `text` appears `times` times.
  bool logged_times(const std::string& text, int times, std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      const auto l = log();
      int n = 0;
      for (auto at = l.find(text); at != std::string::npos; at = l.find(text, at + 1)) ++n;
      if (n >= times) return true;
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(20ms);
    }
  }

  void edit_file(const std::function<void(json&)>& change) {
    auto cfg = json::parse(std::ifstream(dir.file("kelu.json")));
    change(cfg);
    std::ofstream(dir.file("kelu.json")) << cfg.dump(2);
  }
};

// The technician page's settings, over HTTP as the page sends them: judged like HQ's changes,
// drifting from HQ's keys until HQ's next version, undone when they cut the box off.
TEST_F(fleet, the_technicians_settings_drift_from_hq_until_its_next_version_and_a_bad_one_is_undone) {
  const auto http_port = test::free_port();
  edit_file([&](json& c) {
    c["fleet"]["gate_s"] = 2;
    c["dashboard"]["port"] = http_port;
    c["dashboard"]["technician_password"] = dashboard::hash_password("tech-pw", 10000);
  });
  test::mqtt_collector hq{broker->uri(), "hq-tech", "kelu/v1/acme/sh-001/config/reported"};
  start_agent();
  ASSERT_TRUE(test::wait_for_port(http_port, 20s)) << log();
  const auto login = test::http_post(http_port, "/tech/login", R"({"password": "tech-pw"})");
  ASSERT_EQ(login.status, 200) << login.body;
  const test::http_headers session{{"Cookie", login.set_cookie.substr(0, login.set_cookie.find(';'))}};
  const auto post = [&](const std::string& path, const json& body) {
    const auto r = test::http_post(http_port, path, body.dump(), session, 30s);
    EXPECT_NE(r.status, 0) << r.error;
    return std::make_pair(r.status, r.status ? json::parse(r.body) : json());
  };

  desire({{"version", 1}, {"config", {{"health", {{"interval_s", 30}}}}}});
  EXPECT_EQ(report(hq, 1)["state"], "applied");
  const json local{{"set", {{"health.interval_s", 15}}}};
  auto [status, preview] = post("/tech/api/settings/preview", local);
  EXPECT_EQ(preview["ok"], true) << preview;
  EXPECT_EQ(preview["drift"], json::array({"health.interval_s"}));
  EXPECT_EQ(preview["changes"], json::array({{{"key", "health.interval_s"}, {"from", 30}, {"to", 15}}}));
  auto [applied_status, applied] = post("/tech/api/settings/apply", local);
  EXPECT_EQ(applied_status, 200) << applied;
  EXPECT_EQ(applied["state"], "applied") << applied;
  auto r = report(hq, 2);
  EXPECT_EQ(r["origin"], "technician");
  EXPECT_EQ(r["drift"], json::array({"health.interval_s"}));
  // HQ's next version takes its key back.
  desire({{"version", 2}, {"config", {{"health", {{"interval_s", 45}}}}}});
  r = report(hq, 3);
  EXPECT_EQ(r["state"], "applied") << r;
  EXPECT_EQ(r["drift"], json::array());
  const auto listed = test::http_get(http_port, "/tech/api/settings", session);
  ASSERT_EQ(listed.status, 200);
  const auto settings = json::parse(listed.body);  // named: a range-for keeps only the temporary's ["keys"] alive
  for (const auto& k : settings["keys"])
    if (k["key"] == "health.interval_s") {
      EXPECT_EQ(k["value"], 45);
      EXPECT_EQ(k["origin"], "hq");
      EXPECT_EQ(k["reload"], "hot");
    }

  // A broker the box cannot reach: undone, reported, not kept.
  const auto nowhere = "tcp://127.0.0.1:" + std::to_string(test::free_port());
  auto [bad_status, bad] = post("/tech/api/settings/apply", {{"set", {{"mqtt.uri", nowhere}, {"mqtt.connect_timeout_s", 1}}}});
  EXPECT_EQ(bad_status, 422) << bad;
  EXPECT_EQ(bad["state"], "rolled_back") << bad;
  ASSERT_EQ(bad["reason"].size(), 1u) << bad;
  EXPECT_NE(bad["reason"][0].get<std::string>().find("mqtt: not connected to " + nowhere), std::string::npos) << bad;
  r = report(hq, 4);  // at HQ's broker: the box is back on it
  EXPECT_EQ(r["state"], "rolled_back");
  EXPECT_EQ(r["origin"], "technician");
  const auto kept = json::parse(std::ifstream(dir.file("technician.json")));
  EXPECT_FALSE(kept.contains("mqtt")) << kept;
  EXPECT_EQ(kept["health"]["interval_s"], 15);
  // Refused before anything is touched: a key that does not exist, a value out of range.
  std::tie(status, preview) = post("/tech/api/settings/preview", {{"set", {{"mqtt.urx", "x"}}}});
  EXPECT_EQ(preview["errors"], json::array({"set.mqtt.urx: no such key"}));
  std::tie(status, preview) = post("/tech/api/settings/preview", {{"set", {{"sources.pos_tcp.port", 70000}}}});
  EXPECT_EQ(preview["ok"], false);
  ASSERT_EQ(preview["errors"].size(), 1u) << preview;
  EXPECT_NE(preview["errors"][0].get<std::string>().find("sources.pos_tcp.port"), std::string::npos) << preview;
  // A file installed later names a key the page set: the page's value stays over it, and says so.
  auto next = json::parse(std::ifstream(dir.file("kelu.json")));
  next["health"]["interval_s"] = 20;
  std::ofstream(dir.file("new.json")) << next.dump(2);
  const auto installed = kelu_output({"config", "apply", dir.file("new.json"), "-c", dir.file("kelu.json")});
  EXPECT_NE(installed.find("note: the technician page sets health.interval_s"), std::string::npos) << installed;
  EXPECT_EQ(agent->stop(SIGTERM, 15s), 0);
}

// From a shell, without editing a file: the technician page's password, then settings, given to
// the running agent (technician.json), with the same checks as the page.
TEST_F(fleet, the_page_password_and_settings_are_set_from_the_shell_without_editing_a_file) {
  const auto http_port = test::free_port();
  edit_file([&](json& c) { c["dashboard"]["port"] = http_port; });
  start_agent();
  ASSERT_TRUE(test::wait_for_port(http_port, 10s)) << log();
  EXPECT_EQ(test::http_post(http_port, "/tech/login", R"({"password": "door-2026-pw"})").status, 403);  // off
  const auto command = std::string("echo door-2026-pw | ") + KELU_BINARY + " passwd --set -c " + dir.file("kelu.json");
  test::process passwd({"/bin/sh", "-c", command}, dir.file("passwd.out"));
  ASSERT_EQ(WEXITSTATUS(passwd.wait(30s)), 0) << std::ifstream(dir.file("passwd.out")).rdbuf();
  EXPECT_EQ(test::http_post(http_port, "/tech/login", R"({"password": "door-2026-pw"})").status, 200);
  EXPECT_NE(kelu_output({"config", "set", "-c", dir.file("kelu.json"), "health.interval_s=5", "log.level=debug"})
                .find("applied"),
            std::string::npos);
  EXPECT_NE(kelu_output({"config", "set", "-c", dir.file("kelu.json"), "health.interval_z=5"}, 2)
                .find("set.health.interval_z: no such key"),
            std::string::npos);
  EXPECT_NE(kelu_output({"config", "set", "-c", dir.file("kelu.json"), "health.interval_s=0"}, 1)
                .find("health.interval_s: value 0 is outside 1..86400"),
            std::string::npos);
  const auto shown = json::parse(kelu_output({"config", "show", "--json", "-c", dir.file("kelu.json")}));
  for (const auto& k : shown) {
    if (k["key"] == "health.interval_s" || k["key"] == "dashboard.technician_password") {
      EXPECT_EQ(k["origin"], "technician") << k;
    }
    if (k["key"] == "dashboard.technician_password") {
      EXPECT_EQ(k["value"], "***");
    }
  }
  EXPECT_EQ(agent->stop(SIGTERM, 15s), 0);
}

// HQ moves the till listener: the new port serves, the old one is closed, the unchanged rest
// (the link to HQ) never noticed.
TEST_F(fleet, hq_moves_the_till_port_and_the_till_follows) {
  test::mqtt_collector hq{broker->uri(), "hq-port", "kelu/v1/acme/sh-001/config/reported"};
  start_agent();
  auto before = till();
  ASSERT_EQ(send(before, 0, 20).size(), 20u);
  const auto new_port = test::free_port();
  desire({{"version", 1}, {"config", {{"sources", {{"pos_tcp", {{"port", new_port}}}}}}}});
  const auto r = report(hq, 1);
  EXPECT_EQ(r["state"], "applied") << r;
  EXPECT_EQ(r["rebuilt"], json::array({"sources.pos_tcp"}));
  auto moved = drivers::pos_tcp_client::connect("127.0.0.1", new_port, 5s);
  ASSERT_TRUE(moved) << moved.error_message() << log();
  EXPECT_EQ(send(*moved, 20, 40).size(), 20u);
  EXPECT_FALSE(drivers::pos_tcp_client::connect("127.0.0.1", pos_port, 2s));  // the old port is closed
  EXPECT_EQ(agent->stop(SIGTERM, 15s), 0);
}

// HQ moves the box to another broker: it reconnects there with its outbox, and every sale
// reaches HQ across the two brokers, none lost.
TEST_F(fleet, hq_moves_the_box_to_another_broker_with_its_outbox) {
  std::string why;
  auto second = test::make_broker("mosquitto", nullptr, &why);
  ASSERT_TRUE(second) << why;
  second->start();
  test::mqtt_collector at_first{broker->uri(), "hq-a", "kelu/v1/acme/sh-001/#"};
  test::mqtt_collector at_second{second->uri(), "hq-b", "kelu/v1/acme/sh-001/#"};
  start_agent();
  auto c = till();
  ASSERT_EQ(send(c, 0, 300).size(), 300u);
  desire({{"version", 1}, {"config", {{"mqtt", {{"uri", second->uri()}}}}}});
  ASSERT_EQ(send(c, 300, 600).size(), 300u);  // sales go on while the link moves
  ASSERT_TRUE(at_second.wait_until(
      [](const auto& m) {
        for (const auto& x : m)
          if (x.topic.ends_with("/config/reported")) return true;
        return false;
      },
      30s))
      << log();
  ASSERT_EQ(send(c, 600, 700).size(), 100u);
  const auto all_sales = [&] {
    auto msgs = at_first.messages();
    const auto more = at_second.messages();
    msgs.insert(msgs.end(), more.begin(), more.end());
    return test::view_of(msgs);
  };
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (all_sales().seqs_of_txn.size() < 700 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  const auto v = all_sales();
  EXPECT_EQ(v.seqs_of_txn.size(), 700u) << log();
  for (const auto& [txn, seqs] : v.seqs_of_txn) EXPECT_EQ(seqs.size(), 1u) << txn;  // stored once
  EXPECT_GT(test::view_of(at_second.messages()).raw, 0u);
  // The reported answer and a birth with the new hash are at the new broker.
  json reported;
  for (const auto& m : at_second.messages())
    if (m.topic.ends_with("/config/reported")) reported = json::parse(m.payload);
  EXPECT_EQ(reported["state"], "applied") << reported;
  EXPECT_EQ(reported["rebuilt"], json::array({"mqtt"}));
  EXPECT_EQ(agent->stop(SIGTERM, 15s), 0);
  second->stop();
  // The audit log's entry went to HQ too, and everything the new broker got reads as documented.
  const auto m = at_second.messages();
  EXPECT_TRUE(std::any_of(m.begin(), m.end(), [](const auto& x) { return x.topic.ends_with("/config/changes"); }));
  const auto checked = test::check_against_schemas(m, KELU_SOURCE_DIR, dir.path().string());
  if (!checked.available) GTEST_SKIP() << "python3-jsonschema is not installed (scripts/setup installs it)";
  EXPECT_EQ(checked.status, 0) << checked.text;
}

// A desired broker that passes validation but cannot be reached: the gate fails, the box goes
// back to its broker by itself and says why, and the history keeps it.
TEST_F(fleet, a_broker_the_box_cannot_reach_is_rolled_back) {
  edit_file([](json& c) { c["fleet"]["gate_s"] = 2; });
  test::mqtt_collector hq{broker->uri(), "hq-rb", "kelu/v1/acme/sh-001/config/reported"};
  start_agent();
  const auto nowhere = "tcp://127.0.0.1:" + std::to_string(test::free_port());
  desire({{"version", 1}, {"config", {{"mqtt", {{"uri", nowhere}, {"connect_timeout_s", 1}}}}}});
  const auto r = report(hq, 1);
  EXPECT_EQ(r["state"], "rolled_back") << r;
  EXPECT_EQ(r["version"], 1);
  EXPECT_EQ(r["applied_version"], 0);
  ASSERT_EQ(r["reason"].size(), 1u) << r;
  EXPECT_NE(r["reason"][0].get<std::string>().find("mqtt: not connected to " + nowhere), std::string::npos) << r;
  // Back on its broker: sales flow to HQ again.
  test::mqtt_collector sales{broker->uri(), "hq-rb-sales", "kelu/v1/acme/sh-001/events/pos"};
  auto c = till();
  ASSERT_EQ(send(c, 0, 10).size(), 10u);
  EXPECT_TRUE(sales.wait_until([](const auto& m) { return m.size() >= 10; }, 20s)) << log();
  // The retained version 1 is not tried again after the reconnect.
  EXPECT_EQ(agent->stop(SIGTERM, 15s), 0);
  EXPECT_EQ(hq.messages().size(), 1u);
  const auto history = json::parse(kelu_output({"config", "history", "--json", "-c", dir.file("kelu.json")}));
  ASSERT_FALSE(history.empty());
  EXPECT_EQ(history[0]["origin"], "hq");
  EXPECT_EQ(history[0]["outcome"], "rolled_back");
  EXPECT_EQ(history[0]["keys"], json::array({"mqtt.uri", "mqtt.connect_timeout_s"}));
}

// HQ sends again while the box is still judging a change: the newer version waits for the verdict
// and is applied after it; an older one delayed in flight is ignored.
TEST_F(fleet, versions_arriving_during_a_change_wait_for_its_verdict) {
  edit_file([](json& c) { c["fleet"]["gate_s"] = 2; });
  test::mqtt_collector hq{broker->uri(), "hq-conc", "kelu/v1/acme/sh-001/config/reported"};
  start_agent();
  const auto nowhere = "tcp://127.0.0.1:" + std::to_string(test::free_port());
  desire({{"version", 2}, {"config", {{"mqtt", {{"uri", nowhere}, {"connect_timeout_s", 1}}}}}});
  ASSERT_TRUE(logged("mqtt: switching to " + nowhere, 10s)) << log();  // the gate is judging version 2
  desire({{"version", 3}, {"config", {{"log", {{"level", "debug"}}}}}});
  const auto first = report(hq, 1);
  EXPECT_EQ(first["state"], "rolled_back") << first;
  EXPECT_EQ(first["version"], 2);
  const auto second = report(hq, 2);
  EXPECT_EQ(second["state"], "applied") << second;
  EXPECT_EQ(second["version"], 3);
  EXPECT_EQ(second["keys"], json::array({"log.level"}));
  desire({{"version", 1}, {"config", {{"log", {{"level", "warn"}}}}}});  // stale
  test::mqtt_collector sales{broker->uri(), "hq-conc-sales", "kelu/v1/acme/sh-001/events/pos"};
  auto c = till();
  ASSERT_EQ(send(c, 0, 5).size(), 5u);
  EXPECT_TRUE(sales.wait_until([](const auto& m) { return m.size() >= 5; }, 20s));  // on its broker, running
  EXPECT_EQ(agent->stop(SIGTERM, 15s), 0);
  EXPECT_EQ(hq.messages().size(), 2u);  // nothing answered the stale version
}

// A restart-only key from HQ: the box says it is restarting, starts again in the same process
// (systemd sees no exit), runs the key, and announces the version.
TEST_F(fleet, a_restart_only_key_from_hq_restarts_the_box_in_place) {
  test::mqtt_collector hq{broker->uri(), "hq-rs", "kelu/v1/acme/sh-001/config/reported"};
  start_agent();
  const auto pid = agent->pid();
  desire({{"version", 1}, {"config", {{"storage", {{"synchronous", "normal"}}}}}});
  const auto restarting = report(hq, 1);
  EXPECT_EQ(restarting["state"], "restarting") << restarting;
  EXPECT_EQ(restarting["restart"], json::array({"storage.synchronous"}));
  const auto announced = report(hq, 2);
  EXPECT_EQ(announced["state"], "applied") << announced;
  EXPECT_EQ(announced["origin"], "boot");
  EXPECT_EQ(announced["applied_version"], 1);
  EXPECT_NE(announced["boot_id"], restarting["boot_id"]);
  EXPECT_TRUE(agent->running());
  EXPECT_EQ(agent->pid(), pid);
  ASSERT_TRUE(test::wait_for_port(pos_port, 10s));
  auto c = till();
  EXPECT_EQ(send(c, 0, 10).size(), 10u);
  EXPECT_EQ(agent->stop(SIGTERM, 15s), 0);
  const auto shown = kelu_output({"config", "show", "-c", dir.file("kelu.json")});
  EXPECT_NE(shown.find("storage.synchronous"), std::string::npos);
  const auto rows = json::parse(kelu_output({"config", "show", "--json", "-c", dir.file("kelu.json")}));
  for (const auto& row : rows)
    if (row["key"] == "storage.synchronous") {
      EXPECT_EQ(row["value"], "normal");
      EXPECT_EQ(row["origin"], "hq");
    }
}

// Reloads that rebuild another source while a till streams: every sale acknowledged is stored
// once and reaches HQ, and the till's own source is never rebuilt. The longest pause between its
// acknowledgements is printed (bench/ measures it; a shared CI machine cannot judge it).
TEST_F(fleet, reloads_under_load_lose_nothing_and_leave_other_sources_running) {
  edit_file([&](json& c) {
    c["sources"]["csv"] = {{"enabled", true}, {"folder", dir.file("drop")}, {"rescan_s", 5}};
  });
  std::filesystem::create_directories(dir.file("drop"));
  test::mqtt_collector hq{broker->uri(), "hq-load", "kelu/v1/acme/sh-001/events/pos"};
  start_agent();
  std::atomic<bool> done{false};
  std::atomic<std::int64_t> longest_gap_ms{0};
  std::set<std::string> acked;
  std::thread streaming([&] {
    auto c = till();
    auto last = std::chrono::steady_clock::now();
    for (int n = 0; n < 3000; n += 50) {
      const auto got = send(c, n, n + 50);
      acked.insert(got.begin(), got.end());
      const auto now = std::chrono::steady_clock::now();
      longest_gap_ms = std::max<std::int64_t>(longest_gap_ms,
                                              std::chrono::duration_cast<std::chrono::milliseconds>(now - last).count());
      last = now;
    }
    done = true;
  });
  for (int i = 1; i <= 3 && !done; ++i) {
    edit_file([&](json& c) { c["sources"]["csv"]["rescan_s"] = 5 + i; });
    ::kill(agent->pid(), SIGHUP);
    ASSERT_TRUE(logged_times("file: applied 1 keys, rebuilt [\"sources.csv\"]", i, 10s)) << log();
  }
  streaming.join();
  EXPECT_EQ(acked.size(), 3000u);
  EXPECT_TRUE(hq.wait_until([](const auto& m) { return test::view_of(m).seqs_of_txn.size() >= 3000; }, 30s));
  const auto v = test::view_of(hq.messages());
  EXPECT_EQ(v.seqs_of_txn.size(), 3000u);
  for (const auto& [txn, seqs] : v.seqs_of_txn) EXPECT_EQ(seqs.size(), 1u) << txn;
  EXPECT_EQ(log().find("sources.pos_tcp: rebuilt"), std::string::npos);  // never touched
  std::printf("longest pause between the unchanged till's acknowledgements: %lld ms\n",
              static_cast<long long>(longest_gap_ms.load()));
  EXPECT_EQ(agent->stop(SIGTERM, 15s), 0);
}

// Safe mode: a file broken while the box was off does not keep it down; the last file that loaded
// runs, HQ hears why, and fixing the file takes effect on reload, without a restart.
TEST_F(fleet, an_invalid_file_at_boot_runs_the_last_good_one_until_it_is_fixed) {
  test::mqtt_collector hq{broker->uri(), "hq-safe", "kelu/v1/acme/sh-001/config/reported"};
  start_agent();
  EXPECT_EQ(agent->stop(SIGTERM, 15s), 0);
  edit_file([](json& c) { c["health"]["interval_s"] = 0; });
  start_agent();  // listening on the till port: it runs
  const auto r = report(hq, 1);
  EXPECT_EQ(r["state"], "rejected") << r;
  EXPECT_EQ(r["origin"], "file");
  ASSERT_EQ(r["errors"].size(), 1u) << r;
  EXPECT_NE(r["errors"][0].get<std::string>().find("kelu.json:"), std::string::npos) << r;
  EXPECT_NE(r["errors"][0].get<std::string>().find("health.interval_s"), std::string::npos) << r;
  EXPECT_NE(log().find("safe mode"), std::string::npos) << log();
  auto c = till();
  EXPECT_EQ(send(c, 0, 10).size(), 10u);
  edit_file([](json& cfg) {
    cfg["health"]["interval_s"] = 1;
    cfg["log"]["level"] = "debug";
  });
  ::kill(agent->pid(), SIGHUP);
  const auto fixed = report(hq, 2);
  EXPECT_EQ(fixed["state"], "applied") << fixed;
  EXPECT_EQ(fixed["origin"], "file");
  EXPECT_EQ(fixed["keys"], json::array({"log.level"}));
  EXPECT_EQ(agent->stop(SIGTERM, 15s), 0);
}

// A box whose file never loaded (no last good one): minimal mode, not a crash loop. kelu status
// and the technician page say why, nothing is counted; the page's settings make it load and the
// same process becomes the agent proper, which counts and reaches HQ.
TEST_F(fleet, a_file_that_never_loaded_runs_minimal_mode_until_the_technician_fixes_it) {
  const auto http_port = test::free_port();
  edit_file([&](json& c) {
    c["store"]["time_zone"] = "Mars/Olympus";
    c["dashboard"]["port"] = http_port;
    c["dashboard"]["technician_password"] = dashboard::hash_password("tech-pw", 10000);
  });
  test::mqtt_collector hq{broker->uri(), "hq-minimal", "kelu/v1/acme/sh-001/status"};
  agent = std::make_unique<test::process>(
      std::vector<std::string>{KELU_BINARY, "run", "--config", dir.file("kelu.json")}, dir.file("kelu.log"));
  ASSERT_TRUE(test::wait_for_port(http_port, 10s)) << log();
  const auto pid = agent->pid();
  EXPECT_FALSE(drivers::pos_tcp_client::connect("127.0.0.1", pos_port, 1s));  // nothing counts: no till listener
  const auto status = json::parse(kelu_output({"status", "--json", "-c", dir.file("kelu.json")}));
  EXPECT_EQ(status["mode"], "minimal") << status;
  ASSERT_EQ(status["errors"].size(), 1u) << status;
  EXPECT_NE(status["errors"][0].get<std::string>().find("store.time_zone"), std::string::npos) << status;
  EXPECT_NE(kelu_output({"status", "-c", dir.file("kelu.json")}, 1).find("MINIMAL MODE"), std::string::npos);

  const auto login = test::http_post(http_port, "/tech/login", R"({"password": "tech-pw"})");
  ASSERT_EQ(login.status, 200) << login.body;
  const test::http_headers session{{"Cookie", login.set_cookie.substr(0, login.set_cookie.find(';'))}};
  const auto state = json::parse(test::http_get(http_port, "/tech/api/state", session).body);
  EXPECT_EQ(state["minimal"]["errors"], status["errors"]);
  const auto settings = json::parse(test::http_get(http_port, "/tech/api/settings", session).body);
  for (const auto& k : settings["keys"]) {
    if (k["key"] == "store.time_zone") {
      EXPECT_EQ(k["value"], "Mars/Olympus");  // what to fix, not the default
    }
  }
  EXPECT_EQ(test::http_get(http_port, "/api/v1/today").status, 401);  // the manager's API needs its token still
  // A wrong value for the key it sets: refused, nothing kept.
  auto r = test::http_post(http_port, "/tech/api/settings/apply", R"({"set": {"store.time_zone": "Venus/Base"}})",
                           session);
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_NE(r.body.find("Venus/Base"), std::string::npos) << r.body;
  EXPECT_FALSE(std::filesystem::exists(dir.file("technician.json")));
  // A right value for another key: kept, with what remains to fix.
  r = test::http_post(http_port, "/tech/api/settings/apply", R"({"set": {"log.level": "debug"}})", session);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["state"], "saved");
  EXPECT_NE(r.body.find("store.time_zone"), std::string::npos) << r.body;
  EXPECT_EQ(json::parse(std::ifstream(dir.file("technician.json")))["log"]["level"], "debug");
  const auto preview =
      json::parse(test::http_post(http_port, "/tech/api/settings/preview", R"({"set": {"store.time_zone": "Asia/Shanghai"}})",
                                  session).body);
  EXPECT_EQ(preview["ok"], true) << preview;
  EXPECT_EQ(preview["starts"], true);
  EXPECT_EQ(preview["changes"], json::array({{{"key", "store.time_zone"}, {"from", "Mars/Olympus"}, {"to", "Asia/Shanghai"}}}));
  r = test::http_post(http_port, "/tech/api/settings/apply", R"({"set": {"store.time_zone": "Asia/Shanghai"}})", session);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["state"], "restarting");

  // The same process, now the agent: the till port serves, HQ hears the box.
  ASSERT_TRUE(test::wait_for_port(pos_port, 15s)) << log();
  EXPECT_EQ(agent->pid(), pid);
  EXPECT_EQ(::kill(pid, 0), 0);
  auto c = till();
  EXPECT_EQ(send(c, 0, 10).size(), 10u);
  EXPECT_TRUE(hq.wait_until([](const auto& m) { return !m.empty(); }, 20s)) << log();
  EXPECT_EQ(json::parse(std::ifstream(dir.file("technician.json")))["store"]["time_zone"], "Asia/Shanghai");
  EXPECT_NE(log().find("does not load alone"), std::string::npos) << log();
  EXPECT_EQ(agent->stop(SIGTERM, 15s), 0);
}

// The same box fixed at the file instead: a reload (SIGHUP, as `systemctl reload kelu` sends)
// leaves minimal mode without a restart by anyone.
TEST_F(fleet, a_box_in_minimal_mode_starts_counting_when_its_file_is_fixed_and_reloaded) {
  const auto http_port = test::free_port();
  edit_file([&](json& c) {
    c["sources"]["pos_tcp"]["max_connections"] = -4;
    c["dashboard"]["port"] = http_port;
  });
  agent = std::make_unique<test::process>(
      std::vector<std::string>{KELU_BINARY, "run", "--config", dir.file("kelu.json")}, dir.file("kelu.log"));
  ASSERT_TRUE(logged("minimal mode", 10s)) << log();
  ASSERT_TRUE(logged("technician page off", 10s)) << log();  // no password in this file: the socket only
  const auto pid = agent->pid();
  // Waits for the socket: kelu status answers once minimal mode listens.
  const auto mode = [&] {
    const auto out = json::parse(kelu_output({"status", "--json", "-c", dir.file("kelu.json")}, -1), nullptr, false);
    return out.is_object() ? out.value("mode", "") : "";
  };
  std::string seen;
  for (int i = 0; i < 100 && seen != "minimal"; ++i) seen = mode();
  ASSERT_EQ(seen, "minimal") << log();
  // The page's password from the shell: kept while the error remains, and the page opens.
  const auto command = std::string("echo door-2026-pw | ") + KELU_BINARY + " passwd --set -c " + dir.file("kelu.json");
  test::process passwd({"/bin/sh", "-c", command}, dir.file("passwd.out"));
  ASSERT_EQ(WEXITSTATUS(passwd.wait(30s)), 0) << std::ifstream(dir.file("passwd.out")).rdbuf();
  std::ifstream said(dir.file("passwd.out"));
  const std::string passwd_out{std::istreambuf_iterator<char>(said), {}};
  EXPECT_NE(passwd_out.find("still to fix"), std::string::npos) << passwd_out;
  EXPECT_NE(passwd_out.find("sources.pos_tcp.max_connections"), std::string::npos) << passwd_out;
  ASSERT_TRUE(test::wait_for_port(http_port, 10s)) << log();
  EXPECT_EQ(test::http_post(http_port, "/tech/login", R"({"password": "door-2026-pw"})").status, 200);
  edit_file([](json& c) { c["sources"]["pos_tcp"]["max_connections"] = 4; });
  ::kill(pid, SIGHUP);
  ASSERT_TRUE(test::wait_for_port(pos_port, 15s)) << log();
  EXPECT_EQ(agent->pid(), pid);
  auto c = till();
  EXPECT_EQ(send(c, 0, 5).size(), 5u);
  EXPECT_EQ(agent->stop(SIGTERM, 15s), 0);
}

// kelu doctor on a box set up wrong: each problem is named with its fix and the exit status says
// the box is not fit to leave.
TEST_F(fleet, doctor_names_each_problem_of_a_broken_box_with_its_fix) {
  start_agent();
  auto c = till();
  ASSERT_EQ(send(c, 0, 20).size(), 20u);  // sales stamped 2026-11-27 18:00 +08:00: the tills' clocks are days off
  EXPECT_EQ(agent->stop(SIGTERM, 15s), 0);
  boost::asio::io_context io;  // another program holding the dashboard's port
  boost::asio::ip::tcp::acceptor held{io, {boost::asio::ip::make_address("127.0.0.1"), 0}};
  edit_file([&](json& cfg) {
    cfg["mqtt"]["uri"] = "tcp://127.0.0.1:" + std::to_string(test::free_port());
    cfg["mqtt"]["connect_timeout_s"] = 1;
    cfg["cameras"] = json::array({{{"id", "door"}, {"url", dir.file("missing.avi")}}});
    cfg["dashboard"]["port"] = held.local_endpoint().port();
    cfg["sources"]["csv"] = {{"enabled", true}, {"folder", dir.file("no-such-folder")}};
  });
  const auto checks = json::parse(kelu_output({"doctor", "--json", "-c", dir.file("kelu.json")}, 1));
  std::map<std::string, json> by_name;
  for (const auto& ch : checks) by_name[ch["check"].get<std::string>()] = ch;
  EXPECT_EQ(by_name["config"]["ok"], true) << checks.dump(2);
  EXPECT_EQ(by_name["database"]["ok"], true) << checks.dump(2);
  for (const char* broken : {"broker", "cameras[door]", "dashboard", "sources.csv", "till clocks"}) {
    ASSERT_TRUE(by_name.count(broken)) << broken << "\n" << checks.dump(2);
    EXPECT_EQ(by_name[broken]["ok"], false) << checks.dump(2);
    EXPECT_FALSE(by_name[broken]["fix"].get<std::string>().empty()) << broken;
  }
  EXPECT_NE(by_name["broker"]["detail"].get<std::string>().find("nothing accepted the connection"), std::string::npos);
  EXPECT_NE(by_name["dashboard"]["fix"].get<std::string>().find("dashboard.port"), std::string::npos);
  EXPECT_NE(by_name["sources.csv"]["fix"].get<std::string>().find("mkdir -p"), std::string::npos);

  // A data directory the agent cannot create its database in.
  edit_file([&](json& cfg) { cfg["storage"]["path"] = dir.file("kelu.json") + "/kelu.db"; });
  const auto text = kelu_output({"doctor", "-c", dir.file("kelu.json")}, 1);
  EXPECT_NE(text.find("FAIL  database"), std::string::npos) << text;
  EXPECT_NE(text.find("not fit to leave"), std::string::npos) << text;
}

// kelu doctor beside a running agent asks it, through the control socket, about what it holds:
// its link to HQ and its cameras (a USB camera the agent has open cannot be opened twice).
TEST_F(fleet, doctor_beside_a_running_agent_takes_its_broker_and_cameras_from_it) {
  edit_file([&](json& cfg) { cfg["cameras"] = json::array({{{"id", "door"}, {"url", dir.file("missing.avi")}}}); });
  start_agent();
  const auto connected = [&] {
    const auto s = json::parse(kelu_output({"status", "--json", "-c", dir.file("kelu.json")}, -1), nullptr, false);
    return s.is_object() && s["broker"].value("connected", false);
  };
  bool up = false;
  for (int i = 0; i < 100 && !up; ++i) up = connected();
  ASSERT_TRUE(up) << log();
  const auto checks = json::parse(kelu_output({"doctor", "--json", "-c", dir.file("kelu.json")}, 1));
  std::map<std::string, json> by_name;
  for (const auto& ch : checks) by_name[ch["check"].get<std::string>()] = ch;
  EXPECT_EQ(by_name["agent"]["ok"], true) << checks.dump(2);
  EXPECT_EQ(by_name["broker"]["ok"], true) << checks.dump(2);
  EXPECT_NE(by_name["broker"]["detail"].get<std::string>().find("the running agent is connected to " + broker->uri()),
            std::string::npos) << checks.dump(2);
  EXPECT_EQ(by_name["cameras[door]"]["ok"], false) << checks.dump(2);
  EXPECT_NE(by_name["cameras[door]"]["detail"].get<std::string>().find("in the running agent"), std::string::npos)
      << checks.dump(2);
  EXPECT_NE(by_name["cameras[door]"]["fix"].get<std::string>().find("cameras[door].url"), std::string::npos);
  EXPECT_EQ(agent->stop(SIGTERM, 15s), 0);
}

// Two agents on one database would hand out the same seqs: the second is refused, naming the first.
// A box whose SD card died is replaced (or reinstalled) with an empty database for the same store,
// so its seqs start at 1 again. HQ keeps both boxes' sales: the new database is a new epoch, a new
// series, never duplicates of the old box's. The till, reconnecting, resends its last ten sales and
// the new box stores them once however often they come.
TEST_F(fleet, a_replaced_box_is_a_new_series_at_hq_and_no_sale_is_dropped_as_a_duplicate) {
  sync::hq_tail_options o;
  o.uri = broker->uri();
  o.client_id = "hq-swap";
  o.tenant = "acme";
  o.from_first = true;
  o.gap_grace = 300ms;
  std::mutex printed_mutex;
  std::vector<std::string> printed;
  sync::hq_tail tail{o, [&](const std::string& line) {
                       std::lock_guard lock(printed_mutex);
                       printed.push_back(line);
                     }};
  ASSERT_TRUE(tail.start());
  test::mqtt_collector witness{broker->uri(), "witness", "kelu/v1/acme/sh-001/events/pos"};
  const auto eventually = [&](const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      tail.poll();
      std::this_thread::sleep_for(20ms);
    }
    return true;
  };
  start_agent();
  {
    auto c = till();
    ASSERT_EQ(send(c, 0, 60).size(), 60u);
  }
  ASSERT_TRUE(eventually([&] { return tail.epochs("sh-001").size() == 1 && tail.high_water("sh-001", "pos-tcp") == 60; }))
      << log();
  const auto old_epoch = tail.epochs("sh-001")[0];
  EXPECT_EQ(agent->stop(SIGTERM, 15s), 0);

  // The new box: the same configuration, an empty database.
  for (const char* f : {"kelu.db", "kelu.db-wal", "kelu.db-shm"}) std::filesystem::remove(dir.file(f));
  start_agent();
  auto c = till();
  ASSERT_EQ(send(c, 50, 110).size(), 60u);
  std::string again;
  for (int n = 100; n < 110; ++n) again += test::txn_line(n);
  ASSERT_TRUE(c.send(again, 5s));
  for (int n = 100; n < 110; ++n) {
    const auto line = c.read_line(10s);
    ASSERT_TRUE(line) << line.error_message();
    const auto ack = json::parse(*line);
    EXPECT_TRUE(ack.value("duplicate", false)) << ack;
    EXPECT_EQ(ack.value("seq", 0), n - 49) << ack;  // the seq it was stored under the first time
  }
  ASSERT_TRUE(eventually([&] { return tail.epochs("sh-001").size() == 2 && tail.high_water("sh-001", "pos-tcp") == 60; }))
      << log();
  const auto new_epoch = tail.epochs("sh-001")[1];
  EXPECT_NE(new_epoch, old_epoch);
  EXPECT_EQ(tail.high_water("sh-001", "pos-tcp", old_epoch), 60);
  EXPECT_NE(kelu_output({"status", "--json", "-c", dir.file("kelu.json")}).find(new_epoch), std::string::npos);
  const auto s = tail.stats();
  EXPECT_EQ(s.lost, 0);
  EXPECT_TRUE(tail.gaps().empty());
  // HQ holds 120 sales events: none of the new box's dropped as a duplicate of the old box's seqs.
  const auto epochs_and_seqs = [](const std::vector<test::received>& m) {
    std::set<std::pair<std::string, std::int64_t>> ids;
    for (const auto& r : m) {
      const auto j = json::parse(r.payload);
      ids.insert({j.value("epoch", std::string{}), j["seq"].get<std::int64_t>()});
    }
    return ids.size();
  };
  ASSERT_TRUE(witness.wait_until([&](const auto& m) { return epochs_and_seqs(m) >= 120; }, 30s))
      << epochs_and_seqs(witness.messages());
  std::set<std::tuple<std::string, std::int64_t>> identities;
  std::set<std::int64_t> seqs_alone;  // the identity before epochs, (source, seq): one source here
  std::set<std::string> transactions;
  for (const auto& m : witness.messages()) {
    const auto j = json::parse(m.payload);
    identities.insert({j["epoch"].get<std::string>(), j["seq"].get<std::int64_t>()});
    seqs_alone.insert(j["seq"].get<std::int64_t>());
    transactions.insert(j["payload"]["transaction_id"].get<std::string>());
  }
  EXPECT_EQ(identities.size(), 120u);
  EXPECT_EQ(seqs_alone.size(), 60u);  // what HQ deduplicating on (source, seq) would have kept
  EXPECT_EQ(transactions.size(), 110u);  // R50..R59 reached both boxes: HQ's business key tells them apart
  std::lock_guard lock(printed_mutex);
  EXPECT_TRUE(std::any_of(printed.begin(), printed.end(),
                          [&](const auto& l) { return l.starts_with("NEW EPOCH sh-001 " + new_epoch); }));
  tail.stop();
}

TEST_F(fleet, a_second_agent_on_the_same_database_is_refused) {
  start_agent();
  const auto text = kelu_output({"run", "-c", dir.file("kelu.json")}, 3);
  EXPECT_NE(text.find("another kelu agent (pid " + std::to_string(agent->pid()) + ")"), std::string::npos) << text;
  // Any exit status: whether this machine's clock is synchronised is not the test's business.
  const auto doctor = kelu_output({"doctor", "-c", dir.file("kelu.json")}, -1);
  EXPECT_NE(doctor.find("ok    agent: running (pid " + std::to_string(agent->pid()) + ")"), std::string::npos) << doctor;
  EXPECT_NE(doctor.find("in use by the running agent"), std::string::npos) << doctor;
  EXPECT_EQ(agent->stop(SIGTERM, 15s), 0);
}

// A technician's command run as root on the box does not leave the agent files it cannot open:
// it acts as the owner of the data directory.
TEST_F(fleet, a_command_run_as_root_acts_as_the_owner_of_the_data_directory) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (CI runs as root)";
  constexpr uid_t nobody = 65534;
  const auto data = dir.file("data");
  std::filesystem::create_directories(data);
  ASSERT_EQ(::chown(data.c_str(), nobody, nobody), 0);
  std::filesystem::permissions(dir.path(), std::filesystem::perms::owner_all | std::filesystem::perms::others_exec,
                               std::filesystem::perm_options::add);
  edit_file([&](json& cfg) { cfg["storage"]["path"] = data + "/kelu.db"; });
  kelu_output({"config", "history", "-c", dir.file("kelu.json")});  // creates the database
  for (const auto& f : std::filesystem::directory_iterator(data)) {
    struct stat st {};
    ASSERT_EQ(::stat(f.path().c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, nobody) << f.path();
  }
  EXPECT_TRUE(std::filesystem::exists(data + "/kelu.db"));
}

// `kelu config apply` through the control socket: a good file is applied live and stays; one whose
// listener cannot bind is undone by the agent and the old file is put back. `kelu status` shows the
// components.
TEST_F(fleet, config_apply_installs_a_good_file_and_puts_back_the_old_one_when_undone) {
  start_agent();
  const auto status = json::parse(kelu_output({"status", "--json", "-c", dir.file("kelu.json")}));
  EXPECT_EQ(status["store"], "acme/sh-001");
  EXPECT_EQ(status["components"], json::array({"sources.pos_tcp", "mqtt", "dashboard"})) << status.dump(2);

  auto next = json::parse(std::ifstream(dir.file("kelu.json")));
  const auto new_port = test::free_port();
  next["sources"]["pos_tcp"]["port"] = new_port;
  std::ofstream(dir.file("new.json")) << next.dump(2);
  const auto applied = kelu_output({"config", "apply", dir.file("new.json"), "-c", dir.file("kelu.json")});
  EXPECT_NE(applied.find("rebuild  sources.pos_tcp"), std::string::npos) << applied;  // the plan, first
  EXPECT_NE(applied.find("applied, rebuilt [\"sources.pos_tcp\"]"), std::string::npos) << applied;
  auto moved = drivers::pos_tcp_client::connect("127.0.0.1", new_port, 5s);
  ASSERT_TRUE(moved) << moved.error_message();
  EXPECT_EQ(send(*moved, 0, 10).size(), 10u);
  EXPECT_TRUE(std::filesystem::exists(dir.file("kelu.json.previous")));

  boost::asio::io_context io;  // another program on the port the next file names
  boost::asio::ip::tcp::acceptor held{io, {boost::asio::ip::make_address("127.0.0.1"), 0}};
  next["sources"]["pos_tcp"]["port"] = held.local_endpoint().port();
  next["fleet"]["gate_s"] = 2;
  std::ofstream(dir.file("bad.json")) << next.dump(2);
  const auto undone = kelu_output({"config", "apply", dir.file("bad.json"), "-c", dir.file("kelu.json")}, 1);
  EXPECT_NE(undone.find("rolled_back"), std::string::npos) << undone;
  EXPECT_NE(undone.find("sources.pos_tcp"), std::string::npos) << undone;
  EXPECT_EQ(json::parse(std::ifstream(dir.file("kelu.json")))["sources"]["pos_tcp"]["port"], new_port);
  auto again = drivers::pos_tcp_client::connect("127.0.0.1", new_port, 5s);  // the rebuilt-back listener
  ASSERT_TRUE(again) << again.error_message() << log();
  EXPECT_EQ(send(*again, 10, 20).size(), 10u);
  EXPECT_EQ(agent->stop(SIGTERM, 15s), 0);
}

// A region of stores: 50 agents (the no-vision build, one process each, on one broker) get one
// change from HQ, and every one reports it applied. The time until the last answer is printed
// (docs/BENCHMARKS.md has the measured figures).
TEST(fleet_of_agents, fifty_boxes_take_one_change_from_hq) {
  // Fifty agents without the sanitizers' memory: the package's (scripts/test builds it first), or the
  // novision build's. Without cameras neither maps OpenCV.
  std::string binary;
  for (const char* b : {KELU_PACKAGE_BINARY, KELU_NOVISION_BINARY})
    if (binary.empty() && std::filesystem::exists(b)) binary = b;
  if (binary.empty())
    GTEST_SKIP() << "neither " << KELU_PACKAGE_BINARY << " nor " << KELU_NOVISION_BINARY
                 << " is built (scripts/package amd64, or cmake --preset novision && cmake --build --preset novision)";
  constexpr int boxes = 50;
  test::temp_dir dir;
  std::string why;
  auto broker = test::make_broker("mosquitto", nullptr, &why);
  if (!broker) GTEST_SKIP() << why;
  broker->start();
  test::mqtt_collector hq{broker->uri(), "hq-region", "kelu/v1/acme/+/config/reported"};
  test::mqtt_collector births{broker->uri(), "hq-region-status", "kelu/v1/acme/+/status"};
  std::vector<std::unique_ptr<test::process>> agents;
  for (int i = 0; i < boxes; ++i) {
    const auto id = "sh-" + std::to_string(100 + i);
    std::filesystem::create_directories(dir.file(id));
    std::ofstream(dir.file(id + "/kelu.json")) << json{
        {"store", {{"tenant", "acme"}, {"id", id}}},
        {"storage", {{"path", dir.file(id + "/kelu.db")}}},
        {"mqtt", {{"uri", broker->uri()}, {"reconnect_min_ms", 200}, {"reconnect_max_ms", 2000}}},
        {"sources", {{"pos_tcp", {{"enabled", false}}}}},
        {"dashboard", {{"enabled", false}}}}.dump();
    agents.push_back(std::make_unique<test::process>(
        std::vector<std::string>{binary, "run", "-c", dir.file(id + "/kelu.json")}, dir.file(id + "/kelu.log")));
  }
  // How many stores' topics carry a message whose state is `state`.
  const auto stores_in = [](const std::vector<test::received>& m, const char* state) {
    std::set<std::string> topics;
    for (const auto& x : m)
      if (json::parse(x.payload)["state"] == state) topics.insert(x.topic);
    return topics.size();
  };
  ASSERT_TRUE(births.wait_until([&](const auto& m) { return stores_in(m, "online") == boxes; }, 120s))
      << stores_in(births.messages(), "online");
  // HQ's change for the region: one retained message per store, as its tools publish them.
  const json change{{"version", 1}, {"config", {{"analytics", {{"coverage_floor_pct", 60}}}, {"log", {{"level", "warn"}}}}}};
  std::ofstream(dir.file("desired.json")) << change.dump();
  const auto sent = std::chrono::steady_clock::now();
  for (int i = 0; i < boxes; ++i) {
    test::process pub({"/usr/bin/mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(broker->port()), "-q", "1",
                       "-r", "-t", "kelu/v1/acme/sh-" + std::to_string(100 + i) + "/config/desired", "-f",
                       dir.file("desired.json")},
                      dir.file("pub.log"));
    ASSERT_EQ(pub.wait(10s), 0);
  }
  EXPECT_TRUE(hq.wait_until([&](const auto& m) { return stores_in(m, "applied") == boxes; }, 60s))
      << stores_in(hq.messages(), "applied");
  const auto last = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - sent);
  std::printf("%d agents: the last reported the change applied %lld ms after HQ began publishing\n", boxes,
              static_cast<long long>(last.count()));
  for (const auto& x : hq.messages()) {
    const auto r = json::parse(x.payload);
    EXPECT_EQ(r["version"], 1) << x.topic;
    EXPECT_EQ(r["keys"], json::array({"analytics.coverage_floor_pct", "log.level"})) << x.topic;
  }
  for (auto& a : agents) EXPECT_EQ(a->stop(SIGTERM, 30s), 0);
}

}  // namespace
}  // namespace kelu

namespace kelu {
namespace {

// A software update as the agent lives it, through a real broker: HQ's estate-wide version becomes
// a request for the updater with what is up now; the updater's steps (kelu update apply, which
// needs root and apt: tests/agent/update_apply_test.cpp, tests/packaging/update_test.sh) are played
// here on the update directory; the restarted agent judges itself, and the outcome reaches HQ.
TEST_F(fleet, hq_asks_for_a_version_the_box_requests_it_judges_the_install_and_reports_the_rollback) {
  const std::filesystem::path update = dir.path() / "update";
  const auto read = [&](const char* name) {
    std::ifstream in(update / name);
    return in ? json::parse(in) : json();
  };
  test::mqtt_collector hq{broker->uri(), "hq-software", "kelu/v1/acme/sh-001/software/reported"};
  const auto reported = [&](const std::function<bool(const json&)>& pred) {
    json found;
    EXPECT_TRUE(hq.wait_until(
        [&](const auto& msgs) {
          for (const auto& m : msgs)
            if (auto j = json::parse(m.payload); pred(j)) found = j;
          return !found.is_null();
        },
        30s))
        << log();
    return found;
  };
  start_agent();
  ASSERT_TRUE(logged("connected to", 20s)) << log();
  hq_publishes("kelu/v1/acme/software/desired", R"({"version":"9.9.9","window":"any"})", true);
  auto r = reported([](const json& j) { return j["state"] == "requested"; });
  EXPECT_EQ(r["desired"]["from"], "estate");
  ASSERT_TRUE(std::filesystem::exists(update / "request.json"));
  auto request = read("request.json");
  EXPECT_EQ(request["version"], "9.9.9");
  EXPECT_EQ(request["before"]["mqtt"], true);

  // The updater takes the request, installs, and restarts the agent with a nonce to judge; HQ's
  // broker is down by then (the new version cannot connect).
  request["nonce"] = "nonce-1";
  request["previous"] = request["from_version"];
  request["gate_s"] = 2;  // HQ's least is 30 s: shortened for the test
  std::filesystem::remove(update / "request.json");
  std::ofstream(update / "applying.json") << request.dump();
  ASSERT_EQ(agent->stop(SIGTERM, 30s), 0);
  broker->stop();
  start_agent();
  ASSERT_TRUE(test::eventually([&] { return std::filesystem::exists(update / "verdict.json"); }, 20s)) << log();
  const auto verdict = read("verdict.json");
  EXPECT_EQ(verdict["nonce"], "nonce-1");
  EXPECT_EQ(verdict["ok"], false);
  ASSERT_EQ(verdict["failures"].size(), 1u) << verdict;
  EXPECT_TRUE(verdict["failures"][0].get<std::string>().starts_with("mqtt: not connected to ")) << verdict;

  // The updater reinstalls the previous version and restarts it: HQ hears why, and the box holds.
  std::filesystem::remove(update / "verdict.json");
  std::filesystem::remove(update / "applying.json");
  std::ofstream(update / "result.json") << json{{"version", "9.9.9"}, {"attempt", 0}, {"previous", request["previous"]},
                                                {"outcome", "rolled_back"}, {"reason", "health gate: " + verdict["failures"][0].get<std::string>()},
                                                {"took_s", 12.5}, {"finished_ms", 1}}.dump();
  ASSERT_EQ(agent->stop(SIGTERM, 30s), 0);
  broker->start();
  start_agent();
  r = reported([](const json& j) { return j["state"] == "held"; });
  EXPECT_EQ(r["last"]["outcome"], "rolled_back");
  EXPECT_EQ(r["last"]["took_s"], 12.5);
  EXPECT_NE(r["reason"].get<std::string>().find("\"attempt\": 1"), std::string::npos) << r;
  EXPECT_FALSE(std::filesystem::exists(update / "request.json")) << "a rolled_back version is not asked for again";
  const auto status = json::parse(kelu_output({"status", "--json", "-c", dir.file("kelu.json")}));
  EXPECT_EQ(status["software"]["state"], "held");
  EXPECT_NE(kelu_output({"status", "-c", dir.file("kelu.json")}).find("software: held (HQ asks for 9.9.9 on the estate's topic)"),
            std::string::npos);
  const auto doctor = kelu_output({"doctor", "-c", dir.file("kelu.json")}, 1);
  EXPECT_NE(doctor.find("FAIL  software: 9.9.9 was rolled back"), std::string::npos) << doctor;
  EXPECT_NE(doctor.find("higher \"attempt\""), std::string::npos) << doctor;
  const auto checked = test::check_against_schemas(hq.messages(), KELU_SOURCE_DIR, dir.path().string());
  if (checked.available) {
    EXPECT_EQ(checked.status, 0) << checked.text;
  }
}

}  // namespace
}  // namespace kelu
