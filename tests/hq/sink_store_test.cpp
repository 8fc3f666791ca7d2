// SPDX-License-Identifier: Apache-2.0
// HQ's sink filing stores' messages into a real PostgreSQL (started per suite by the fixture).
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "hq/db/pg_connection.hpp"
#include "hq/sink/sink_message.hpp"
#include "hq/db/hq_schema.hpp"
#include "hq/sink/sink_store.hpp"
#include "pg_rows_text.hpp"
#include "support/postgres.hpp"
#include "sync/batch_codec.hpp"

namespace kelu::hq {
namespace {

using namespace std::chrono;

constexpr std::size_t max_bytes = 256 * 1024;

std::string event(const std::string& store, const std::string& epoch, const std::string& source, int seq,
                  const std::string& observed_at = "2026-12-03T10:00:00.000Z", const std::string& extra = "") {
  return R"({"id":"0123456789abcdef0123456789abcdef","store":")" + store + "\"" +
         (epoch.empty() ? "" : R"(,"epoch":")" + epoch + "\"") + R"(,"source":")" + source + R"(","stream":"pos","seq":)" +
         std::to_string(seq) + R"(,"observed_at":")" + observed_at +
         R"(","received_at":"2026-12-03T10:00:01.000Z","type":"pos.transaction","payload":{"total_minor":100})" +
         extra + "}";
}

std::string bucket(const std::string& epoch, int revision, int visitors) {
  return R"({"kind":"funnel.hour","start":"2026-12-03T10:00:00.000Z","epoch":")" + epoch + R"(","revision":)" +
         std::to_string(revision) + R"(,"figures":{"visitors":)" + std::to_string(visitors) + "}}";
}

std::string status(const std::string& epoch, const std::string& origin) {
  return R"({"state":"online","tenant":"acme","store":"sh-001","epoch":")" + epoch + R"(","epoch_origin":")" + origin +
         "\"}";
}

const std::string root = "kelu/v1/acme/sh-001/";

class sink_store_test : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (kelu::test::postgres::bin_dir().empty()) return;
    server_ = std::make_unique<kelu::test::postgres>();
  }
  static void TearDownTestSuite() { server_.reset(); }

  void SetUp() override {
    if (!server_) GTEST_SKIP() << "PostgreSQL is not installed (scripts/setup installs postgresql)";
    // A database per test: nothing one test filed is seen by the next.
    static int databases = 0;
    const auto name = "t_" + std::to_string(++databases);
    server_->psql("DROP DATABASE IF EXISTS " + name);
    server_->psql("CREATE DATABASE " + name);
    auto c = pg_connection::open(server_->conninfo() + " dbname=" + name, seconds(10));
    ASSERT_TRUE(c) << c.error_message();
    db_ = std::make_unique<pg_connection>(std::move(c).value());
    const auto migrated = migrate_hq_schema(*db_);
    ASSERT_TRUE(migrated) << migrated.error_message();
    store_ = std::make_unique<sink_store>(*db_, max_bytes);
  }

  filed_counts file(const std::vector<received_message>& batch) {
    auto r = store_->file(batch);
    if (auto* e = std::get_if<pg_error>(&r)) {
      ADD_FAILURE() << e->message;
      return {};
    }
    return std::get<filed_counts>(r);
  }

  std::string query(const std::string& sql) { return test::rows_text(*db_, sql); }

  static std::unique_ptr<kelu::test::postgres> server_;
  std::unique_ptr<pg_connection> db_;
  std::unique_ptr<sink_store> store_;
};

std::unique_ptr<kelu::test::postgres> sink_store_test::server_;

TEST_F(sink_store_test, an_event_delivered_twice_or_in_a_backfill_batch_too_is_one_row) {
  const auto e1 = event("sh-001", "00000000000000a1", "pos-tcp", 1);
  const auto e2 = event("sh-001", "00000000000000a1", "pos-tcp", 2);
  auto first = file({{root + "events/pos", e1}, {root + "events/pos", e2}});
  EXPECT_EQ(first.events_new, 2);
  // The broker redelivers one, and the box's backlog sends both again compressed.
  auto again = file({{root + "events/pos", e1}, {root + "backfill/pos", sync::deflate_batch({e1, e2})}});
  EXPECT_EQ(again.events_new, 0);
  EXPECT_EQ(again.events_duplicate, 3);
  EXPECT_EQ(query("SELECT source, seq FROM events ORDER BY seq"), "pos-tcp|1\npos-tcp|2\n");
}

