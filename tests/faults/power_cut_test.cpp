// SPDX-License-Identifier: Apache-2.0
// The disk under a running agent failing, and the power going, at chosen writes: the agent runs
// with support/power_cut_shim.cpp preloaded, which counts writes to its data directory and, at the
// chosen one, undoes every write not yet fsynced and kills the agent (a power cut), keeps a random
// half of them (a torn cut), or starts failing writes or fsyncs with EIO (a dying SD card). After
// every cut the database must open with `PRAGMA integrity_check` = ok and hold every sale the till
// was told was stored; at the end HQ has every sale once.
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>


#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "drivers/webhook_source.hpp"
#include "faults/fault_figure.hpp"
#include "faults/hq_buckets.hpp"
#include "integration/agent_fixture.hpp"
#include "support/http_get.hpp"

namespace kelu {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using test::view_of;
namespace fs = std::filesystem;

// What a copy of the agent's database says, opened as the agent would open it after the cut.
struct database_check {
  std::string integrity;                      // "ok", or SQLite's findings / the open error
  std::set<std::string> transactions;         // transaction ids of the till's stored sales
  std::size_t identities_reused = 0;          // (source, seq) naming two sales: would mislead HQ
};

database_check check_database(const fs::path& data, const fs::path& scratch) {
  database_check out;
  fs::remove_all(scratch);
  fs::create_directories(scratch);
  if (!fs::exists(data / "kelu.db")) {  // cut before the database was made: nothing stored, nothing to check
    out.integrity = "ok";
    return out;
  }
  // A copy: SQLite recovering the WAL on open would otherwise spare the agent its own recovery.
  for (const char* suffix : {"", "-wal"})
    if (fs::exists(data / (std::string("kelu.db") + suffix)))
      fs::copy_file(data / (std::string("kelu.db") + suffix), scratch / (std::string("kelu.db") + suffix));
  sqlite3* db = nullptr;
  if (sqlite3_open_v2((scratch / "kelu.db").c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    out.integrity = std::string("open: ") + sqlite3_errmsg(db);
    sqlite3_close(db);
    return out;
  }
  const auto each_row = [&](const char* sql, auto&& f) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK) {
      out.integrity += std::string(sql) + ": " + sqlite3_errmsg(db);
      return;
    }
    while (sqlite3_step(st) == SQLITE_ROW) f(st);
    sqlite3_finalize(st);
  };
  each_row("PRAGMA integrity_check", [&](sqlite3_stmt* st) {
    out.integrity += reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  });
  bool schema_made = false;  // not yet when the cut came during the database's creation
  each_row("SELECT 1 FROM sqlite_master WHERE name = 'events'", [&](sqlite3_stmt*) { schema_made = true; });
  std::map<std::string, std::set<std::string>> seqs;
  if (schema_made)
    each_row("SELECT source || '/' || seq, json_extract(body, '$.payload.transaction_id') FROM events "
           "WHERE json_extract(body, '$.payload.transaction_id') IS NOT NULL",
           [&](sqlite3_stmt* st) {
             const std::string id = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
             seqs[reinterpret_cast<const char*>(sqlite3_column_text(st, 0))].insert(id);
             out.transactions.insert(id);
           });
  for (const auto& [identity, ids] : seqs) out.identities_reused += ids.size() > 1;
  sqlite3_close(db);
  return out;
}

class disk_fault : public test::agent_process {
 protected:
  void SetUp() override {
    agent_process::SetUp();
    if (IsSkipped()) return;
    fs::create_directories(data());
    auto cfg = json::parse(std::ifstream(dir.file("kelu.json")));
    cfg["storage"]["path"] = (data() / "kelu.db").string();
    std::ofstream(dir.file("kelu.json")) << cfg.dump(2);
  }

  fs::path data() const { return dir.path() / "data"; }

  // Sale n as the till sends it (a JSON line; its transaction id must stay "R{n}").
  std::function<std::string(int)> sale_line = test::txn_line;

