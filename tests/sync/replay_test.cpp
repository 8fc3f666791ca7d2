// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "support/events.hpp"
#include "support/temp_dir.hpp"
#include "sync/command_handler.hpp"
#include "sync/replay.hpp"

namespace kelu::sync {
namespace {

using nlohmann::json;

TEST(replay, requests_are_validated_field_by_field) {
  const auto ok = parse_replay(R"({"request_id":"r1","source":"pos-tcp","from_seq":5,"to_seq":9})");
  ASSERT_TRUE(ok) << ok.error_message();
  EXPECT_EQ(ok->from_seq, 5);
  struct bad {
    const char* payload;
    const char* words;
  };
  for (const auto& b : {bad{"nonsense", "not a JSON object"}, bad{R"({"from_seq":1,"to_seq":2})", "source: required"},
                        bad{R"({"source":"s","from_seq":0,"to_seq":2})", "from_seq"},
                        bad{R"({"source":"s","from_seq":3,"to_seq":2})", "to_seq: must be >= from_seq"},
                        bad{R"({"source":"s","from_seq":1,"to_seq":100001})", "at most 100000"},
                        bad{R"({"source":"s","from_seq":1,"to_seq":2,"drop":"tables"})", "drop: unknown field"},
                        bad{R"({"source":"s","from_seq":1.5,"to_seq":2})", "from_seq"}}) {
    const auto r = parse_replay(b.payload);
    ASSERT_FALSE(r) << b.payload;
    EXPECT_NE(r.error_message().find(b.words), std::string::npos) << r.error_message();
  }
}

struct replay_fixture : testing::Test {
  void SetUp() override {
    std::vector<core::event> batch;
    for (int i = 0; i < 30; ++i) {
      batch.push_back(test::sale("T1", std::to_string(i)));
      batch.back().received_at = core::from_unix_ms(i < 10 ? 1'000 : 9'000);
    }
    ASSERT_TRUE(store.append(batch, now));
    out.remove([&] {
      std::vector<std::int64_t> ids;
      for (const auto& r : out.peek(0, 1000)) ids.push_back(r.id);
      return ids;
    }());  // all acknowledged by HQ
    ASSERT_EQ(store.prune(core::from_unix_ms(5'000), 1000), 10);  // seqs 1..10 are gone
  }
  std::vector<json> replies() {
    std::vector<json> r;
    for (const auto& row : out.peek(0, 1000))
      if (row.topic.find("/reply/") != std::string::npos) r.push_back(json::parse(row.payload));
    return r;
  }

  test::temp_dir dir;
  std::unique_ptr<database> db = database::open({dir.file("k.db"), false}).value();
  outbox out{*db};
  topics t{"acme", "s1"};
  event_store store{*db, out, t};
  core::utc_time now = core::from_unix_ms(1'795'000'000'000);
  core::system_clock clock;
  command_handler commands{*db, store, out, t, clock,
                           std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>())};
};

TEST_F(replay_fixture, queues_what_it_holds_and_names_the_missing_ranges) {
  const auto o = replay(*db, store, out, t, {"r1", "pos-tcp", 5, 35, ""}, now);
  EXPECT_EQ(o.queued, 20);
  ASSERT_EQ(o.missing.size(), 2u);
  EXPECT_EQ(o.missing[0], (std::pair<std::int64_t, std::int64_t>{5, 10}));
  EXPECT_EQ(o.missing[1], (std::pair<std::int64_t, std::int64_t>{31, 35}));
  EXPECT_EQ(o.last_seq, 30);
  EXPECT_TRUE(out.peek(0, 1000).empty());  // history HQ asked for: the backlog lane, behind live data
  const auto rows = out.peek_backlog(0, 1000, 0);
  ASSERT_EQ(rows.size(), 20u);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].topic, "kelu/v1/acme/s1/events/pos");
    EXPECT_EQ(core::decode(rows[i].payload)->seq, static_cast<std::int64_t>(11 + i));  // in seq order
  }
}

TEST_F(replay_fixture, the_handler_replies_to_every_command_on_its_reply_topic) {
  EXPECT_TRUE(commands.handle("kelu/v1/acme/s1/cmd/replay", R"({"request_id":"r9","source":"pos-tcp","from_seq":29,"to_seq":31})"));
  EXPECT_TRUE(commands.handle("kelu/v1/acme/s1/cmd/replay", R"({"request_id":"r10","source":"pos-tcp"})"));
  EXPECT_TRUE(commands.handle("kelu/v1/acme/s1/cmd/selfdestruct", "{}"));
  EXPECT_FALSE(commands.handle("kelu/v1/acme/s2/cmd/replay", "{}"));  // not ours
  const auto r = replies();
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0]["request_id"], "r9");
  EXPECT_TRUE(r[0]["ok"].get<bool>());
  EXPECT_EQ(r[0]["queued"], 2);
  EXPECT_EQ(r[0]["missing"], json::parse("[[31,31]]"));
  EXPECT_EQ(r[1]["request_id"], "r10");
  EXPECT_FALSE(r[1]["ok"].get<bool>());
  EXPECT_NE(r[1]["error"].get<std::string>().find("from_seq"), std::string::npos);
  EXPECT_NE(r[2]["error"].get<std::string>().find("unknown command"), std::string::npos);
  const auto rows = out.peek(0, 1000);
  EXPECT_EQ(rows.back().topic, "kelu/v1/acme/s1/reply/selfdestruct");
}

// HQ asks for a gap of the box this one replaced: those events were never in this database, and
// serving this database's seqs instead would hand HQ other sales under the old box's numbers.
TEST_F(replay_fixture, a_request_for_another_epoch_is_refused_naming_this_one) {
  const auto mine = db->identity().epoch;
  const auto ask = [&](const std::string& id, const std::string& epoch) {
    json r{{"request_id", id}, {"source", "pos-tcp"}, {"from_seq", 29}, {"to_seq", 30}};
    if (!epoch.empty()) r["epoch"] = epoch;
    EXPECT_TRUE(commands.handle("kelu/v1/acme/s1/cmd/replay", r.dump()));
  };
  ask("old-box", "0123456789abcdef");
  ask("this-box", mine);
  ask("before-epochs", "");
  const auto r = replies();
  ASSERT_EQ(r.size(), 3u);
  EXPECT_FALSE(r[0]["ok"].get<bool>());
  EXPECT_EQ(r[0]["epoch"], mine);
  EXPECT_EQ(r[0]["source"], "pos-tcp");
  EXPECT_NE(r[0]["error"].get<std::string>().find("0123456789abcdef"), std::string::npos) << r[0];
  for (const auto& served : {r[1], r[2]}) {
    EXPECT_TRUE(served["ok"].get<bool>()) << served;
    EXPECT_EQ(served["epoch"], mine);
    EXPECT_EQ(served["queued"], 2);
  }
  // Only the two served requests queued events, each carrying this database's epoch.
  const auto rows = out.peek_backlog(0, 1000, 0);
  ASSERT_EQ(rows.size(), 4u);
  for (const auto& row : rows) EXPECT_EQ(core::decode(row.payload)->epoch, mine);
}

}  // namespace
}  // namespace kelu::sync