// New events go straight in by COPY; a batch with one already filed goes the staged way. Either
// way each stream's highest filed seq is left for the gap scan and the epoch is known.
TEST_F(sink_store_test, a_batch_with_one_event_already_filed_files_the_others_and_touches_their_streams) {
  const auto e1 = event("sh-001", "00000000000000a1", "pos-tcp", 1);
  auto first = file({{root + "events/pos", e1}, {root + "events/pos", event("sh-001", "00000000000000a1", "pos-tcp", 2)}});
  EXPECT_EQ(first.events_new, 2);
  EXPECT_EQ(query("SELECT tenant, store, epoch, source, max_seq FROM stream_touches"),
            "acme|sh-001|00000000000000a1|pos-tcp|2\n");
  EXPECT_EQ(query("SELECT epoch FROM store_epochs"), "00000000000000a1\n");
  query("DELETE FROM stream_touches");
  const auto e3 = event("sh-001", "00000000000000a1", "pos-tcp", 3);
  auto mixed = file({{root + "events/pos", e1},
                     {root + "events/pos", e3},
                     {root + "events/pos", e3},
                     {root + "events/pos", event("sh-001", "00000000000000a1", "csv", 1)}});
  EXPECT_EQ(mixed.events_new, 2);
  EXPECT_EQ(mixed.events_duplicate, 2);
  EXPECT_EQ(query("SELECT source, seq FROM events ORDER BY source, seq"), "csv|1\npos-tcp|1\npos-tcp|2\npos-tcp|3\n");
  EXPECT_EQ(query("SELECT source, max_seq FROM stream_touches ORDER BY source"), "csv|1\npos-tcp|3\n");
}

TEST_F(sink_store_test, a_replaced_box_is_a_new_epoch_never_a_duplicate_of_the_old_boxs_seqs) {
  file({{root + "status", status("00000000000000a1", "created")}, {root + "events/pos", event("sh-001", "00000000000000a1", "pos-tcp", 1)}});
  auto replaced = file({{root + "status", status("00000000000000b2", "created")},
                        {root + "events/pos", event("sh-001", "00000000000000b2", "pos-tcp", 1)}});
  EXPECT_EQ(replaced.events_new, 1);
  EXPECT_EQ(query("SELECT epoch, seq FROM events ORDER BY epoch"), "00000000000000a1|1\n00000000000000b2|1\n");
  EXPECT_EQ(query("SELECT epoch FROM store_epochs ORDER BY rank"), "00000000000000a1\n00000000000000b2\n");
}

TEST_F(sink_store_test, events_of_a_box_from_before_epochs_go_under_the_epoch_its_store_announced_as_upgraded) {
  file({{root + "status", status("00000000000000c3", "upgraded")}, {root + "events/pos", event("sh-001", "", "pos-tcp", 7)}});
  EXPECT_EQ(query("SELECT epoch, seq FROM events"), "00000000000000c3|7\n");
}

TEST_F(sink_store_test, a_newer_revision_supersedes_and_a_replaced_epochs_late_revision_does_not) {
  const auto topic = root + "metrics/funnel/hour";
  file({{root + "status", status("00000000000000a1", "created")}, {topic, bucket("00000000000000a1", 1, 10)}});
  auto newer = file({{topic, bucket("00000000000000a1", 3, 12)}});
  EXPECT_EQ(newer.aggregates_current, 1);
  auto older = file({{topic, bucket("00000000000000a1", 2, 11)}});  // arrives late
  EXPECT_EQ(older.aggregates_stale, 1);
  // The box is replaced: its revision 1 wins over the old box's 3, and the old box's late 4 does not.
  file({{root + "status", status("00000000000000b2", "created")}, {topic, bucket("00000000000000b2", 1, 20)}});
  auto late = file({{topic, bucket("00000000000000a1", 4, 13)}});
  EXPECT_EQ(late.aggregates_stale, 1);
  EXPECT_EQ(query("SELECT epoch, revision, body->'figures'->>'visitors' FROM aggregates"), "00000000000000b2|1|20\n");
  EXPECT_EQ(query("SELECT count(*) FROM aggregate_revisions"), "5\n");  // every revision kept
}

