// SPDX-License-Identifier: Apache-2.0
#pragma once
// An agent whose data directory a test breaks or whose process it kills, and what its database
// holds afterwards (faults/power_cut_test.cpp, faults/kill_source_test.cpp): every sale a source
// acknowledged is there, the database is whole, and no (source, seq) names two sales.
#include <signal.h>
#include <sqlite3.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "integration/agent_fixture.hpp"

namespace kelu::test {

// What a copy of the agent's database says, opened as the agent would open it after the cut.
struct database_check {
  std::string integrity;                      // "ok", or SQLite's findings / the open error
  std::set<std::string> transactions;         // transaction ids of the till's stored sales
  std::size_t identities_reused = 0;          // (source, seq) naming two sales: would mislead HQ
  std::map<std::string, std::string> events;  // every event: "source/seq" -> its id
};

inline database_check check_database(const std::filesystem::path& data, const std::filesystem::path& scratch) {
  database_check out;
  std::filesystem::remove_all(scratch);
  std::filesystem::create_directories(scratch);
  if (!std::filesystem::exists(data / "kelu.db")) {  // cut before the database was made: nothing stored, nothing to check
    out.integrity = "ok";
    return out;
  }
  // A copy: SQLite recovering the WAL on open would otherwise spare the agent its own recovery.
  for (const char* suffix : {"", "-wal"})
    if (std::filesystem::exists(data / (std::string("kelu.db") + suffix)))
      std::filesystem::copy_file(data / (std::string("kelu.db") + suffix), scratch / (std::string("kelu.db") + suffix));
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
  if (schema_made)
    each_row("SELECT source || '/' || seq, id FROM events", [&](sqlite3_stmt* st) {
      out.events[reinterpret_cast<const char*>(sqlite3_column_text(st, 0))] =
          reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
    });
  sqlite3_close(db);
  return out;
}

class disk_fault : public agent_process {
 protected:
  void SetUp() override {
    agent_process::SetUp();
    if (IsSkipped()) return;
    std::filesystem::create_directories(data());
    auto cfg = json::parse(std::ifstream(dir.file("kelu.json")));
    cfg["storage"]["path"] = (data() / "kelu.db").string();
    std::ofstream(dir.file("kelu.json")) << cfg.dump(2);
  }

  std::filesystem::path data() const { return dir.path() / "data"; }

  // Sale n as the till sends it (a JSON line; its transaction id must stay "R{n}").
  std::function<std::string(int)> sale_line = txn_line;

  // Starts the agent with the shim set to cut at write (or fsync) `at`; true once it listens for
  // tills, false when it died first (a cut during start-up).
  bool start_cut_agent(const std::string& mode, long long at) {
    const char* asan = std::getenv("ASAN_OPTIONS");
    agent = std::make_unique<process>(
        std::vector<std::string>{KELU_BINARY, "run", "--config", dir.file("kelu.json")}, dir.file("kelu.log"),
        std::vector<std::string>{"LD_PRELOAD=" KELU_POWER_CUT_SHIM, "KELU_CUT_DIR=" + data().string(),
                                 "KELU_CUT_MODE=" + mode, "KELU_CUT_AT=" + std::to_string(at),
                                 "KELU_CUT_REPORT=" + dir.file("cuts.jsonl"),
                                 // ASan wants to be first among preloaded libraries; the shim wraps only I/O.
                                 std::string("ASAN_OPTIONS=") + (asan ? std::string(asan) + ":" : "") +
                                     "verify_asan_link_order=0"});
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (wait_for_port(pos_port, 100ms)) return true;
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

  // A thread that kills the agent (SIGKILL) once `ready` holds, polled every millisecond on the
  // system's own counters, or after 30 s; the caller joins it.
  std::thread kill_when(std::function<bool()> ready) {
    return std::thread([this, ready = std::move(ready)] {
      const auto deadline = std::chrono::steady_clock::now() + 30s;
      while (!ready() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
      agent->stop(SIGKILL, 10s);
    });
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
  void finish_and_expect_every_sale_at_hq(mqtt_collector& hq, std::set<int>& acked, int next,
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


}  // namespace kelu::test
