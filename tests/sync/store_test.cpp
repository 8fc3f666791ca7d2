// SPDX-License-Identifier: Apache-2.0
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <boost/asio/io_context.hpp>
#include <regex>

#include "sync/alert_journal.hpp"
#include "sync/database.hpp"
#include "sync/event_store.hpp"
#include "sync/group_committer.hpp"
#include "sync/outbox.hpp"
#include "sync/replay.hpp"
#include "support/events.hpp"
#include "support/io_helpers.hpp"
#include "support/temp_dir.hpp"

namespace kelu::sync {
namespace {

using test::sale;

struct store_fixture : testing::Test {
  test::temp_dir dir;
  std::string path = dir.file("kelu.db");
  std::unique_ptr<database> db = database::open({path, true}).value();
  outbox out{*db};
  event_store store{*db, out, topics("acme", "s1")};
  core::utc_time now = core::from_unix_ms(1'795'000'000'000);
};

TEST_F(store_fixture, fresh_database_is_migrated_in_wal_mode) {
  EXPECT_EQ(db->schema_version(), database::current_schema_version);
  statement st{db->handle(), "PRAGMA journal_mode"};
  st.step();
  EXPECT_EQ(st.column_text(0), "wal");
}

// A replaced or reinstalled box starts an empty database: a new epoch, so HQ keeps its seqs apart
// from the old box's instead of dropping them as duplicates.
TEST_F(store_fixture, each_new_database_has_its_own_epoch_which_every_stored_event_carries) {
  const auto& id = db->identity();
  EXPECT_TRUE(std::regex_match(id.epoch, std::regex("[0-9a-f]{16}"))) << id.epoch;
  EXPECT_EQ(id.origin, "created");
  EXPECT_LT(std::chrono::system_clock::now() - id.created_at, std::chrono::minutes(5));
  std::vector<core::event> batch{sale("T1", "1")};
  ASSERT_TRUE(store.append(batch, now));
  EXPECT_EQ(batch[0].epoch, id.epoch);
  EXPECT_EQ(core::decode(out.peek(0, 10).at(0).payload)->epoch, id.epoch);
  EXPECT_EQ(store.find("pos-tcp", 1)->epoch, id.epoch);
  // Reopened: the same database, the same epoch.
  EXPECT_EQ(database::open({path, true}).value()->identity().epoch, id.epoch);
  // Another empty database for the same store: another epoch, seqs from 1 again.
  auto other = database::open({dir.file("replacement.db"), true}).value();
  EXPECT_NE(other->identity().epoch, id.epoch);
  outbox o2{*other};
  event_store s2{*other, o2, topics("acme", "s1")};
  std::vector<core::event> again{sale("T1", "2")};
  ASSERT_TRUE(s2.append(again, now));
  EXPECT_EQ(again[0].seq, 1);
  EXPECT_EQ(again[0].epoch, other->identity().epoch);
}

// A box upgraded from a release without epochs: its database gets one at the migration, in O(1)
// (what it stored is not rewritten), new events carry it, and a replay of what was stored before
// sends it with the epoch, so HQ files old and new under one series.
TEST_F(store_fixture, a_database_from_before_epochs_gets_one_and_replays_stamp_it) {
  const auto old_path = dir.file("release-0.1.db");
  {
    auto old = database::open({old_path, true, database::epoch_schema_version - 1}).value();
    EXPECT_TRUE(old->identity().epoch.empty());
    // Stored as that release stored them: its outbox rows had no kind.
    for (int seq : {1, 2}) {
      auto e = sale("T1", std::to_string(seq));
      e.seq = seq;
      const auto body = core::encode(e);
      EXPECT_EQ(body.find("epoch"), std::string::npos);
      statement ev{old->handle(),
                   "INSERT INTO events(source, seq, id, stream, type, observed_at, received_at, body) "
                   "VALUES(?,?,?,?,?,0,0,?)"};
      ev.bind(1, e.source).bind(2, e.seq).bind(3, e.id).bind(4, e.stream).bind(5, core::type_name(e.body)).bind(6, body);
      ev.step();
      statement ob{old->handle(), "INSERT INTO outbox(topic, payload, qos, retain, priority, created_at) "
                                  "VALUES('kelu/v1/acme/s1/events/pos', ?, 1, 0, 0, 0)"};
      ob.bind_blob(1, body);
      ob.step();
    }
    old->exec("INSERT INTO source_seq(source, last_seq) VALUES('pos-tcp', 2)");
  }
  auto upgraded = database::open({old_path, true}).value();
  const auto epoch = upgraded->identity().epoch;
  EXPECT_EQ(upgraded->identity().origin, "upgraded");
  ASSERT_EQ(epoch.size(), 16u);
  outbox o{*upgraded};
  event_store s{*upgraded, o, topics("acme", "s1")};
  EXPECT_TRUE(s.find("pos-tcp", 2)->epoch.empty());  // as stored
  std::vector<core::event> next{sale("T1", "3")};
  ASSERT_TRUE(s.append(next, now));
  EXPECT_EQ(next[0].seq, 3);  // the same series goes on
  EXPECT_EQ(next[0].epoch, epoch);
  const auto r = replay(*upgraded, s, o, topics("acme", "s1"), {"r", "pos-tcp", 1, 3, ""}, now);
  EXPECT_EQ(r.queued, 3);
  const auto rows = o.peek_backlog(0, 10, 0);
  ASSERT_EQ(rows.size(), 3u);
  for (const auto& row : rows) EXPECT_EQ(core::decode(row.payload)->epoch, epoch) << row.payload;
}

TEST_F(store_fixture, reopen_keeps_data_and_refuses_a_newer_schema) {
  std::vector<core::event> batch{sale("T1", "1")};
  ASSERT_TRUE(store.append(batch, now));
  db->exec("PRAGMA user_version=99");
  auto newer = database::open({path, true});
  ASSERT_FALSE(newer);
  EXPECT_NE(newer.error_message().find("schema version 99"), std::string::npos);
  db->exec("PRAGMA user_version=" + std::to_string(database::current_schema_version));
  auto again = database::open({path, true});
  ASSERT_TRUE(again) << again.error_message();
  outbox o2{**again};
  event_store s2{**again, o2, topics("acme", "s1")};
  EXPECT_EQ(s2.count(), 1);
  EXPECT_EQ(o2.stats().rows, 1);
}

TEST_F(store_fixture, a_version_1_database_migrates_and_keeps_its_unsent_rows_live) {
  std::vector<core::event> batch{sale("T1", "1")};
  ASSERT_TRUE(store.append(batch, now));
  // Back to schema 1 as an agent of the previous release left it.
  db->exec("DROP INDEX events_type_observed; DROP TABLE aggregates; DROP TABLE runs;"
           "DROP INDEX outbox_backlog; ALTER TABLE outbox DROP COLUMN backlog; DROP TABLE alert_journal;"
           "DROP TABLE line_audits; DROP TABLE config_changes; DROP TABLE store_identity;"
           "ALTER TABLE outbox DROP COLUMN kind; ALTER TABLE outbox DROP COLUMN stream;"
           "INSERT INTO outbox(topic, payload, qos, retain, priority, created_at) "
           "VALUES('kelu/v1/acme/s1/stats', '{}', 1, 0, 1, 0), ('kelu/v1/acme/s1/alerts', '{}', 1, 0, 2, 0);"
           "PRAGMA user_version=1");
  auto migrated = database::open({path, true});
  ASSERT_TRUE(migrated) << migrated.error_message();
  EXPECT_EQ((*migrated)->schema_version(), database::current_schema_version);
  outbox o2{**migrated};
  const auto rows = o2.peek(0, 10);  // the old rows are live ones
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_TRUE(o2.peek_backlog(0, 10, 0).empty());
  // Version 8: each row says what it is, read from the old rows' topics once.
  EXPECT_EQ(rows[0].kind, message_kind::event);
  EXPECT_EQ(rows[0].stream, "pos");
  EXPECT_EQ(rows[1].kind, message_kind::health);
  EXPECT_EQ(rows[2].kind, message_kind::message);
  // Version 3: the events are found by type and time for analytics.
  event_store s2{**migrated, o2, topics("acme", "s1")};
  EXPECT_EQ(s2.observed_between({"pos.transaction"}, core::from_unix_ms(0), core::from_unix_ms(2'000)).size(), 1u);
}

TEST_F(store_fixture, the_alert_journal_keeps_entries_until_settled_and_old) {
  alert_journal journal{*db};
  const auto t = [&](int minutes) { return now + std::chrono::minutes(minutes); };
  journal.put({"a", t(0), false, R"({"n":1})"});
  journal.put({"b", t(10), true, R"({"n":2})"});
  journal.put({"c", t(20), false, R"({"n":3})"});
  journal.put({"a", t(0), true, R"({"n":4})"});  // the same alert, now settled
  const auto open = journal.unsettled();
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].id, "c");
  const auto fired = journal.fired_between(t(0), t(20));
  ASSERT_EQ(fired.size(), 2u);
  EXPECT_EQ(fired[0].body, R"({"n":4})");
  EXPECT_TRUE(fired[0].settled);
  EXPECT_EQ(fired[1].id, "b");
  // Retention takes settled entries only: an alert still firing keeps its entry.
  EXPECT_EQ(journal.prune(t(30)), 2);
  ASSERT_EQ(journal.fired_between(t(0), t(60)).size(), 1u);
  EXPECT_EQ(journal.fired_between(t(0), t(60))[0].id, "c");
}

TEST_F(store_fixture, open_reports_an_unusable_path) {
  auto bad = database::open({dir.file("no/such/dir/kelu.db"), true});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error_message().find("no/such/dir/kelu.db"), std::string::npos);
}

TEST_F(store_fixture, seqs_are_gap_free_per_source_and_duplicates_keep_the_first) {
  std::vector<core::event> batch{sale("T1", "1"), sale("T1", "2"), sale("T1", "1"), sale("T2", "1")};
  batch.push_back(test::health());
  auto r = store.append(batch, now);
  ASSERT_TRUE(r) << r.error_message();
  ASSERT_EQ(r->size(), 5u);
  EXPECT_EQ((*r)[0].seq, 1);
  EXPECT_EQ((*r)[1].seq, 2);
  EXPECT_TRUE((*r)[2].duplicate);
  EXPECT_EQ((*r)[2].seq, 1);  // the original's seq
  EXPECT_EQ((*r)[3].seq, 3);  // no gap left by the duplicate
  EXPECT_EQ((*r)[4].seq, 1);  // its own source, its own sequence
  EXPECT_EQ(store.count(), 4);
  EXPECT_EQ(store.last_seq("pos-tcp"), 3);

  std::vector<core::event> later{sale("T2", "1"), sale("T3", "1")};
  r = store.append(later, now);
  ASSERT_TRUE(r);
  EXPECT_TRUE((*r)[0].duplicate);
  EXPECT_EQ((*r)[1].seq, 4);

  const auto rows = out.peek(0, 100);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].topic, "kelu/v1/acme/s1/events/pos");
  EXPECT_EQ(rows[3].topic, "kelu/v1/acme/s1/stats");
  const auto stored = core::decode(rows[1].payload);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->seq, 2);
  EXPECT_EQ(std::get<core::pos_transaction>(stored->body).transaction_id, "2");
  auto found = store.find("pos-tcp", 2);
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, *stored);
}