// A batch's aggregates are filed together: the same ranking must hold among them.
TEST_F(sink_store_test, revisions_in_one_batch_rank_as_if_filed_one_by_one) {
  const auto topic = root + "metrics/funnel/hour";
  file({{root + "status", status("00000000000000a1", "created")}});
  auto one_epoch = file({{topic, bucket("00000000000000a1", 1, 10)},
                         {topic, bucket("00000000000000a1", 3, 12)},
                         {topic, bucket("00000000000000a1", 2, 11)},
                         {topic, bucket("00000000000000a1", 3, 12)}});
  EXPECT_EQ(one_epoch.aggregates_current, 1);
  EXPECT_EQ(one_epoch.aggregates_stale, 3);
  EXPECT_EQ(query("SELECT epoch, revision FROM aggregates"), "00000000000000a1|3\n");
  // The replacement box's first revision and the old box's late one, in the same batch.
  auto replaced = file({{root + "status", status("00000000000000b2", "created")},
                        {topic, bucket("00000000000000b2", 1, 20)},
                        {topic, bucket("00000000000000a1", 4, 13)}});
  EXPECT_EQ(replaced.aggregates_current, 1);
  EXPECT_EQ(query("SELECT epoch, revision, body->'figures'->>'visitors' FROM aggregates"), "00000000000000b2|1|20\n");
  EXPECT_EQ(query("SELECT count(*) FROM aggregate_revisions"), "5\n");
}

TEST_F(sink_store_test, bad_messages_are_quarantined_with_their_reason_and_the_rest_of_the_batch_is_filed) {
  const auto good = event("sh-001", "00000000000000a1", "pos-tcp", 1);
  auto counts = file({
      {root + "events/pos", "not json"},
      {"kelu/v2/acme/sh-001/events/pos", good},                                // an unknown major version
      {"kelu/v1/acme/sh-002/events/pos", good},                                // a store claiming another's topic
      {root + "events/pos", std::string(max_bytes + 1, ' ')},                  // oversized
      {root + "events/pos", event("sh-001", "00000000000000a1", "pos-tcp", 2, "2026-12-03T10:00:00.000Z",
                                   R"(,"note":"\u0000")")},                     // JSON PostgreSQL's jsonb refuses
      {root + "events/pos", event("sh-001", "00000000000000a1", "pos-tcp", 3, "2026-12-03T10:00:00.000Z",
                                   R"(,"historical":1)")},                      // a flag of the wrong type
      {root + "events/pos", good},
  });
  EXPECT_EQ(counts.quarantined, 6);
  EXPECT_EQ(counts.events_new, 1);
  const auto reasons = query("SELECT reason FROM quarantine ORDER BY id");
  EXPECT_NE(reasons.find("not JSON"), std::string::npos) << reasons;
  EXPECT_NE(reasons.find("major version v2"), std::string::npos) << reasons;
  EXPECT_NE(reasons.find("store \"sh-001\" is not the topic's \"sh-002\""), std::string::npos) << reasons;
  EXPECT_NE(reasons.find("over the limit"), std::string::npos) << reasons;
  EXPECT_NE(reasons.find("refused by PostgreSQL"), std::string::npos) << reasons;
  // Read with nlohmann's value(), this one threw out of the sink, which then met it again at every start.
  EXPECT_NE(reasons.find("historical is not true/false"), std::string::npos) << reasons;
  EXPECT_EQ(query("SELECT octet_length(payload) FROM quarantine WHERE reason LIKE '%not JSON%'"), "8\n");
}

TEST_F(sink_store_test, fields_added_within_v1_are_kept_not_refused) {
  file({{root + "events/pos",
         event("sh-001", "00000000000000a1", "pos-tcp", 1, "2026-12-03T10:00:00.000Z", R"(,"loyalty":{"tier":"gold"})")}});
  EXPECT_EQ(query("SELECT body->'loyalty'->>'tier' FROM events"), "gold\n");
}

