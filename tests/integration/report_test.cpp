// SPDX-License-Identifier: Apache-2.0
// `kelu report` over real POS exports ingested through the real command line: the revenue a
// store manager reads equals the till's totals to the cent (figures from Python's reading of
// the same files, tests/data/drivers/csv/uci-2010-12-02/oracle.py).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "support/files.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/uci_sample.hpp"

namespace kelu {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
namespace fs = std::filesystem;

json run_json(const std::vector<std::string>& args, const std::string& out) {
  test::process p(args, out);
  EXPECT_EQ(WEXITSTATUS(p.wait(60s)), 0) << test::slurp(out);
  return json::parse(test::slurp(out), nullptr, false);
}

TEST(kelu_report, a_day_of_real_sales_adds_up_to_the_tills_totals) {
  const fs::path shared = KELU_SHARED_DATA;
  if (!fs::exists(shared / "pos")) GTEST_SKIP() << "needs ../shared/data/pos, which is absent";
  test::temp_dir dir;
  std::ofstream(dir.file("kelu.json")) << json{
      {"store", {{"tenant", "acme"}, {"id", "uk-1"}, {"name", "UCI Online Retail"}, {"time_zone", "Europe/London"},
                 {"currency", "GBP"}, {"opening_hours", "mon-sun 07:00-20:00"}}},
      {"storage", {{"path", dir.file("kelu.db")}}},
      {"sources", {{"csv", test::uci_csv_source()}}}}.dump();
  const auto ingest = run_json({KELU_BINARY, "ingest", "-c", dir.file("kelu.json"), "--json", "--format", "csv",
                                (shared / "pos/uci-online-retail/2010-12-02.csv").string()},
                               dir.file("ingest.json"));
  const auto r = run_json({KELU_BINARY, "report", "-c", dir.file("kelu.json"), "--day", "2010-12-02", "--json"},
                          dir.file("report.json"));
  ASSERT_TRUE(r.is_object());
  const auto& t = r["totals"];
  EXPECT_EQ(t["transactions"], 144);
  EXPECT_EQ(t["returns"], 23);
  EXPECT_EQ(t["sales_minor"], 4774838);     // 47,748.38
  EXPECT_EQ(t["returns_minor"], 154110);    // 1,541.10
  EXPECT_EQ(t["net_sales_minor"], 4620728); // 46,207.28, as kelu ingest and the oracle say
  EXPECT_EQ(ingest["revenue"]["GBP"]["net"], "46207.28");
  // The hours add up to the day.
  std::int64_t hourly = 0, hourly_tx = 0;
  for (const auto& h : r["hours"]) {
    hourly += h["net_sales_minor"].get<std::int64_t>();
    hourly_tx += h["transactions"].get<std::int64_t>();
  }
  EXPECT_EQ(hourly, 4620728);
  EXPECT_EQ(hourly_tx, 144);
  // No door camera: conversion is not made up.
  EXPECT_TRUE(t["conversion"].is_null());
  EXPECT_EQ(t["flags"], json::array({"no_door_camera"}));
  EXPECT_EQ(r["products"]["by_revenue"].size(), 10u);
  EXPECT_EQ(r["staff_basis"], "none");  // the export names no cashiers

  // The raw events behind an hour: exactly that hour's transactions.
  test::process behind({KELU_BINARY, "report", "-c", dir.file("kelu.json"), "--day", "2010-12-02", "--events", "10:00"},
                       dir.file("events.jsonl"));
  EXPECT_EQ(WEXITSTATUS(behind.wait(60s)), 0);
  std::int64_t lines = 0, net = 0;
  std::ifstream in(dir.file("events.jsonl"));
  for (std::string line; std::getline(in, line);) {
    const auto e = json::parse(line);
    EXPECT_EQ(e["type"], "pos.transaction");
    EXPECT_EQ(e["observed_at"].get<std::string>().substr(0, 13), "2010-12-02T10");  // London is UTC in December
    net += e["payload"]["total_minor"].get<std::int64_t>();
    ++lines;
  }
  std::int64_t ten_net = 0, ten_tx = 0;
  for (const auto& h : r["hours"])
    if (h["local_start"] == "2010-12-02T10:00:00+00:00") {
      ten_net = h["net_sales_minor"].get<std::int64_t>();
      ten_tx = h["transactions"].get<std::int64_t>() + h["returns"].get<std::int64_t>();
    }
  EXPECT_GT(lines, 0);
  EXPECT_EQ(lines, ten_tx);
  EXPECT_EQ(net, ten_net);

  // The text form a manager reads at the terminal.
  test::process text({KELU_BINARY, "report", "-c", dir.file("kelu.json"), "--day", "2010-12-02"}, dir.file("report.txt"));
  EXPECT_EQ(WEXITSTATUS(text.wait(60s)), 0);
  const auto page = test::slurp(dir.file("report.txt"));
  EXPECT_NE(page.find("net 46207.28 GBP"), std::string::npos) << page;
}

TEST(kelu_report, the_ncr_poslog_sale_and_sign_on) {
  const fs::path shared = KELU_SHARED_DATA;
  if (!fs::exists(shared / "pos")) GTEST_SKIP() << "needs ../shared/data/pos, which is absent";
  test::temp_dir dir;
  std::ofstream(dir.file("kelu.json")) << json{
      {"store", {{"tenant", "acme"}, {"id", "us-1"}, {"time_zone", "UTC"}, {"currency", "USD"}}},
      {"storage", {{"path", dir.file("kelu.db")}}}}.dump();
  run_json({KELU_BINARY, "ingest", "-c", dir.file("kelu.json"), "--json", "--format", "poslog",
            (shared / "pos/poslog-ncr-small.xml").string()},
           dir.file("ingest.json"));
  const auto r = run_json({KELU_BINARY, "report", "-c", dir.file("kelu.json"), "--day", "2017-10-01", "--json"},
                          dir.file("report.json"));
  ASSERT_TRUE(r.is_object());
  EXPECT_EQ(r["totals"]["transactions"], 1);
  EXPECT_EQ(r["totals"]["net_sales_minor"], 107);
  ASSERT_EQ(r["associates"].size(), 1u);
  EXPECT_EQ(r["associates"][0]["operator_id"], "94");
  EXPECT_EQ(r["associates"][0]["shift_basis"], "sign-on");
  EXPECT_EQ(r["staff_basis"], "pos");
}

TEST(kelu_report, bad_arguments_are_named) {
  test::temp_dir dir;
  std::ofstream(dir.file("kelu.json")) << json{{"store", {{"tenant", "acme"}, {"id", "x"}}},
                                               {"storage", {{"path", dir.file("kelu.db")}}}}.dump();
  test::process p({KELU_BINARY, "report", "-c", dir.file("kelu.json"), "--day", "2026-02-30"}, dir.file("out.txt"));
  EXPECT_EQ(WEXITSTATUS(p.wait(30s)), 2);
  EXPECT_NE(test::slurp(dir.file("out.txt")).find("--day: \"2026-02-30\" is not a valid date"), std::string::npos)
      << test::slurp(dir.file("out.txt"));
}

}  // namespace
}  // namespace kelu