  // Starts the agent with the shim set to cut at write (or fsync) `at`; true once it listens for
  // tills, false when it died first (a cut during start-up).
  bool start_cut_agent(const std::string& mode, long long at) {
    const char* asan = std::getenv("ASAN_OPTIONS");
    agent = std::make_unique<test::process>(
        std::vector<std::string>{KELU_BINARY, "run", "--config", dir.file("kelu.json")}, dir.file("kelu.log"),
        std::vector<std::string>{"LD_PRELOAD=" KELU_POWER_CUT_SHIM, "KELU_CUT_DIR=" + data().string(),
                                 "KELU_CUT_MODE=" + mode, "KELU_CUT_AT=" + std::to_string(at),
                                 "KELU_CUT_REPORT=" + dir.file("cuts.jsonl"),
                                 // ASan wants to be first among preloaded libraries; the shim wraps only I/O.
                                 std::string("ASAN_OPTIONS=") + (asan ? std::string(asan) + ":" : "") +
                                     "verify_asan_link_order=0"});
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (test::wait_for_port(pos_port, 100ms)) return true;
      if (!agent->running()) return false;
    }
    ADD_FAILURE() << "the agent neither listened nor died in 30 s\n" << log();
    return false;
  }

  // The shim's lines about cuts so far.
  std::vector<json> cuts() const {
    std::vector<json> out;
    std::ifstream in(dir.file("cuts.jsonl"));
    for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
    return out;
  }

  // Offers the till's sales `ids` in bursts of 50 on one connection, as a till does after a
  // restart (what was never acknowledged first); adds those stored to `acked`. False when the
  // connection broke (the agent died).
  bool offer(const std::vector<int>& ids, std::set<int>& acked, std::size_t* refused = nullptr) {
    auto c = drivers::pos_tcp_client::connect(box_address, pos_port, 5s);
    if (!c) return false;
    for (std::size_t from = 0; from < ids.size(); from += 50) {
      std::string burst;
      const auto to = std::min(from + 50, ids.size());
      for (auto i = from; i < to; ++i) burst += sale_line(ids[i]);
      if (!c->send(burst, 5s)) return false;
      for (auto i = from; i < to; ++i) {
        auto line = c->read_line(10s);
        if (!line) return false;
        const auto a = json::parse(*line);
        if (a["ok"].get<bool>())
          acked.insert(std::stoi(a["transaction_id"].get<std::string>().substr(1)));
        else if (refused)
          ++*refused;
      }
    }
    return true;
  }

  // The sales below `next` not yet acknowledged, then new ones up to `count` in all.
  static std::vector<int> to_offer(const std::set<int>& acked, int& next, int count) {
    std::vector<int> ids;
    for (int n = 0; n < next && static_cast<int>(ids.size()) < count; ++n)
      if (!acked.count(n)) ids.push_back(n);
    while (static_cast<int>(ids.size()) < count) ids.push_back(next++);
    return ids;
  }

  // With the agent down: the database is whole and holds every acknowledged sale.
  void expect_database_holds(const std::set<int>& acked, const std::string& when) {
    const auto check = check_database(data(), dir.path() / "check");
    EXPECT_EQ(check.integrity, "ok") << when;
    EXPECT_EQ(check.identities_reused, 0u) << when;
    std::size_t missing = 0;
    for (const int n : acked) missing += !check.transactions.count("R" + std::to_string(n));
    EXPECT_EQ(missing, 0u) << when << ": acknowledged sales missing from the database";
  }

  // With the agent running again: `resend` offers what was never acknowledged, 20 at a time,
  // until all is; HQ must end up with sales 0..next-1, each once.
  void finish_and_expect_every_sale_at_hq(test::mqtt_collector& hq, std::set<int>& acked, int next,
                                          const std::function<void(const std::vector<int>&)>& resend) {
    for (int attempt = 0; static_cast<int>(acked.size()) < next && attempt < 100; ++attempt) {
      int upto = next;
      resend(to_offer(acked, upto, std::min(20, next - static_cast<int>(acked.size()))));
    }
    ASSERT_EQ(static_cast<int>(acked.size()), next) << log();
    ASSERT_TRUE(hq.wait_until([&](const auto& m) { return static_cast<int>(view_of(m).seqs_of_txn.size()) >= next; },
                              60s))
        << "HQ has " << view_of(hq.messages()).seqs_of_txn.size() << " of " << next << "\n" << log();
    const auto v = view_of(hq.messages());
    EXPECT_EQ(static_cast<int>(v.by_identity.size()), next) << "a (source, seq) reused for another sale";
    for (const auto& [id, s] : v.seqs_of_txn) EXPECT_EQ(s.size(), 1u) << id << " stored twice";
    EXPECT_EQ(agent->stop(SIGTERM, 15s), 0) << log();
    expect_database_holds(acked, "after the last run");
  }
};