TEST_F(sink_store_test, an_alert_is_filed_once_fired_and_once_resolved_and_one_without_its_id_is_quarantined) {
  const auto alert = [](const char* state) {
    return std::string(R"({"kind":"alert","tenant":"acme","store":"sh-001","id":"a-17","rule":"low_conversion",)") +
           R"("state":")" + state + R"(","severity":"warning","at":"2026-12-03T10:15:00.000Z","value":0.04})";
  };
  const auto counts = file({{root + "alerts", alert("fired")}, {root + "alerts", alert("fired")},  // a redelivery
                            {root + "alerts", alert("resolved")},
                            {root + "alerts", R"({"rule":"low_conversion","state":"fired"})"}});
  EXPECT_EQ(counts.alerts, 2);
  EXPECT_EQ(counts.alerts_duplicate, 1);
  EXPECT_EQ(counts.quarantined, 1);
  EXPECT_EQ(query("SELECT id, state, rule, body->>'value' FROM alerts ORDER BY state"),
            "a-17|fired|low_conversion|0.04\na-17|resolved|low_conversion|0.04\n");
  EXPECT_EQ(query("SELECT reason FROM quarantine"), "kelu/v1/acme/sh-001/alerts: id is missing\n");
}

TEST_F(sink_store_test, events_land_in_a_partition_per_day_and_retention_drops_whole_days) {
  file({{root + "events/pos", event("sh-001", "00000000000000a1", "pos-tcp", 1, "2026-12-01T23:59:59.999Z")},
        {root + "events/pos", event("sh-001", "00000000000000a1", "pos-tcp", 2, "2026-12-02T00:00:00.000Z")},
        {root + "events/pos", event("sh-001", "00000000000000a1", "pos-tcp", 3, "2026-12-03T08:00:00.000+08:00")}});
  EXPECT_EQ(query("SELECT tableoid::regclass, seq FROM events ORDER BY seq"),
            "events_p20261201|1\nevents_p20261202|2\nevents_p20261203|3\n");
  const auto dropped = drop_event_partitions_before(*db_, sys_days{year{2026} / 12 / 3});
  ASSERT_TRUE(dropped) << dropped.error_message();
  EXPECT_EQ(*dropped, 2);
  EXPECT_EQ(query("SELECT seq FROM events"), "3\n");
}

TEST_F(sink_store_test, the_schema_is_migrated_once_and_a_newer_one_is_refused) {
  EXPECT_TRUE(migrate_hq_schema(*db_));  // again: nothing to do
  EXPECT_EQ(query("SELECT max(version) FROM kelu_hq_schema"), std::to_string(hq_schema_version()) + "\n");
  query("INSERT INTO kelu_hq_schema VALUES (" + std::to_string(hq_schema_version() + 1) + ")");
  const auto refused = migrate_hq_schema(*db_);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error_message().find("newer than this release's"), std::string::npos) << refused.error_message();
}

TEST_F(sink_store_test, a_captured_box_run_files_every_message_it_sent) {
  std::ifstream capture(KELU_SOURCE_DIR "/tests/data/contract/box-0.1.0.tsv");
  ASSERT_TRUE(capture) << "tests/data/contract/box-0.1.0.tsv";
  std::vector<received_message> batch;
  for (std::string line; std::getline(capture, line);) {
    const auto tab = line.find('\t');
    batch.push_back({line.substr(0, tab), line.substr(tab + 1)});
  }
  const auto counts = file(batch);
  EXPECT_EQ(counts.quarantined, 0) << query("SELECT reason FROM quarantine");
  // 11 sales and 2 health events; the box answered a cmd/replay by sending 3 of the sales again.
  EXPECT_EQ(counts.events_new, 13);
  EXPECT_EQ(counts.events_duplicate, 3);
  EXPECT_EQ(counts.aggregates_current, 6);   // buckets and the day report
  EXPECT_EQ(counts.statuses, 1);
}

}  // namespace
}  // namespace kelu::hq
