// SPDX-License-Identifier: Apache-2.0
// HQ under a simulated fleet: `kelu simulate --fleet` publishes three stores' trading day (the
// box's encoder and analytics, messages sent twice as after lost PUBACKs) through a real
// mosquitto to a `kelu-hq sink` member; every event lands once, no stream has a hole, and the
// regional report over the simulated region pools the boxes' own day reports consistently.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <regex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "hq/db/pg_connection.hpp"
#include "pg_rows_text.hpp"
#include "support/mosquitto.hpp"
#include "support/postgres.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace kelu::hq {
namespace {

using namespace std::chrono_literals;

std::string read(const std::string& file) {
  std::ifstream f(file);
  return {std::istreambuf_iterator<char>(f), {}};
}

TEST(fleet_simulation, every_simulated_event_lands_once_and_the_region_report_pools_the_boxes_reports) {
  if (kelu::test::postgres::bin_dir().empty()) GTEST_SKIP() << "PostgreSQL is not installed (scripts/setup)";
  if (!kelu::test::mosquitto::available()) GTEST_SKIP() << "mosquitto is not installed";
  kelu::test::temp_dir dir;
  kelu::test::postgres pg;
  kelu::test::mosquitto broker;
  broker.start();
  auto c = pg_connection::open(pg.conninfo(), std::chrono::seconds(10));
  ASSERT_TRUE(c) << c.error_message();
  auto& db = *c;
  kelu::test::process sink({KELU_HQ_BINARY, "sink", "--mqtt", broker.uri(), "--db", pg.conninfo(), "--client-id", "s1"},
                           dir.file("sink.log"));
  const auto subscribed = std::chrono::steady_clock::now() + 30s;
  while (read(dir.file("sink.log")).find("filing") == std::string::npos && std::chrono::steady_clock::now() < subscribed)
    std::this_thread::sleep_for(20ms);

  kelu::test::process sim({KELU_BINARY, "simulate", "--fleet", "3", "--mqtt", broker.uri(), "--tenant", "chain", "--day",
                           "2026-12-03", "--redeliver", "0.05", "--master-dir", dir.path().string()},
                          dir.file("sim.log"));
  ASSERT_EQ(WEXITSTATUS(sim.wait(300s)), 0) << read(dir.file("sim.log"));
  std::smatch m;
  const auto said = read(dir.file("sim.log"));
  ASSERT_TRUE(std::regex_search(said, m, std::regex(R"((\d+) events, (\d+) closed aggregates\), (\d+) sent twice)")))
      << said;
  const auto events = std::stoll(m[1]), aggregates = std::stoll(m[2]), twice = std::stoll(m[3]);
  EXPECT_GT(twice, 0);
  // Wait on the database's own counts.
  const auto count = [&](const std::string& q) {
    auto r = db.run(q);
    return std::holds_alternative<pg_rows>(r) ? std::get<pg_rows>(r).integer(0, 0) : -1;
  };
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  while ((count("SELECT count(*) FROM events") < events || count("SELECT count(*) FROM aggregates") < aggregates) &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  EXPECT_EQ(count("SELECT count(*) FROM events"), events) << read(dir.file("sink.log"));
  EXPECT_EQ(count("SELECT count(DISTINCT (store, source, seq)) FROM events"), events);
  EXPECT_EQ(count("SELECT count(*) FROM aggregates"), aggregates);  // 24 hours and a day, per store
  EXPECT_EQ(aggregates, 3 * 25);
  EXPECT_EQ(count("SELECT count(*) FROM quarantine"), 0) << test::rows_text(db, "SELECT topic, reason FROM quarantine");

  for (const char* kind : {"stores", "products", "associates"}) {
    kelu::test::process import({KELU_HQ_BINARY, "import", kind, dir.file(std::string(kind) + ".csv"), "--db",
                                pg.conninfo(), "--tenant", "chain"},
                               dir.file(std::string("import-") + kind + ".log"));
    ASSERT_EQ(WEXITSTATUS(import.wait(60s)), 0) << read(dir.file(std::string("import-") + kind + ".log"));
  }
  kelu::test::process report({KELU_HQ_BINARY, "report", "--db", pg.conninfo(), "--tenant", "chain", "--region",
                              "region-01", "--from", "2026-12-03", "--to", "2026-12-03", "--json"},
                             dir.file("report.json"));
  ASSERT_EQ(WEXITSTATUS(report.wait(60s)), 0) << read(dir.file("report.json"));
  const auto r = nlohmann::json::parse(read(dir.file("report.json")));
  ASSERT_EQ(r["stores"].size(), 3u);
  for (const auto& s : r["stores"]) EXPECT_EQ(s["status"], "ok") << s.dump();
  const double conversion = r["totals"]["conversion"];
  EXPECT_GT(conversion, 0.08);
  EXPECT_LT(conversion, 0.4);
  // Someone is on the floor every open hour and every sale names its associate, so the team's
  // close rate pools to the region's conversion (docs/analytics.md, "Close rate").
  EXPECT_NEAR(r["totals"]["team_close_rate"].get<double>(), conversion, 2e-4);
  EXPECT_EQ(r["top_products"].size(), 10u);
  EXPECT_EQ(sink.stop(SIGTERM, 10s), 0);
}

}  // namespace
}  // namespace kelu::hq
