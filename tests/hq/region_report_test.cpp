// SPDX-License-Identifier: Apache-2.0
// The regional report on a small golden region, filed through the sink into a real PostgreSQL with
// master data imported from CSV, against figures computed by hand (in the comments).
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>

#include "core/event.hpp"
#include "hq/master/master_import.hpp"
#include "hq/report/region_query.hpp"
#include "hq/report/report_html.hpp"
#include "hq/report/report_json.hpp"
#include "hq/sink/sink_store.hpp"
#include "hq_test_base.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace kelu::hq {
namespace {

using nlohmann::json;

constexpr const char* epoch_a = "00000000000000a1";

struct associate_day {
  const char* id;
  const char* name;
  std::int64_t net;
  std::int64_t close_transactions;
  double opportunities;
};

// A closed day report as a box sends it on metrics/report/day (the fields the report reads).
std::string day_report(const std::string& store, const std::string& day, int revision, std::int64_t transactions,
                       std::int64_t net, std::int64_t visitors, std::int64_t buyers, int open, int covered,
                       const std::vector<associate_day>& associates, const std::string& epoch = epoch_a) {
  json people = json::array();
  for (const auto& a : associates)
    people.push_back({{"operator_id", a.id},
                      {"name", a.name},
                      {"net_sales_minor", a.net},
                      {"transactions", a.close_transactions},
                      {"on_shift_ms", 8 * 3'600'000},
                      {"close_rate_basis", {{"transactions", a.close_transactions}, {"opportunities", a.opportunities},
                                            {"hours", 8}}},
                      {"close_rate_reason", a.opportunities < 20 ? json("few_opportunities") : json(nullptr)}});
  json basis{{"visitors", visitors}, {"buyers", buyers}, {"open_periods", open}, {"covered_periods", covered}};
  return json{{"kind", "report.day"},
              {"tenant", "acme"},
              {"store", store},
              {"epoch", epoch},
              {"revision", revision},
              {"day", day},
              {"start", day + "T00:00:00.000+08:00"},
              {"currency", "CNY"},
              {"close_rate_min_opportunities", 20},
              {"totals", {{"transactions", transactions}, {"net_sales_minor", net}, {"rate_basis", basis},
                          {"rate_reason", covered == 0 ? json("low_coverage") : json(nullptr)}}},
              {"associates", people}}
      .dump();
}

struct line {
  const char* item;
  std::int64_t amount;
  const char* salesperson = "";
};

// A till's transaction as the box sends it on events/pos (through core::encode, the box's own).
std::string transaction(const std::string& store, int seq, const std::string& at, const std::string& id,
                        const std::string& cashier, core::pos_transaction_kind kind, const std::vector<line>& lines,
                        const std::string& epoch = epoch_a) {
  core::pos_transaction t;
  t.terminal = "POS1";
  t.transaction_id = id;
  t.business_day = at.substr(0, 10);
  t.operator_id = cashier;
  t.kind = kind;
  t.currency = "CNY";
  for (const auto& l : lines) {
    core::pos_line_item i;
    i.item_id = l.item;
    i.description = l.item;
    i.amount_minor = l.amount;
    i.salesperson_id = l.salesperson;
    t.items.push_back(i);
    t.total_minor += l.amount;
  }
  auto e = core::make_event({store, "pos-tcp", "pos", *core::parse_iso8601(at), *core::parse_iso8601(at)}, t);
  e.seq = seq;
  e.epoch = epoch;
  return core::encode(e);
}

class region_report_test : public test::pg_database_test {
 protected:
  void file(const std::string& store, const std::string& what, const std::string& payload) {
    sink_store s(*db_, 1 << 20);
    auto r = s.file({{"kelu/v1/acme/" + store + "/" + what, payload}});
    ASSERT_TRUE(std::holds_alternative<filed_counts>(r)) << std::get<pg_error>(r).message;
    ASSERT_EQ(std::get<filed_counts>(r).quarantined, 0) << payload;
  }
  void import(master_kind kind, const std::string& csv) {
    auto t = csv_table::parse(csv, "master.csv");
    ASSERT_TRUE(t) << t.error_message();
    auto r = import_master(*db_, "acme", kind, *t);
    ASSERT_TRUE(r) << r.error_message();
  }
  // The golden region "east", 2026-11-02 .. 2026-11-03 (Asia/Shanghai, CNY).
  void file_golden_region();
  region_report east() {
    auto in = load_region(*db_, "acme", "east", "2026-11-02", "2026-11-03");
    EXPECT_TRUE(in) << in.error_message();
    return in ? build_region_report(*in, {}) : region_report{};
  }

};

void region_report_test::file_golden_region() {
  import(master_kind::stores,
         "store,name,time_zone,currency,region,region_from\n"
         "sh-001,Jing'an,Asia/Shanghai,CNY,east,2025-01-01\n"
         "sh-002,Xuhui,Asia/Shanghai,CNY,east,2025-01-01\n"
         "sh-003,Pudong,Asia/Shanghai,CNY,east,2025-01-01\n"
         "sh-004,Minhang,Asia/Shanghai,CNY,west,2025-01-01\n"
         "sh-004,Minhang,Asia/Shanghai,CNY,east,2026-11-03\n"   // reorganised: east from the 3rd only
         "bj-001,Chaoyang,Asia/Shanghai,CNY,north,2025-01-01\n");
  import(master_kind::associates,
         "store,operator_id,person_id,name,role,hired_on\n"
         "sh-001,E1,p-li,Li Na,full-time,2020-05-01\n"
         "sh-004,E7,p-li,Li Na,full-time,2020-05-01\n"   // the same person at another store
         "sh-001,E2,p-wang,Wang Fang,part-time,2026-09-01\n"
         "sh-002,E5,p-zhao,Zhao Lei,full-time,2023-01-01\n"
         "sh-002,E6,p-qian,Qian Yu,part-time,2026-08-15\n"
         "sh-003,E9,p-sun,Sun Mei,full-time,2024-01-01\n");
  import(master_kind::products, "item_id,description,category\ntea,Oolong tea,drinks\nscarf,Silk scarf,accessories\n"
                                "cake,Mooncake,bakery\n");
  // sh-001: both days, fully covered.
  file("sh-001", "metrics/report/day", day_report("sh-001", "2026-11-02", 1, 10, 50000, 100, 10, 10, 10,
                                                  {{"E1", "Li Na", 30000, 6, 40}, {"E2", "Wang Fang", 20000, 4, 60}}));
  file("sh-001", "metrics/report/day", day_report("sh-001", "2026-11-03", 1, 20, 80000, 100, 20, 10, 10,
                                                  {{"E1", "Li Na", 50000, 14, 50}, {"E2", "Wang Fang", 30000, 6, 50}}));
  // sh-002: the 3rd never reported (the box was off); the 2nd covered 9 of 10 open hours.
  file("sh-002", "metrics/report/day", day_report("sh-002", "2026-11-02", 1, 13, 75000, 50, 13, 10, 9,
                                                  {{"E5", "Zhao Lei", 30000, 10, 50}, {"E6", "Qian Yu", 45000, 3, 40}}));
  // sh-003: its door camera saw 2 of 20 open hours.
  file("sh-003", "metrics/report/day", day_report("sh-003", "2026-11-02", 1, 7, 20000, 8, 4, 10, 2,
                                                  {{"E9", "Sun Mei", 20000, 4, 8}}));
  file("sh-003", "metrics/report/day", day_report("sh-003", "2026-11-03", 1, 8, 20000, 0, 0, 10, 0, {}));
  // sh-004: west on the 2nd (left out), east on the 3rd.
  file("sh-004", "metrics/report/day", day_report("sh-004", "2026-11-02", 1, 50, 99999, 500, 50, 10, 10,
                                                  {{"E7", "Li Na", 99999, 50, 100}}));
  file("sh-004", "metrics/report/day", day_report("sh-004", "2026-11-03", 1, 8, 16000, 40, 8, 10, 10,
                                                  {{"E7", "Li Na", 16000, 8, 40}}));
  // Transactions. 10:00 local is 02:00Z.
  using k = core::pos_transaction_kind;
  // Credited to Wang (the salesperson of the larger line): both lines are hers.
  file("sh-001", "events/pos", transaction("sh-001", 1, "2026-11-02T02:00:00.000Z", "T1", "E1", k::sale,
                                           {{"tea", 900}, {"cake", 3000, "E2"}}));
  // The same sale again from a replaced box (another epoch): one business key, counted once.
  file("sh-001", "events/pos", transaction("sh-001", 1, "2026-11-02T02:00:00.000Z", "T1", "E1", k::sale,
                                           {{"tea", 900}, {"cake", 3000, "E2"}}, "00000000000000b2"));
  file("sh-001", "events/pos", transaction("sh-001", 2, "2026-11-03T03:00:00.000Z", "T2", "E2", k::sale, {{"tea", 450}}));
  file("sh-001", "events/pos", transaction("sh-001", 3, "2026-11-03T04:00:00.000Z", "T3", "E2", k::void_, {{"tea", 7777}}));
  file("sh-004", "events/pos", transaction("sh-004", 1, "2026-11-02T02:00:00.000Z", "T1", "E7", k::sale, {{"tea", 10000}}));
  file("sh-004", "events/pos", transaction("sh-004", 2, "2026-11-03T02:00:00.000Z", "T2", "E7", k::sale, {{"tea", 900}}));
  file("sh-003", "events/pos", transaction("sh-003", 1, "2026-11-02T05:00:00.000Z", "R1", "E9", k::return_, {{"cake", -3000}}));
  // 23:30 local on the 1st (outside) and on the 3rd (inside): the store's day, not UTC's.
  file("sh-002", "events/pos", transaction("sh-002", 1, "2026-11-01T15:30:00.000Z", "T0", "E5", k::sale, {{"scarf", 8000}}));
  file("sh-002", "events/pos", transaction("sh-002", 2, "2026-11-03T15:30:00.000Z", "T9", "E5", k::sale, {{"scarf", 5000}}));
  file("bj-001", "events/pos", transaction("bj-001", 1, "2026-11-02T02:00:00.000Z", "T1", "E1", k::sale, {{"scarf", 90000}}));
}

TEST_F(region_report_test, a_golden_region_gives_the_hand_computed_figures) {
  file_golden_region();
  const auto r = east();
  ASSERT_EQ(r.stores.size(), 4u);
  // Store-days: sh-001 2, sh-002 2, sh-003 2, sh-004 1 (the 3rd) = 7; reported: all but sh-002's 3rd.
  EXPECT_EQ(r.store_days, 7);
  EXPECT_EQ(r.store_days_reported, 6);
  // Net sales 50000 + 80000 + 75000 + 20000 + 20000 + 16000; sh-004's west day is not in it.
  EXPECT_EQ(r.net_sales_minor, 261000);
  // Covered hours only: visitors 100 + 100 + 50 + 8 + 0 + 40 = 298, buyers 10 + 20 + 13 + 4 + 0 + 8 = 55.
  EXPECT_EQ(r.visitors, 298);
  EXPECT_EQ(r.buyers, 55);
  EXPECT_EQ(r.covered_hours, 41);
  EXPECT_EQ(r.open_hours, 60);
  EXPECT_NEAR(*r.conversion, 55.0 / 298.0, 1e-12);

  const auto& a = r.stores[0];  // sh-001: 30 / 200
  EXPECT_EQ(a.status, "ok");
  EXPECT_NEAR(*a.conversion, 0.15, 1e-12);
  const auto& b = r.stores[1];  // sh-002: the box was off on the 3rd: missing, not zero
  EXPECT_EQ(b.status, "missing_days");
  EXPECT_EQ(b.missing_days, std::vector<std::string>{"2026-11-03"});
  EXPECT_NEAR(*b.conversion, 13.0 / 50.0, 1e-12);
  EXPECT_NEAR(*b.coverage, 0.9, 1e-12);
  const auto& c = r.stores[2];  // sh-003: 2 of 20 open hours seen
  EXPECT_EQ(c.status, "low_coverage");
  EXPECT_NEAR(*c.coverage, 0.1, 1e-12);
  EXPECT_NEAR(*c.conversion, 0.5, 1e-12);  // over the 2 hours seen, flagged as such
  const auto& d = r.stores[3];  // sh-004: the 3rd only
  EXPECT_EQ(d.days_in_region, 1);
  EXPECT_EQ(d.sources.size(), 1u);
  EXPECT_EQ(d.sources[0].day, "2026-11-03");

  // Associates across stores: Li (sh-001 E1 and sh-004 E7) 28 / 130; Wang 10 / 110; Zhao 10 / 50;
  // Qian 3 / 40; Sun 4 / 8 (under 20 opportunities: not shown). Team 55 / 338.
  ASSERT_EQ(r.associates.size(), 5u);
  EXPECT_NEAR(*r.team_close_rate, 55.0 / 338.0, 1e-12);
  std::map<std::string, const associate_line*> by;
  for (const auto& p : r.associates) by[p.person] = &p;
  EXPECT_EQ(by["p-li"]->net_sales_minor, 96000);
  EXPECT_NEAR(*by["p-li"]->close_rate, 28.0 / 130.0, 1e-12);
  EXPECT_EQ(by["p-li"]->stores, (std::vector<std::string>{"sh-001/E1", "sh-004/E7"}));
  EXPECT_FALSE(by["p-sun"]->close_rate);
  EXPECT_EQ(by["p-sun"]->close_rate_reason, "few_opportunities");
  // Median net sales (of 96000, 50000, 45000, 30000, 20000) 45000; flagged under 0.7 × 16.27 % = 11.4 %:
  // Wang (9.1 %, 50000) and Qian (7.5 %, 45000); Zhao (20 %) and Li are not, Sun has no rate.
  EXPECT_TRUE(by["p-wang"]->flagged);
  EXPECT_TRUE(by["p-qian"]->flagged);
  EXPECT_FALSE(by["p-zhao"]->flagged);
  EXPECT_FALSE(by["p-li"]->flagged);
  EXPECT_EQ(by["p-wang"]->flag_reason,
            "close rate 9.1% vs the region's 16.3% (flagged under 70% of it), over 110.0 opportunities in 16.0 h on "
            "shift; net sales 500.00 at or above the region's median 450.00");
  // What the two have in common, against Li and Zhao: part-time, under 6 months.
  ASSERT_EQ(r.flagged_in_common.size(), 2u);
  EXPECT_EQ(r.flagged_in_common[0].attribute, "role");
  EXPECT_EQ(r.flagged_in_common[0].value, "part-time");
  EXPECT_EQ(r.flagged_in_common[0].others_with, 0);
  EXPECT_EQ(r.flagged_in_common[1].value, "under 6 months");

  // Products: scarf 5000 (sh-002's 23:30 on the 3rd; not the 1st's, nor bj-001's); tea 900 + 450 (Wang)
  // + 900 (Li at sh-004 on the 3rd) = 2250, the void not, the west day not, the replaced box's copy
  // not; cake 3000 (Wang) − 3000 (returned at sh-003) = 0.
  ASSERT_EQ(r.top_products.size(), 3u);
  EXPECT_EQ(r.top_products[0].item_id, "scarf");
  EXPECT_EQ(r.top_products[0].revenue_minor, 5000);
  EXPECT_EQ(r.top_products[0].category, "accessories");
  const auto& tea = r.top_products[1];
  EXPECT_EQ(tea.revenue_minor, 2250);
  ASSERT_EQ(tea.sellers.size(), 2u);
  EXPECT_EQ(tea.sellers[0].person, "p-wang");
  EXPECT_EQ(tea.sellers[0].revenue_minor, 1350);
  EXPECT_TRUE(tea.sellers[0].flagged);
  EXPECT_EQ(tea.sellers[1].person, "p-li");
  EXPECT_NEAR(*tea.sellers[1].close_rate, 28.0 / 130.0, 1e-12);
  EXPECT_EQ(tea.revenue_by_store, (std::map<std::string, std::int64_t>{{"sh-001", 1350}, {"sh-004", 900}}));
  EXPECT_EQ(r.top_products[2].revenue_minor, 0);
  EXPECT_EQ(by["p-wang"]->main_category, "bakery");  // 3000 of cake against 1350 of tea
}

TEST_F(region_report_test, a_revised_day_report_supersedes_the_old_one) {
  file_golden_region();
  // sh-001's 3rd revised (late sales): 25 transactions, 90000, 22 buyers.
  file("sh-001", "metrics/report/day", day_report("sh-001", "2026-11-03", 2, 25, 90000, 100, 22, 10, 10,
                                                  {{"E1", "Li Na", 60000, 16, 50}, {"E2", "Wang Fang", 30000, 6, 50}}));
  // A late copy of revision 1 changes nothing.
  file("sh-001", "metrics/report/day", day_report("sh-001", "2026-11-03", 1, 20, 80000, 100, 20, 10, 10, {}));
  const auto r = east();
  EXPECT_EQ(r.net_sales_minor, 271000);
  EXPECT_EQ(r.buyers, 57);
  EXPECT_EQ(r.stores[0].sources[1].revision, 2);
}

// A box may be broken or compromised: a day report not as boxes write them is a missing day with a
// note saying where it is wrong, never zeros and never an exception out of the report.
TEST_F(region_report_test, a_day_report_not_as_a_box_writes_it_is_a_missing_day_with_a_note) {
  file_golden_region();
  // sh-001's 3rd revised with totals of the wrong type; sh-002's 3rd (never reported) with a broken
  // associate.
  auto broken = json::parse(day_report("sh-001", "2026-11-03", 2, 20, 80000, 100, 20, 10, 10, {}));
  broken["totals"] = "lots";
  file("sh-001", "metrics/report/day", broken.dump());
  auto odd = json::parse(day_report("sh-002", "2026-11-03", 1, 5, 5000, 10, 5, 10, 10,
                                    {{"E5", "Zhao Lei", 5000, 5, 10}, {"E6", "Qian Yu", 0, 0, 0}}));
  odd["associates"][1]["close_rate_basis"]["opportunities"] = "many";
  file("sh-002", "metrics/report/day", odd.dump());

  const auto r = east();
  EXPECT_EQ(r.store_days_reported, 5);                // the golden 6, less sh-001's 3rd
  EXPECT_EQ(r.net_sales_minor, 261000 - 80000);       // neither broken day read as figures
  EXPECT_EQ(r.stores[0].missing_days, std::vector<std::string>{"2026-11-03"});
  EXPECT_EQ(r.stores[0].status, "missing_days");
  EXPECT_EQ(r.stores[1].missing_days, std::vector<std::string>{"2026-11-03"});
  ASSERT_EQ(r.notes.size(), 2u);
  EXPECT_EQ(r.notes[0], "sh-001, 2026-11-03: its day report (epoch " + std::string(epoch_a) +
                            ", revision 2) cannot be read (totals is not an object), so the day counts as missing");
  EXPECT_NE(r.notes[1].find("sh-002, 2026-11-03: its day report (epoch " + std::string(epoch_a) +
                            ", revision 1) cannot be read (associates[1].close_rate_basis.opportunities is not a number)"),
            std::string::npos)
      << r.notes[1];
}

TEST(day_report_problem, names_the_first_field_not_as_the_box_writes_it) {
  EXPECT_EQ(day_report_problem(json::array()), "not a JSON object");
  EXPECT_EQ(day_report_problem(json::object()), "totals is missing");
  EXPECT_EQ(day_report_problem(json{{"totals", json::object()}}), "");  // absent fields read as 0
  EXPECT_EQ(day_report_problem(json{{"totals", {{"transactions", 1.5}}}}), "totals.transactions is not a whole number");
  EXPECT_EQ(day_report_problem(json{{"totals", {{"rate_basis", {{"visitors", "9"}}}}}}),
            "totals.rate_basis.visitors is not a whole number");
  EXPECT_EQ(day_report_problem(json{{"totals", json::object()}, {"associates", json::object()}}),
            "associates is not an array");
  EXPECT_EQ(day_report_problem(json{{"totals", json::object()}, {"associates", {json::object(), 7}}}),
            "associates[1] is not an object");
  EXPECT_EQ(day_report_problem(json::parse(day_report("s", "2026-11-02", 1, 1, 1, 1, 1, 1, 1, {{"E1", "A", 1, 1, 1}}))),
            "");
}

TEST_F(region_report_test, the_command_writes_json_and_one_self_contained_html_file) {
  file_golden_region();
  kelu::test::temp_dir dir;
  const auto html = dir.file("east.html");
  const auto out = dir.file("east.json");
  kelu::test::process p({KELU_HQ_BINARY, "report", "--db", conninfo_, "--tenant", "acme", "--region", "east", "--from",
                         "2026-11-02", "--to", "2026-11-03", "--json", "--html", html},
                        out);
  ASSERT_EQ(WEXITSTATUS(p.wait(std::chrono::seconds(60))), 0);
  std::ifstream j(out);
  const auto doc = json::parse(std::string(std::istreambuf_iterator<char>(j), {}));
  EXPECT_EQ(doc["totals"]["net_sales_minor"], 261000);
  EXPECT_EQ(doc["stores"][1]["missing_days"], json::array({"2026-11-03"}));
  EXPECT_EQ(doc["stores"][0]["day_reports"][0]["epoch"], epoch_a);
  EXPECT_EQ(doc["top_products"][1]["revenue_by_store"]["sh-004"], 900);
  std::ifstream h(html);
  const std::string page{std::istreambuf_iterator<char>(h), {}};
  EXPECT_NE(page.find("区域热销品-导购能力匹配度报告"), std::string::npos);
  EXPECT_NE(page.find("Regional report"), std::string::npos);
  EXPECT_NE(page.find("<svg"), std::string::npos);
  // Nothing fetched from elsewhere: no src= or href= at all, no external stylesheet.
  EXPECT_EQ(page.find("src="), std::string::npos);
  EXPECT_EQ(page.find("href="), std::string::npos);

  kelu::test::process unknown({KELU_HQ_BINARY, "report", "--db", conninfo_, "--tenant", "acme", "--region", "south",
                               "--from", "2026-11-02", "--to", "2026-11-03"},
                              dir.file("south.log"));
  EXPECT_EQ(WEXITSTATUS(unknown.wait(std::chrono::seconds(60))), 1);
  std::ifstream why(dir.file("south.log"));
  EXPECT_NE(std::string(std::istreambuf_iterator<char>(why), {}).find("region \"south\" of tenant acme has no store"),
            std::string::npos);
}

// The HTML report as a manager's phone shows it: Debian's chromium, headless, 390 px wide, driven by
// tests/browser/region_report.mjs (puppeteer-core from npm).
TEST_F(region_report_test, the_html_report_fits_a_phone_and_switches_language_in_a_real_browser) {
  const std::string chromium = "/usr/bin/chromium";
  const std::string script = std::string(KELU_SOURCE_DIR) + "/tests/browser/region_report.mjs";
  if (!std::filesystem::exists(chromium)) GTEST_SKIP() << "no " << chromium << " (scripts/setup installs it)";
  if (!std::filesystem::exists(std::string(KELU_SOURCE_DIR) + "/node_modules/puppeteer-core/package.json"))
    GTEST_SKIP() << "no puppeteer-core (scripts/setup runs npm ci)";
  file_golden_region();
  kelu::test::temp_dir dir;
  const auto html = dir.file("east.html");
  kelu::test::process report({KELU_HQ_BINARY, "report", "--db", conninfo_, "--tenant", "acme", "--region", "east",
                              "--from", "2026-11-02", "--to", "2026-11-03", "--json", "--html", html},
                             dir.file("east.json"));
  ASSERT_EQ(WEXITSTATUS(report.wait(std::chrono::seconds(60))), 0);
  std::ifstream j(dir.file("east.json"));
  const auto doc = json::parse(std::string(std::istreambuf_iterator<char>(j), {}));

  const auto out = dir.file("browser.out");
  kelu::test::process node({"/usr/bin/env", "node", script, json{{"file", html}, {"out", dir.path().string()}}.dump()},
                           out);
  const int status = node.wait(std::chrono::seconds(120));
  std::ifstream in(out);
  const std::string text{std::istreambuf_iterator<char>(in), {}};
  ASSERT_EQ(WEXITSTATUS(status), 0) << text;
  json seen;
  for (std::size_t at = 0, end; at < text.size(); at = end + 1) {  // the JSON line, among Node's warnings
    end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    if (text.compare(at, 13, "{\"scenario\":\"") == 0) seen = json::parse(text.substr(at, end - at));
  }
  ASSERT_FALSE(seen.is_null()) << text;
  ASSERT_FALSE(seen.contains("failure")) << seen["failure"];
  EXPECT_EQ(seen["errors"], json::array());
  EXPECT_EQ(seen["requests"], json::array()) << "the file fetched something";
  std::size_t flagged_associates = 0;
  for (const auto& a : doc["associates"]) if (a.value("high_sales_low_close", false)) ++flagged_associates;
  ASSERT_GT(flagged_associates, 0u) << "the golden region flags someone";
  for (const auto* lang : {"zh", "en"}) {
    const auto& v = seen[lang];
    SCOPED_TRACE(lang);
    EXPECT_FALSE(v["page_wider_than_screen"].get<bool>());
    // The store table fits the screen without scrolling sideways (its four columns).
    ASSERT_FALSE(v["tables"].empty());
    EXPECT_FALSE(v["tables"][0]["wider_than_its_box"].get<bool>()) << v["tables"][0];
    EXPECT_EQ(v["stores"].size(), doc["stores"].size());
    EXPECT_GE(v["flagged"].get<std::size_t>(), flagged_associates);
    EXPECT_GE(v["charts"].get<int>(), 1);
  }
  EXPECT_NE(seen["zh"]["title"].get<std::string>().find("区域热销品"), std::string::npos) << seen["zh"]["title"];
  EXPECT_NE(seen["en"]["title"].get<std::string>().find("Regional report"), std::string::npos) << seen["en"]["title"];
  EXPECT_EQ(seen["en"]["title"].get<std::string>().find("区域热销品"), std::string::npos) << seen["en"]["title"];
}

}  // namespace
}  // namespace kelu::hq