// The cut points: writes counted from the agent's start, so the first rounds cut the database's
// creation and every round's start-up, the later ones the till's stream at growing depth.
std::vector<long long> cut_points() {
  std::vector<long long> at{1, 8, 45, 90, 150, 240, 400, 650, 1000, 1400};
  std::uint64_t x = 0x2545F4914F6CDD1Dull;
  while (static_cast<int>(at.size()) < 10 * test::fault_scale()) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    at.push_back(1 + static_cast<long long>(x % 1500));
  }
  return at;
}

class power_cut : public disk_fault, public testing::WithParamInterface<std::string> {};

TEST_P(power_cut, every_acknowledged_sale_survives_a_cut_at_any_write) {
  test::mqtt_collector hq{broker->uri(), "hq-power", "kelu/v1/acme/sh-001/events/#"};
  std::set<int> acked;
  int next = 0, in_start_up = 0, mid_stream = 0;
  const auto points = cut_points();
  for (const auto at : points) {
    const auto when = GetParam() + " cut at write " + std::to_string(at);
    if (start_cut_agent(GetParam(), at)) {
      while (offer(to_offer(acked, next, 100), acked)) {
        ASSERT_LT(next, 100000) << when << ": never cut";
      }
      ++mid_stream;
    } else {
      ++in_start_up;
    }
    const int status = agent->wait(30s);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << when << ": status " << status << "\n" << log();
    ASSERT_EQ(cuts().size(), static_cast<std::size_t>(in_start_up + mid_stream)) << when << ": the shim did not cut";
    expect_database_holds(acked, when);
    if (HasFailure()) return;
  }
  long long reverted = 0, kept = 0;
  for (const auto& c : cuts()) reverted += c["reverted_bytes"].get<long long>(), kept += c["kept_bytes"].get<long long>();
  start_agent();
  finish_and_expect_every_sale_at_hq(hq, acked, next, [&](const auto& ids) { offer(ids, acked); });
  test::fault_figure("power_cut_" + GetParam(),
                     {{"cuts", points.size()}, {"in_start_up", in_start_up}, {"mid_stream", mid_stream},
                      {"sales", next}, {"unsynced_bytes_lost", reverted}, {"unsynced_bytes_kept", kept},
                      {"lost", 0}, {"doubled", 0}});
}

INSTANTIATE_TEST_SUITE_P(cut, power_cut, testing::Values("power", "torn"), [](const auto& p) { return p.param; });

class failing_disk : public disk_fault, public testing::WithParamInterface<std::string> {};

// A card that starts failing writes (or only fsyncs) mid-stream: the agent refuses sales with
// "retry" instead of acknowledging what it could not store, stays up, and once the disk is
// replaced (here: the shim gone) takes the till's resent sales, each once.
TEST_P(failing_disk, refuses_what_it_cannot_store_stays_up_and_loses_nothing_acknowledged) {
  test::mqtt_collector hq{broker->uri(), "hq-eio", "kelu/v1/acme/sh-001/events/#"};
  std::set<int> acked;
  int next = 0;
  std::size_t refused = 0;
  // Past start-up: the first fault lands on the till's stream.
  ASSERT_TRUE(start_cut_agent(GetParam(), GetParam() == "eio" ? 300 : 40)) << log();
  for (int round = 0; round < 20 && refused < 200; ++round)
    ASSERT_TRUE(offer(to_offer(acked, next, 100), acked, &refused)) << "the agent died\n" << log();
  ASSERT_GE(refused, 200u) << "the disk never failed under the agent";
  ASSERT_EQ(cuts().size(), 1u);
  EXPECT_TRUE(agent->running());
  const auto answered_ok = acked.size();
  EXPECT_GT(answered_ok, 0u);
  // However it leaves (a clean stop may fail to checkpoint), it leaves within the deadline.
  EXPECT_GE(agent->stop(SIGTERM, 15s), 0) << log();
  expect_database_holds(acked, GetParam() + " after the stop");
  start_agent();
  finish_and_expect_every_sale_at_hq(hq, acked, next, [&](const auto& ids) { offer(ids, acked); });
  test::fault_figure("disk_" + GetParam(), {{"sales", next}, {"acknowledged_before_fault", answered_ok},
                                            {"refused_retry", refused}, {"lost", 0}, {"doubled", 0}});
}

