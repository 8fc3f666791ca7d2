// SPDX-License-Identifier: Apache-2.0
// hq_tail's bookkeeping fed with messages directly: what a box of the previous release sent
// (captured from release 0.1.0, tests/data/contract/box-0.1.0.tsv) and the epoch rules. The
// broker side (subscriptions, shared groups, replays answered by a running box) is in the
// integration suite.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "sync/hq_tail.hpp"

namespace kelu::sync {
namespace {

using nlohmann::json;

struct capture {
  std::vector<std::pair<std::string, std::string>> messages;  // topic, payload
  std::set<std::pair<std::string, std::int64_t>> event_ids;   // (source, seq)
  std::size_t events = 0;
  std::size_t aggregates = 0;
};

capture read_capture(const std::string& path) {
  capture c;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    const auto tab = line.find('\t');
    c.messages.emplace_back(line.substr(0, tab), line.substr(tab + 1));
    const auto& [topic, payload] = c.messages.back();
    if (topic.find("/events/") != std::string::npos || topic.ends_with("/stats")) {
      ++c.events;
      const auto j = json::parse(payload);
      c.event_ids.insert({j["source"].get<std::string>(), j["seq"].get<std::int64_t>()});
    }
    if (topic.find("/metrics/") != std::string::npos) ++c.aggregates;
  }
  return c;
}

// The compatibility rule, the other way round: a consumer of this release reads an old box.
TEST(hq_tail, reads_a_box_of_the_previous_release_and_files_its_events_under_its_upgraded_epoch) {
  const auto c = read_capture(KELU_TEST_DATA "/contract/box-0.1.0.tsv");
  ASSERT_GT(c.events, 10u);
  ASSERT_GT(c.aggregates, 3u);
  hq_tail tail{{}, nullptr};
  for (const auto& [topic, payload] : c.messages) tail.handle(topic, payload);
  auto s = tail.stats();
  EXPECT_EQ(s.bad_messages, 0);
  EXPECT_EQ(s.unique, static_cast<std::int64_t>(c.event_ids.size()));
  EXPECT_EQ(s.duplicates, static_cast<std::int64_t>(c.events - c.event_ids.size()));  // the replayed ones
  EXPECT_EQ(s.aggregates, static_cast<std::int64_t>(c.aggregates));
  EXPECT_TRUE(tail.epochs("sh-001").empty());  // the old box announced none
  EXPECT_EQ(tail.high_water("sh-001", "pos-tcp"), 5);

  // The box is upgraded: its database gets an epoch and says so. The events it sent before are that
  // epoch's: the same series goes on, and the ones it still held come again stamped, as duplicates.
  const std::string epoch = "5e1f0c2a9b8d7e6f";
  tail.handle("kelu/v1/acme/sh-001/status",
              json{{"state", "online"}, {"store", "sh-001"}, {"epoch", epoch}, {"epoch_origin", "upgraded"}}.dump());
  EXPECT_EQ(tail.epochs("sh-001"), std::vector<std::string>{epoch});
  EXPECT_EQ(tail.high_water("sh-001", "pos-tcp", epoch), 5);
  for (const int seq : {5, 6}) {
    auto e = json::parse(c.messages.back().second);  // a pos event of the capture
    e["seq"] = seq;
    e["epoch"] = epoch;
    tail.handle("kelu/v1/acme/sh-001/events/pos", e.dump());
  }
  s = tail.stats();
  EXPECT_EQ(tail.high_water("sh-001", "pos-tcp", epoch), 6);
  // The old box's day report, then a revision of it from the upgraded database: one series, so the
  // revision decides; a late copy of the old revision changes nothing.
  const auto report = std::find_if(c.messages.begin(), c.messages.end(),
                                   [](const auto& m) { return m.first.ends_with("/metrics/report/day"); });
  ASSERT_NE(report, c.messages.end());
  auto revised = json::parse(report->second);
  const auto start = revised["start"].get<std::string>();
  ASSERT_EQ(tail.aggregate("sh-001", "report/day", start)->revision, revised["revision"].get<std::int64_t>());
  revised["revision"] = revised["revision"].get<std::int64_t>() + 1;
  revised["epoch"] = epoch;
  tail.handle(report->first, revised.dump());
  tail.handle(report->first, report->second);
  const auto held = tail.aggregate("sh-001", "report/day", start);
  EXPECT_EQ(held->revision, revised["revision"].get<std::int64_t>());
  EXPECT_EQ(held->epoch, epoch);
  EXPECT_EQ(tail.stats().stale_aggregates, 1);
  EXPECT_EQ(s.unique, static_cast<std::int64_t>(c.event_ids.size()) + 1);
  EXPECT_TRUE(tail.gaps().empty());
}

// HQ missed #6..#7 of the old box, which died before HQ asked; the new box refuses the request
// (another epoch) and the consumer records the range as lost instead of asking for ever.
TEST(hq_tail, a_gap_of_a_replaced_box_is_lost_when_the_new_box_refuses_it) {
  hq_tail_options o;
  o.client_id = "hq";
  o.from_first = true;
  o.gap_grace = std::chrono::milliseconds(0);
  std::vector<std::string> printed;
  hq_tail tail{o, [&](const std::string& line) { printed.push_back(line); }};
  const std::string old_epoch = "00000000000000aa", new_epoch = "00000000000000bb";
  const auto event = [&](const std::string& epoch, int seq) {
    tail.handle("kelu/v1/acme/s1/events/pos",
                json{{"store", "s1"}, {"epoch", epoch}, {"source", "pos-tcp"}, {"seq", seq}, {"type", "pos.transaction"}}
                    .dump());
  };
  for (const int seq : {1, 2, 3, 4, 5, 8, 9}) event(old_epoch, seq);
  for (const int seq : {1, 2}) event(new_epoch, seq);  // the replacement's own series: no gap, no duplicate
  ASSERT_EQ(tail.gaps().size(), 1u);
  EXPECT_EQ(tail.gaps()[0].epoch, old_epoch);
  tail.poll();  // asks (not connected: the request is only recorded)
  EXPECT_EQ(tail.stats().replay_requests, 1);
  ASSERT_FALSE(printed.empty());
  EXPECT_NE(printed.back().find(R"("epoch":"00000000000000aa")"), std::string::npos) << printed.back();
  tail.handle("kelu/v1/acme/s1/reply/replay",
              json{{"request_id", "hq-1"}, {"ok", false}, {"error", "epoch 00000000000000aa is not ..."},
                   {"epoch", new_epoch}, {"source", "pos-tcp"}}
                  .dump());
  const auto s = tail.stats();
  EXPECT_EQ(s.lost, 2);
  EXPECT_EQ(s.unique, 9);
  EXPECT_EQ(s.duplicates, 0);
  EXPECT_TRUE(tail.gaps().empty());
  EXPECT_EQ(tail.high_water("s1", "pos-tcp", old_epoch), 9);
  EXPECT_EQ(tail.high_water("s1", "pos-tcp", new_epoch), 2);
  EXPECT_NE(printed.back().find("LOST s1 pos-tcp #6..#7"), std::string::npos) << printed.back();
}

TEST(hq_tail, says_where_each_store_stands_with_its_software_once_per_change) {
  std::vector<std::string> printed;
  hq_tail tail{{}, [&](const std::string& line) { printed.push_back(line); }};
  const json held{{"version", "0.2.0"}, {"state", "held"}, {"reason", "0.2.1 was rolled back"},
                  {"desired", {{"version", "0.2.1"}, {"attempt", 0}, {"from", "estate"}}},
                  {"last", {{"version", "0.2.1"}, {"previous", "0.2.0"}, {"outcome", "rolled_back"}, {"took_s", 44.1}}}};
  tail.handle("kelu/v1/acme/s1/software/reported", held.dump());
  tail.handle("kelu/v1/acme/s1/software/reported", held.dump());  // retained, again after a reconnect
  ASSERT_EQ(printed.size(), 1u);
  EXPECT_EQ(printed[0],
            "SOFTWARE s1 0.2.0 held (HQ asks for 0.2.1, estate): 0.2.1 was rolled back; last 0.2.0 -> 0.2.1 rolled_back in 44.1 s");
  tail.handle("kelu/v1/acme/s1/software/reported", R"({"version":"0.2.1","state":"current","desired":null,"last":null})");
  ASSERT_EQ(printed.size(), 2u);
  EXPECT_EQ(printed[1], "SOFTWARE s1 0.2.1 current");
  tail.handle("kelu/v1/acme/s1/software/reported", R"({"version":7})");
  EXPECT_EQ(tail.stats().bad_messages, 1);
}

TEST(hq_tail, a_malformed_message_is_counted_and_the_consumer_goes_on) {
  hq_tail tail{{}, nullptr};
  tail.handle("kelu/v1/acme/s1/events/pos", "not json");
  tail.handle("kelu/v1/acme/s1/events/pos", R"({"store":"s1","source":"a","seq":1,"epoch":7})");
  tail.handle("kelu/v1/acme/s1/events/pos", R"({"store":"s1","source":"a","seq":"1"})");
  tail.handle("kelu/v1/acme/s1/metrics/funnel/hour", R"({"start":"x","revision":"one"})");
  tail.handle("kelu/v1/acme/s1/reply/replay", R"({"ok":true,"source":"a","missing":[["x"]],"last_seq":3})");
  tail.handle("kelu/v1/acme/s1/backfill/pos", "not zlib");
  EXPECT_EQ(tail.stats().bad_messages, 6);
}

}  // namespace
}  // namespace kelu::sync