TEST_F(store_fixture, outbox_peeks_in_order_and_removes_acknowledged_rows) {
  std::vector<core::event> batch;
  for (int i = 0; i < 10; ++i) batch.push_back(sale("T1", std::to_string(i)));
  ASSERT_TRUE(store.append(batch, now));
  auto first = out.peek(0, 4);
  ASSERT_EQ(first.size(), 4u);
  auto next = out.peek(first.back().id, 100);
  ASSERT_EQ(next.size(), 6u);
  EXPECT_GT(next.front().id, first.back().id);
  const auto before = out.stats();
  out.remove({first[0].id, first[2].id, 123456});
  const auto after = out.stats();
  EXPECT_EQ(after.rows, 8);
  EXPECT_EQ(before.bytes - after.bytes,
            static_cast<std::int64_t>(first[0].payload.size() + first[2].payload.size()));
  out.reload();
  EXPECT_EQ(out.stats().bytes, after.bytes);  // the running total matches the table
}

// A box from the package counted nothing as its sample store, then was enrolled as another:
// what it queued as the sample store (status, empty hours) goes; once a store has events, its
// rows are its data and stay whatever the box is now.
TEST_F(store_fixture, rows_of_another_store_go_only_from_a_database_without_events) {
  const std::string sample = "kelu/v1/acme/store-001/", enrolled = "kelu/v1/acme/sh-042/";
  out.insert({sample + "status", 1, true, 0}, "{}", now);
  out.insert({sample + "metrics/funnel/hour", 1, false, 2}, "{}", now);
  out.insert({enrolled + "status", 1, true, 0}, "{}", now);
  EXPECT_EQ(out.drop_other_stores(enrolled), 2);
  ASSERT_EQ(out.peek(0, 10).size(), 1u);
  EXPECT_EQ(out.peek(0, 10).front().topic, enrolled + "status");
  EXPECT_EQ(out.stats().rows, 1);
  EXPECT_EQ(out.stats().dropped_other_store, 2);
  core::event health = sale("T1", "h");
  health.source = "agent";  // the box's own health report is not the store's data
  std::vector<core::event> reports{health};
  ASSERT_TRUE(store.append(reports, now));
  out.insert({sample + "status", 1, true, 0}, "{}", now);
  EXPECT_EQ(out.drop_other_stores(enrolled), 2);  // the report's row went with the status

  std::vector<core::event> one{sale("T1", "1")};
  ASSERT_TRUE(store.append(one, now));  // under kelu/v1/acme/s1/
  out.insert({sample + "status", 1, true, 0}, "{}", now);
  EXPECT_EQ(out.drop_other_stores(enrolled), 0);
  EXPECT_EQ(out.stats().rows, 3);
}