INSTANTIATE_TEST_SUITE_P(fault, failing_disk, testing::Values("eio", "fsync-eio"),
                         [](const auto& p) { return p.param == "eio" ? std::string("eio") : "fsync_eio"; });

// The POS behind a signed webhook (drivers/webhook_source.hpp), killed under again and again.
class kill_9 : public disk_fault {
 protected:
  static constexpr const char* secret = "webhook-secret-0123456789";

  void SetUp() override {
    disk_fault::SetUp();
    if (IsSkipped()) return;
    webhook_port = test::free_port();
    std::ofstream(dir.file("secrets")) << "W1 " << secret << "\n";
    fs::permissions(dir.file("secrets"), fs::perms::owner_read | fs::perms::owner_write);
    auto cfg = json::parse(std::ifstream(dir.file("kelu.json")));
    cfg["sources"]["webhook"] = {{"enabled", true}, {"listen", "127.0.0.1"}, {"port", webhook_port},
                                 {"secrets_file", dir.file("secrets")}};
    std::ofstream(dir.file("kelu.json")) << cfg.dump(2);
  }

  // Posts sales `ids` as one signed batch; adds them to `acked` when the answer is 200 (all stored).
  // False when the connection failed (the agent died) or the agent asked to retry.
  bool post(const std::vector<int>& ids, std::set<int>& acked) {
    auto records = json::array();
    for (const int n : ids) {
      auto r = json::parse(test::txn_line(n));
      r["terminal"] = "W1";
      records.push_back(std::move(r));
    }
    const auto body = records.dump();
    const auto res = test::http_post(webhook_port, "/pos/transactions", body,
                                     {{"X-Kelu-Terminal", "W1"}, {"X-Kelu-Signature", drivers::webhook_signature(secret, body)}});
    if (res.status != 200) return false;
    acked.insert(ids.begin(), ids.end());
    return true;
  }

  std::uint16_t webhook_port = 0;
};

// kill -9 while the POS posts batches of 20 sales: each round kills the agent after a few more
// answered batches, with a batch in flight; the POS resends what got no 200. After every kill the
// database is whole and holds every acknowledged sale; at the end HQ has each sale once.
TEST_F(kill_9, webhook_batches_posted_through_repeated_kills_are_stored_once_each) {
  test::mqtt_collector hq{broker->uri(), "hq-kill", "kelu/v1/acme/sh-001/events/#"};
  std::set<int> acked;
  int next = 0;
  const int kills = 20 * test::fault_scale();
  for (int k = 0; k < kills; ++k) {
    start_agent();
    ASSERT_TRUE(test::wait_for_port(webhook_port, 10s)) << log();
    std::atomic<int> answered{0};
    const int kill_after = 1 + k % 4;
    std::thread killer([&] {
      const auto deadline = std::chrono::steady_clock::now() + 30s;
      while (answered < kill_after && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(1ms);  // polls the POS's own count of answers, no fixed wait
      agent->stop(SIGKILL, 10s);
    });
    for (int batch = 0; batch < 1000 && agent->running(); ++batch) {
      if (post(to_offer(acked, next, 20), acked)) ++answered;
    }
    killer.join();
    expect_database_holds(acked, "after kill " + std::to_string(k + 1));
    if (HasFailure()) return;
  }
  start_agent();
  ASSERT_TRUE(test::wait_for_port(webhook_port, 10s)) << log();
  finish_and_expect_every_sale_at_hq(hq, acked, next, [&](const auto& ids) { post(ids, acked); });
  test::fault_figure("kill_9_webhook", {{"kills", kills}, {"sales", next}, {"lost", 0}, {"doubled", 0}});
}

// Analytics closing and revising hour buckets while the agent is killed: sales for six hours of
// yesterday arrive 40 a round (late data: each round revises those hours), and each round kills the
// agent once HQ has received one to three more hour buckets, so the kill lands while analytics is
// still writing or sending that cycle's buckets. At the end every hour's newest bucket at HQ counts
// exactly the sales stored for it, and no (hour, epoch, revision) ever came with two sets of figures.
class kill_9_analytics : public disk_fault {
 protected:
  void SetUp() override {
    disk_fault::SetUp();
    if (IsSkipped()) return;
    auto cfg = json::parse(std::ifstream(dir.file("kelu.json")));
    cfg["analytics"] = {{"close_grace_s", 0}, {"live_interval_s", 1}};
    std::ofstream(dir.file("kelu.json")) << cfg.dump(2);
    // Yesterday in the store's zone (Asia/Shanghai, UTC+8, no DST).
    const std::chrono::year_month_day d{std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now() + 8h - 24h)};
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                  static_cast<unsigned>(d.day()));
    day = buf;
    sale_line = [this](int n) {
      auto line = json::parse(test::txn_line(n));
      line["time"] = local_time(hour_of(n), n % 60);
      return line.dump() + "\n";
    };
  }
  static int hour_of(int n) { return 10 + n % 6; }
  std::string local_time(int hour, int minute) const {
    char buf[32];
    std::snprintf(buf, sizeof buf, "T%02d:%02d:00+08:00", hour, minute);
    return day + buf;
  }
  std::string local_hour(int hour) const { return local_time(hour, 0); }

  std::string day;
};

