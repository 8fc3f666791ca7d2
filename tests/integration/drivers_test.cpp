// SPDX-License-Identifier: Apache-2.0
// Every POS driver switched on from config alone, in one `kelu run`, delivering to a real
// mosquitto; and `kelu ingest` on the same formats.
#include <sys/wait.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <filesystem>
#include <fstream>
#include <map>

#include "drivers/webhook_source.hpp"
#include "support/curl.hpp"
#include "support/files.hpp"
#include "support/fake_printer.hpp"
#include "support/io_helpers.hpp"
#include "support/mosquitto.hpp"
#include "support/mqtt_collector.hpp"
#include "support/process.hpp"
#include "support/schema_check.hpp"
#include "support/temp_dir.hpp"
#include "support/uci_sample.hpp"

namespace kelu {
namespace {

using test::slurp;

using namespace std::chrono_literals;
using nlohmann::json;
namespace fs = std::filesystem;

const fs::path data = fs::path(KELU_SOURCE_DIR) / "tests/data/drivers";
constexpr const char* secret = "store-secret-0123456789";

int http_post(std::uint16_t port, const std::string& body) {
  namespace http = boost::beast::http;
  boost::asio::io_context io;
  boost::beast::tcp_stream s(io);
  s.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  http::request<http::string_body> req{http::verb::post, "/pos/transactions", 11};
  req.set(http::field::host, "127.0.0.1");
  req.set("X-Kelu-Terminal", "W1");
  req.set("X-Kelu-Signature", drivers::webhook_signature(secret, body));
  req.body() = body;
  req.prepare_payload();
  http::write(s, req);
  boost::beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(s, buf, res);
  return static_cast<int>(res.result_int());
}

void print(std::uint16_t port, const std::string& bytes) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket s(io);
  s.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  boost::asio::write(s, boost::asio::buffer(bytes));
  s.shutdown(boost::asio::ip::tcp::socket::shutdown_send);
  std::array<char, 64> buf;
  boost::system::error_code ec;
  while (!ec) s.read_some(boost::asio::buffer(buf), ec);
}

TEST(pos_drivers, every_driver_from_config_alone_reaches_hq) {
  if (!test::mosquitto::available()) GTEST_SKIP() << "mosquitto is not installed (scripts/setup installs it)";
  test::temp_dir dir;
  test::mosquitto broker;
  broker.start();
  test::fake_printer printer;
  const auto webhook_port = test::free_port();
  const auto tap_port = test::free_port();
  std::ofstream(dir.file("secrets")) << "W1 " << secret << "\n";
  fs::permissions(dir.file("secrets"), fs::perms::owner_read | fs::perms::owner_write);
  std::ofstream(dir.file("kelu.json")) << json{
      {"store", {{"tenant", "acme"}, {"id", "sh-001"}, {"time_zone", "Asia/Shanghai"}}},
      {"storage", {{"path", dir.file("kelu.db")}}},
      {"mqtt", {{"uri", broker.uri()}, {"reconnect_min_ms", 50}}},
      {"health", {{"interval_s", 1}}},
      {"sources",
       {{"pos_tcp", {{"enabled", false}}},
        {"poslog", {{"enabled", true}, {"folder", dir.file("poslog")}, {"settle_s", 0}}},
        {"csv", {{"enabled", true}, {"folder", dir.file("csv")}, {"settle_s", 0}}},
        {"webhook", {{"enabled", true}, {"listen", "127.0.0.1"}, {"port", webhook_port}, {"secrets_file", dir.file("secrets")}}},
        {"escpos",
         {{"enabled", true}, {"listen", "127.0.0.1"}, {"port", tap_port},
          {"printer", "127.0.0.1:" + std::to_string(printer.port())}, {"preset", "generic-zh"}, {"terminal", "T3"}}}}}}
                                              .dump(2);
  test::mqtt_collector hq{broker.uri(), "hq-drivers", "kelu/v1/acme/sh-001/#"};
  test::process agent({KELU_BINARY, "run", "--config", dir.file("kelu.json")}, dir.file("kelu.log"));
  ASSERT_TRUE(test::wait_for_port(webhook_port, 10s)) << slurp(dir.file("kelu.log"));
  ASSERT_TRUE(test::wait_for_port(tap_port, 10s));

  fs::copy_file(data / "poslog/prefixed-return-void/input.xml", dir.file("poslog/shift.xml"));
  fs::copy_file(data / "poslog/v6-namespace/input.xml", dir.file("poslog/v6.xml"));
  fs::copy_file(data / "csv/bad-rows/input.csv", dir.file("csv/export.csv"));
  EXPECT_EQ(http_post(webhook_port, R"({"terminal":"W1","transaction_id":"1","total":"5.00"})"), 200);
  print(tap_port, slurp(data / "escpos/zh-gb18030/input.bin"));

  // POSLog: 5 transactions (one in training mode) and a sign-off, and the POSLog 6 file's 5
  // transactions and a sign-on; CSV: 2 good invoices; webhook 1; receipts 2.
  const std::map<std::string, std::size_t> want{{"poslog", 12}, {"csv", 2}, {"webhook", 1}, {"escpos", 2}};
  const auto by_source = [](const std::vector<test::received>& msgs) {
    std::map<std::string, std::size_t> n;
    for (const auto& m : msgs)
      if (m.topic.ends_with("/events/pos")) ++n[json::parse(m.payload)["source"].get<std::string>()];
    return n;
  };
  ASSERT_TRUE(hq.wait_until([&](const auto& m) { return by_source(m) == want; }, 30s))
      << json(by_source(hq.messages())).dump() << "\n" << slurp(dir.file("kelu.log"));
  EXPECT_TRUE(fs::exists(dir.file("poslog/done/shift.xml")));
  EXPECT_TRUE(fs::exists(dir.file("csv/rejected/export.csv.error")));  // some rows of it were bad

  // Per-source health in the stats stream.
  const auto health_of = [](const std::vector<test::received>& msgs) {
    std::map<std::string, json> out;
    for (const auto& m : msgs)
      if (m.topic.ends_with("/stats")) {
        const auto j = json::parse(m.payload);  // named: a range-for over a temporary's member dangles
        for (const auto& s : j["payload"]["sources"]) out[s["source"]] = s;
      }
    return out;
  };
  ASSERT_TRUE(hq.wait_until(
      [&](const auto& m) {
        auto h = health_of(m);
        return h.size() == 4 && h["escpos"]["accepted"] == 2 && h["csv"]["accepted"] == 2 &&
               h["poslog"]["accepted"] == 12 && h["poslog"].value("read_around", 0) == 3;
      },
      15s))
      << json(health_of(hq.messages())).dump();
  const auto h = health_of(hq.messages());
  EXPECT_EQ(h.at("csv")["rejected"], 5);  // the five bad rows of tests/data/drivers/csv/bad-rows
  EXPECT_EQ(h.at("poslog")["accepted"], 12);
  EXPECT_EQ(h.at("poslog")["read_around"], 3);  // the POSLog 6 file's currencies, read from the amounts
  EXPECT_FALSE(h.at("csv").contains("read_around"));
  EXPECT_EQ(h.at("webhook")["driver"], "webhook");
  // wait_for_port's probe was a (empty) job too; the receipt job printed unchanged.
  const auto jobs = printer.jobs();
  EXPECT_EQ(std::count(jobs.begin(), jobs.end(), slurp(data / "escpos/zh-gb18030/input.bin")), 1);
  EXPECT_EQ(agent.stop(SIGTERM, 15s), 0);
  // The drivers' events, extensions included, keep the published contract.
  const auto checked = test::check_against_schemas(hq.messages(), KELU_SOURCE_DIR, dir.path().string());
  if (checked.available) {
    EXPECT_EQ(checked.status, 0) << checked.text;
    EXPECT_NE(checked.text.find("0 failures"), std::string::npos) << checked.text;
  }
}

TEST(pos_drivers, kelu_ingest_prints_totals_and_a_second_run_stores_nothing) {
  test::temp_dir dir;
  std::ofstream(dir.file("kelu.json")) << json{{"store", {{"tenant", "acme"}, {"id", "sh-001"}, {"time_zone", "Asia/Shanghai"}}},
                                               {"storage", {{"path", dir.file("kelu.db")}}}}
                                              .dump();
  fs::create_directories(dir.file("history"));
  fs::copy_file(data / "poslog/prefixed-return-void/input.xml", dir.file("history/a.xml"));
  fs::copy_file(data / "jsonl/mixed/input.jsonl", dir.file("history/b.jsonl"));
  const auto run = [&](const std::string& out, const char* flag = "--json") {
    test::process p({KELU_BINARY, "ingest", "-c", dir.file("kelu.json"), "--json", flag, dir.file("history")},
                    dir.file(out));
    const int status = p.wait(30s);
    return std::pair{WEXITSTATUS(status), json::parse(slurp(dir.file(out)))};
  };
  // A dry run reports what the files hold and stores nothing.
  const auto [rc0, dry] = run("dry.json", "--dry-run");
  EXPECT_EQ(rc0, 1);
  EXPECT_EQ(dry["new"], 10);
  EXPECT_FALSE(fs::exists(dir.file("kelu.db")));
  const auto [rc1, first] = run("first.json");
  EXPECT_EQ(rc1, 1);  // the JSON-lines file has two bad lines: reported, the rest stored
  EXPECT_EQ(first["files"], 2);
  EXPECT_EQ(first["new"], 10);  // 6 POSLog records, 4 good JSON lines
  EXPECT_EQ(first["sales"], 2);
  EXPECT_EQ(first["returns"], 2);
  EXPECT_EQ(first["voids"], 3);
  EXPECT_EQ(first["training"], 1);
  EXPECT_EQ(first["sign_ons"], 1);
  EXPECT_EQ(first["sign_offs"], 1);
  EXPECT_EQ(first["revenue"]["CNY"]["sales"], "36.00");
  EXPECT_EQ(first["revenue"]["CNY"]["returns"], "-13.50");
  EXPECT_EQ(first["rejected"].size(), 2u);
  const auto [rc2, second] = run("second.json");
  EXPECT_EQ(rc2, 1);
  EXPECT_EQ(second["new"], 0);
  EXPECT_EQ(second["duplicates"], 10);
}

// The technician's mapping check: per file, what was read, which rule gave each total, what
// was read around, whether tenders match; nothing stored. Figures by hand in the cases' files.
TEST(pos_drivers, kelu_ingest_dry_run_explains_each_file) {
  test::temp_dir dir;
  std::ofstream(dir.file("kelu.json")) << json{{"store", {{"tenant", "acme"}, {"id", "sh-001"}, {"time_zone", "Asia/Shanghai"}}},
                                               {"storage", {{"path", dir.file("kelu.db")}}}}
                                              .dump();
  fs::create_directories(dir.file("export"));
  fs::copy_file(data / "poslog/no-namespace/input.xml", dir.file("export/a-no-namespace.xml"));
  fs::copy_file(data / "poslog/v6-namespace/input.xml", dir.file("export/b-v6.xml"));
  const auto run = [&](const std::string& out, std::vector<std::string> flags) {
    std::vector<std::string> args{KELU_BINARY, "ingest", "-c", dir.file("kelu.json"), "--dry-run"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.push_back(dir.file("export"));
    test::process p(args, dir.file(out));
    return WEXITSTATUS(p.wait(30s));
  };
  EXPECT_EQ(run("dry.json", {"--json"}), 1);  // one transaction of a-no-namespace.xml is malformed
  EXPECT_FALSE(fs::exists(dir.file("kelu.db")));
  const auto j = json::parse(slurp(dir.file("dry.json")));
  EXPECT_EQ(j["dry_run"], true);
  ASSERT_EQ(j["per_file"].size(), 2u);
  const auto& a = j["per_file"][0]["summary"];
  EXPECT_EQ(a["total_from"], json({{"as given", 2}, {"lines", 1}, {"net_plus_tax", 2}, {"tenders", 1}}));
  EXPECT_EQ(a["tenders"]["mismatched"], 1);
  EXPECT_EQ(a["tenders"]["examples"][0], "terminal T1 transaction 6: tenders 10.00 vs total 9.90 CNY");
  EXPECT_EQ(a["warnings"].size(), 6u);
  EXPECT_EQ(a["rejected"].size(), 1u);
  EXPECT_EQ(a["revenue"]["CNY"]["sales"], "223.30");
  EXPECT_EQ(a["revenue"]["USD"]["sales"], "20.00");  // never summed into the store's currency
  const auto& b = j["per_file"][1]["summary"];
  EXPECT_EQ(b["suspended"], 1);
  EXPECT_EQ(b["training"], 1);
  EXPECT_EQ(b["salespeople"], json::array({"S03", "S07"}));
  EXPECT_EQ(j["transactions"], 11);  // both files together
  // The text a technician reads names each file and says the same.
  EXPECT_EQ(run("dry.txt", {}), 1);
  const auto text = slurp(dir.file("dry.txt"));
  for (const char* want : {"dry run: nothing was stored", "a-no-namespace.xml\n", "b-v6.xml\n", "== all 2 files",
                           "totals:        2 as given, 1 lines + tax, 2 net + tax, 1 tenders",
                           "tenders:       3 match the total, 1 do not, 2 sales/returns without tenders",
                           "1 x Tender with an empty or absent Amount: tender skipped",
                           "1 suspended, 1 training", "read:          6 records (dry run: none stored)"})
    EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
}

// A technician backfills while the agent runs: the rows another process wrote reach HQ.
TEST(pos_drivers, kelu_ingest_beside_a_running_agent_reaches_hq) {
  if (!test::mosquitto::available()) GTEST_SKIP() << "mosquitto is not installed (scripts/setup installs it)";
  test::temp_dir dir;
  test::mosquitto broker;
  broker.start();
  const auto pos_port = test::free_port();
  std::ofstream(dir.file("kelu.json")) << json{
      {"store", {{"tenant", "acme"}, {"id", "sh-001"}, {"time_zone", "Asia/Shanghai"}}},
      {"storage", {{"path", dir.file("kelu.db")}}},
      {"mqtt", {{"uri", broker.uri()}, {"reconnect_min_ms", 50}}},
      {"sources", {{"pos_tcp", {{"listen", "127.0.0.1"}, {"port", pos_port}}}}}}
                                              .dump();
  test::mqtt_collector hq{broker.uri(), "hq-backfill", "kelu/v1/acme/sh-001/events/#"};
  test::process agent({KELU_BINARY, "run", "--config", dir.file("kelu.json")}, dir.file("kelu.log"));
  ASSERT_TRUE(test::wait_for_port(pos_port, 10s));
  test::process ingest({KELU_BINARY, "ingest", "-c", dir.file("kelu.json"),
                        (data / "poslog/prefixed-return-void/input.xml").string()},
                       dir.file("ingest.log"));
  EXPECT_EQ(WEXITSTATUS(ingest.wait(30s)), 0) << slurp(dir.file("ingest.log"));
  ASSERT_TRUE(hq.wait_until([](const auto& m) { return m.size() >= 6; }, 30s)) << slurp(dir.file("kelu.log"));
  EXPECT_EQ(hq.messages().size(), 6u);
  EXPECT_EQ(agent.stop(SIGTERM, 15s), 0);
}

// The real sample files through the real command line: the totals a technician reads.
TEST(pos_drivers, kelu_ingest_totals_for_the_real_sample_files) {
  const fs::path shared = KELU_SHARED_DATA;
  if (!fs::exists(shared / "pos")) GTEST_SKIP() << "needs ../shared/data/pos, which is absent";
  test::temp_dir dir;
  std::ofstream(dir.file("kelu.json")) << json{
      {"store", {{"tenant", "acme"}, {"id", "uk-1"}, {"time_zone", "Europe/London"}, {"currency", "GBP"}}},
      {"storage", {{"path", dir.file("kelu.db")}}},
      {"sources", {{"csv", test::uci_csv_source()}}}}.dump();
  const auto ingest = [&](const fs::path& file, const char* format) {
    const auto out = dir.file(file.filename().string() + ".json");  // process appends: one file per run
    test::process p({KELU_BINARY, "ingest", "-c", dir.file("kelu.json"), "--json", "--format", format, file.string()},
                    out);
    EXPECT_EQ(WEXITSTATUS(p.wait(60s)), 0);
    return json::parse(slurp(out));
  };
  const auto uci = ingest(shared / "pos/uci-online-retail/2010-12-02.csv", "csv");
  const auto oracle = json::parse(slurp(data / "csv/uci-2010-12-02/expected-summary.json"));  // Python's figures
  for (const char* key : {"transactions", "sales", "returns", "items", "revenue"}) EXPECT_EQ(uci[key], oracle[key]) << key;
  const auto ncr = ingest(shared / "pos/poslog-ncr-small.xml", "poslog");
  EXPECT_EQ(ncr["sales"], 1);
  EXPECT_EQ(ncr["sign_ons"], 1);
  EXPECT_EQ(ncr["revenue"]["USD"]["net"], "1.07");
  EXPECT_EQ(ncr["operators"], json::array({"94"}));
  EXPECT_EQ(ncr["workstations"], json::array({"34"}));
  EXPECT_EQ(ncr["business_days"], json::array({"2017-09-30"}));
  const auto receipt = ingest(shared / "pos/escpos/receipt-with-logo.bin", "escpos");
  EXPECT_EQ(receipt["revenue"]["GBP"]["sales"], "14.25");
  EXPECT_EQ(receipt["revenue"]["GBP"]["tax"], "1.30");
  EXPECT_EQ(receipt["items"], 4);
}

// A store whose door already has a Hikvision counter: set up from config alone, its pushes reach
// HQ as traffic.count (checked against the schema) and `kelu report` counts them as visitors.
TEST(people_counters, a_hikvision_counter_from_config_alone_reaches_hq_and_the_funnel) {
  if (!test::mosquitto::available()) GTEST_SKIP() << "mosquitto is not installed (scripts/setup installs it)";
  if (!test::curl_available()) GTEST_SKIP() << "curl is not installed (scripts/setup installs it)";
  test::temp_dir dir;
  test::mosquitto broker;
  broker.start();
  const auto port = test::free_port();
  std::ofstream(dir.file("kelu.json")) << json{
      {"store", {{"tenant", "acme"}, {"id", "sh-001"}, {"time_zone", "Asia/Shanghai"}}},
      {"storage", {{"path", dir.file("kelu.db")}}},
      {"mqtt", {{"uri", broker.uri()}, {"reconnect_min_ms", 50}}},
      {"health", {{"interval_s", 1}}},
      {"sources", {{"pos_tcp", {{"enabled", false}}}, {"counter_push", {{"listen", "127.0.0.1"}, {"port", port}}}}},
      {"counters", json::array({{{"id", "door"}, {"vendor", "hikvision"}, {"channel", "1"}, {"line", "main"},
                                 {"username", "hik"}, {"password", "pa55-word"}},
                                {{"id", "street"}, {"vendor", "xovis"}, {"channel", "Entrance"}, {"role", "passby"},
                                 {"auth", "basic"}, {"username", "xovis"}, {"password", "push-pass"}}})}}
                                              .dump(2);
  test::mqtt_collector hq{broker.uri(), "hq-counters", "kelu/v1/acme/sh-001/#"};
  auto agent = std::make_unique<test::process>(std::vector<std::string>{KELU_BINARY, "run", "--config", dir.file("kelu.json")},
                                               dir.file("kelu.log"));
  ASSERT_TRUE(test::wait_for_port(port, 10s)) << slurp(dir.file("kelu.log"));
  const auto counters = fs::path(KELU_SOURCE_DIR) / "tests/data/counters";
  const auto push = [&](const char* file, const char* auth, const char* counter = "door") {
    return test::curl_post("http://127.0.0.1:" + std::to_string(port) + "/counters/" + counter, (counters / file).string(),
                           auth)
        .status;
  };
  EXPECT_EQ(push("hikvision-timerange.xml", "--digest -u hik:pa55-word"), 200);
  EXPECT_EQ(push("hikvision-multipart.txt", "--digest -u hik:pa55-word"), 200);
  EXPECT_EQ(push("hikvision-timerange.xml", "--digest -u hik:wrong"), 401);
  // A Xovis sensor on the street side: its Entrance line's two minutes, as passers-by.
  EXPECT_EQ(push("xovis-linecount.json", "--basic -u xovis:push-pass", "street"), 200);
  const auto counts = [](const std::vector<test::received>& msgs) {
    std::int64_t in = 0;
    for (const auto& m : msgs)
      if (m.topic.ends_with("/events/traffic")) {
        const auto e = json::parse(m.payload);
        if (e["type"] == "traffic.count" && e["source"] == "counter-door") in += e["payload"]["in"].get<std::int64_t>();
      }
    return in;
  };
  ASSERT_TRUE(hq.wait_until([&](const auto& m) { return counts(m) == 19; }, 30s)) << slurp(dir.file("kelu.log"));
  const auto health = [](const std::vector<test::received>& msgs) {
    json out = json::object();
    for (const auto& m : msgs)
      if (m.topic.ends_with("/stats")) {
        const auto j = json::parse(m.payload);
        for (const auto& s : j["payload"]["sources"])
          if (s["source"] == "counter-door") out = s;
      }
    return out;
  };
  ASSERT_TRUE(hq.wait_until([&](const auto& m) { return health(m).value("accepted", 0) == 2 && health(m).value("rejected", 0) == 1; }, 15s))
      << health(hq.messages()).dump();
  EXPECT_EQ(health(hq.messages())["driver"], "hikvision");
  EXPECT_EQ(agent->stop(SIGTERM, 15s), 0);
  agent.reset();

  test::process report({KELU_BINARY, "report", "-c", dir.file("kelu.json"), "--day", "2026-12-01", "--json"},
                       dir.file("report.json"));
  ASSERT_EQ(WEXITSTATUS(report.wait(60s)), 0) << slurp(dir.file("report.json"));
  const auto r = json::parse(slurp(dir.file("report.json")));
  EXPECT_EQ(r["totals"]["visitors"], 19);  // 12 + 7 from the two pushed quarters
  EXPECT_EQ(r["totals"]["passersby"], 51 + 10);  // 31 + 20, and the street sensor's 3 + 1 + 2 + 4
  for (const auto& h : r["hours"])
    if (h["local_start"] == "2026-12-01T10:00:00+08:00") {
      EXPECT_EQ(h["visitors"], 19);
      EXPECT_EQ(h["coverage"], 0.5);  // 10:00-10:30 reported of the hour
    }
  for (const auto& f : r["totals"]["flags"]) EXPECT_NE(f, "no_door_camera");

  const auto checked = test::check_against_schemas(hq.messages(), KELU_SOURCE_DIR, dir.path().string());
  if (!checked.available) GTEST_SKIP() << "python3-jsonschema is not installed (scripts/setup installs it)";
  EXPECT_EQ(checked.status, 0) << checked.text;
}

}  // namespace
}  // namespace kelu