TEST_F(store_fixture, quota_drops_oldest_raw_events_first_and_counts_them) {
  std::vector<core::event> batch;
  for (int i = 0; i < 50; ++i) batch.push_back(sale("T1", std::to_string(i)));
  batch.insert(batch.begin(), test::health());  // oldest row, but kept: higher priority
  ASSERT_TRUE(store.append(batch, now));
  const auto total = out.stats().bytes;
  const auto dropped = out.enforce({total / 2, 30}, now);
  EXPECT_GT(dropped, 20);
  EXPECT_LT(dropped, 30);
  const auto s = out.stats();
  EXPECT_LE(s.bytes, sync::quota_low_water(total / 2));
  EXPECT_GT(s.bytes, sync::quota_low_water(total / 2) - total / 50);  // no more than needed
  EXPECT_EQ(s.dropped_quota, dropped);
  const auto rows = out.peek(0, 100);
  EXPECT_EQ(rows.front().topic, "kelu/v1/acme/s1/stats");
  EXPECT_EQ(std::get<core::pos_transaction>(core::decode(rows[1].payload)->body).transaction_id,
            std::to_string(dropped));  // the survivors are the newest raw events
  EXPECT_EQ(out.enforce({total, 30}, now), 0);  // under quota: nothing more goes
  // A status row added while the backlog drains brings it over the low-water mark, not over the
  // quota: nothing is cut out from behind the rows in flight.
  out.insert({"kelu/v1/acme/s1/status", 1, true, 2}, R"({"state":"online"})", now);
  EXPECT_EQ(out.enforce({total / 2, 30}, now, {rows[1].id}), 0);
  // Rows being sent are passed over: they reach HQ, so they are neither dropped nor counted.
  const auto sending = std::vector<std::int64_t>{rows[1].id, rows[2].id};
  const auto before = out.stats();
  const auto more = out.enforce({before.bytes - 1, 30}, now, sending);
  EXPECT_GE(more, 1);
  const auto kept = out.peek(0, 100);
  EXPECT_EQ(kept[1].id, rows[1].id);
  EXPECT_EQ(kept[2].id, rows[2].id);
  EXPECT_EQ(kept[3].id, rows[3 + static_cast<std::size_t>(more)].id);  // the oldest not being sent went
  EXPECT_EQ(out.stats().dropped_quota, dropped + more);
  // Age: everything is older than a day a month from now.
  const auto left = out.stats().rows;
  EXPECT_EQ(out.enforce({total, 1}, now + std::chrono::hours(24 * 31)), left);
  EXPECT_EQ(out.stats().dropped_age, left);
  EXPECT_EQ(out.stats().rows, 0);
}