TEST_F(kill_9_analytics, hour_buckets_revised_through_repeated_kills_count_every_sale_once) {
  test::mqtt_collector hq{broker->uri(), "hq-kill-analytics", "kelu/v1/acme/sh-001/#"};
  const auto buckets_in = [](const std::vector<test::received>& m) {
    return std::count_if(m.begin(), m.end(), [](const auto& r) { return r.topic.ends_with("/metrics/funnel/hour"); });
  };
  const auto buckets_sent = [&] { return buckets_in(hq.messages()); };
  std::set<int> acked;
  int next = 0;
  const int kills = 20 * test::fault_scale();
  for (int k = 0; k < kills; ++k) {
    start_agent();
    const auto before = buckets_sent();
    offer(to_offer(acked, next, 40), acked);
    ASSERT_TRUE(hq.wait_until([&](const auto& m) { return buckets_in(m) >= before + 1 + k % 3; }, 30s))
        << "round " << k << ": no buckets in 30 s\n" << log();
    agent->stop(SIGKILL, 10s);
    expect_database_holds(acked, "after kill " + std::to_string(k + 1));
    if (HasFailure()) return;
  }
  start_agent();
  for (int attempt = 0; static_cast<int>(acked.size()) < next && attempt < 100; ++attempt) {
    int upto = next;
    offer(to_offer(acked, upto, next - static_cast<int>(acked.size())), acked);
  }
  ASSERT_EQ(static_cast<int>(acked.size()), next) << log();
  std::map<std::string, int> expected;
  for (int n = 0; n < next; ++n) ++expected[local_hour(hour_of(n))];
  const auto settled = [&](const std::vector<test::received>& m) {
    const auto hours = test::hour_buckets(m);
    return std::all_of(expected.begin(), expected.end(), [&](const auto& e) {
      const auto it = hours.find(e.first);
      return it != hours.end() && it->second["figures"]["transactions"] == e.second;
    });
  };
  ASSERT_TRUE(hq.wait_until(settled, 60s)) << [&] {
    std::string s;
    for (const auto& [h, b] : test::hour_buckets(hq.messages())) s += h + " " + b["figures"].dump() + "\n";
    return s;
  }() << log();
  EXPECT_EQ(test::revisions_reused(hq.messages()), std::vector<std::string>{});
  EXPECT_EQ(agent->stop(SIGTERM, 15s), 0) << log();
  expect_database_holds(acked, "after the last run");
  test::fault_figure("kill_9_analytics", {{"kills", kills}, {"sales", next}, {"hour_buckets_received", buckets_sent()},
                                          {"revisions_reused", 0}, {"lost", 0}, {"doubled", 0}});
}

}  // namespace
}  // namespace kelu