TEST_F(store_fixture, retention_prunes_old_events_in_bounded_steps_and_keeps_their_outbox_rows) {
  std::vector<core::event> batch;
  for (int i = 0; i < 30; ++i) {
    batch.push_back(sale("T1", std::to_string(i)));
    batch.back().received_at = core::from_unix_ms(i < 20 ? 1'000 : 9'000);
  }
  ASSERT_TRUE(store.append(batch, now));
  EXPECT_EQ(store.prune(core::from_unix_ms(5'000), 15), 15);
  EXPECT_EQ(store.prune(core::from_unix_ms(5'000), 15), 5);
  EXPECT_EQ(store.prune(core::from_unix_ms(5'000), 15), 0);
  EXPECT_EQ(store.count(), 10);
  EXPECT_EQ(out.stats().rows, 30);  // HQ still gets what it has not acknowledged
  std::vector<core::event> again{sale("T1", "0")};
  auto r = store.append(again, now);
  ASSERT_TRUE(r);
  EXPECT_FALSE((*r)[0].duplicate);  // pruned: no longer known
  EXPECT_EQ((*r)[0].seq, 31);       // the sequence never goes back
}

// A child process commits batches, reports each commit through a pipe, then dies by
// SIGKILL in the middle of a transaction. Every reported batch must survive, nothing else.
TEST(store_crash, committed_batches_survive_sigkill_mid_transaction) {
  test::temp_dir dir;
  const auto path = dir.file("crash.db");
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    auto db = database::open({path, true}).value();
    outbox o{*db};
    event_store s{*db, o, topics("a", "b")};
    for (int b = 0; b < 20; ++b) {
      std::vector<core::event> batch;
      for (int i = 0; i < 50; ++i) batch.push_back(sale("T", std::to_string(b * 50 + i)));
      if (!s.append(batch, core::from_unix_ms(0))) ::_exit(3);
      const char one = 1;
      if (::write(fds[1], &one, 1) != 1) ::_exit(4);
    }
    db->exec("BEGIN IMMEDIATE");
    db->exec("INSERT INTO outbox(topic, payload, qos, retain, priority, created_at) VALUES('x', 'torn', 1, 0, 0, 0)");
    ::kill(::getpid(), SIGKILL);
    ::_exit(5);
  }
  ::close(fds[1]);
  int reported = 0;
  char c;
  while (::read(fds[0], &c, 1) == 1) ++reported;
  ::close(fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child status " << status;
  ASSERT_EQ(reported, 20);

  auto db = database::open({path, true});
  ASSERT_TRUE(db) << db.error_message();
  statement check{(*db)->handle(), "PRAGMA integrity_check"};
  check.step();
  EXPECT_EQ(check.column_text(0), "ok");
  outbox o{**db};
  event_store s{**db, o, topics("a", "b")};
  EXPECT_EQ(s.count(), 1000);
  EXPECT_EQ(o.stats().rows, 1000);  // the torn row is gone
  EXPECT_EQ(s.last_seq("pos-tcp"), 1000);
}

struct committer_fixture : store_fixture {
  boost::asio::io_context io;
  core::system_clock clock;
};

TEST_F(committer_fixture, batches_submitted_together_share_one_transaction) {
  group_committer gc{io.get_executor(), store, clock, 1000, 1000};
  int commits_seen = 0;
  gc.on_commit([&] { ++commits_seen; });
  std::vector<std::vector<core::commit_outcome>> results(3);
  int done = 0;
  for (int b = 0; b < 3; ++b) {
    std::vector<core::event> batch{sale("T1", std::to_string(b * 2)), sale("T1", std::to_string(b * 2 + 1))};
    gc.submit(std::move(batch), [&, b](core::result<std::vector<core::commit_outcome>> r) {
      ASSERT_TRUE(r);
      results[static_cast<std::size_t>(b)] = *r;
      ++done;
    });
  }
  EXPECT_EQ(done, 0);  // never called from inside submit
  ASSERT_TRUE(test::run_until(io, [&] { return done == 3; }, std::chrono::seconds(5)));
  EXPECT_EQ(gc.stats().transactions, 1);
  EXPECT_EQ(gc.stats().committed, 6);
  EXPECT_EQ(commits_seen, 1);
  EXPECT_EQ(results[2][1].seq, 6);
}

TEST_F(committer_fixture, a_full_queue_refuses_with_busy_and_counts_it) {
  group_committer gc{io.get_executor(), store, clock, 3, 3};
  std::vector<std::string> errors;
  int ok = 0;
  auto handler = [&](core::result<std::vector<core::commit_outcome>> r) {
    if (r)
      ++ok;
    else
      errors.push_back(r.error_message());
  };
  gc.submit({sale("T1", "1"), sale("T1", "2")}, handler);
  gc.submit({sale("T1", "3"), sale("T1", "4")}, handler);  // 4 > 3 pending
  gc.close();
  gc.submit({sale("T1", "5")}, handler);
  ASSERT_TRUE(test::run_until(io, [&] { return static_cast<std::size_t>(ok) + errors.size() == 3; }, std::chrono::seconds(5)));
  EXPECT_EQ(ok, 1);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_NE(errors[0].find("busy"), std::string::npos);
  EXPECT_NE(errors[1].find("shutting down"), std::string::npos);
  EXPECT_EQ(gc.stats().busy_rejections, 1);
  EXPECT_EQ(store.count(), 2);
}

TEST_F(committer_fixture, a_storage_failure_fails_the_batch_and_stores_nothing) {
  group_committer gc{io.get_executor(), store, clock, 100, 100};
  db->exec("CREATE TRIGGER refuse BEFORE INSERT ON outbox WHEN instr(CAST(NEW.payload AS TEXT), 'poison') > 0 "
           "BEGIN SELECT RAISE(ABORT, 'disk says no'); END");
  std::string error;
  gc.submit({sale("T1", "fine"), sale("T1", "poison")}, [&](core::result<std::vector<core::commit_outcome>> r) {
    error = r ? "none" : r.error_message();
  });
  ASSERT_TRUE(test::run_until(io, [&] { return !error.empty(); }, std::chrono::seconds(5)));
  EXPECT_NE(error.find("disk says no"), std::string::npos);
  EXPECT_EQ(store.count(), 0);
  EXPECT_EQ(out.stats().rows, 0);
  EXPECT_EQ(store.last_seq("pos-tcp"), 0);
}

}  // namespace
}  // namespace kelu::sync
