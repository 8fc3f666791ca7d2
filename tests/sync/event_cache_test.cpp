// SPDX-License-Identifier: Apache-2.0
// sync::event_cache against the store it caches: after any mix of commits (this connection's and
// another's, as `kelu ingest` makes them), prunes and evictions, it holds exactly what a fresh
// read of the same spans returns, and it decodes each row once.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <tuple>

#include "support/events.hpp"
#include "support/store_fixture.hpp"
#include "sync/event_cache.hpp"

namespace kelu::sync {
namespace {

using ids = std::multiset<std::tuple<std::string, std::int64_t>>;

ids keys(const std::vector<core::event>& v) {
  ids out;
  for (const auto& e : v) out.emplace(e.source, e.seq);
  return out;
}

// The store of every sync test (tests/support/store_fixture.hpp); its committer and io stay idle.
struct event_cache_fixture : test::store_fixture {
  std::string path = dir.file("k.db");
  core::utc_time now = core::from_unix_ms(1'795'000'000'000);
  // Sales observed in the morning, gaps from noon on: two spans as analytics reads a day.
  std::vector<event_span> day{{{"pos.transaction"}, test::at("2026-12-04T00:00:00Z"), test::at("2026-12-05T00:00:00Z")},
                              {{"camera.gap"}, test::at("2026-12-04T12:00:00Z"), core::utc_time::max()}};

  static core::event sale_at(const std::string& source, const std::string& txn, const char* when) {
    auto e = test::sale("T1", txn);
    e.source = source;
    e.observed_at = test::at(when);
    return e;
  }
  static core::event gap_at(const char* when) {
    auto e = sale_at("camera-door", "", when);
    e.stream = "camera";
    e.body = core::camera_gap{"door", e.observed_at - std::chrono::minutes(1), e.observed_at, "offline"};
    return e;
  }
  void append(event_store& s, std::vector<core::event> batch) { ASSERT_TRUE(s.append(batch, now)); }
  std::vector<core::event> fresh() { return store.observed_in(day, {}, store.last_seqs()); }
};

TEST_F(event_cache_fixture, holds_what_a_fresh_read_returns_and_decodes_each_row_once) {
  append(store, {sale_at("pos-tcp", "1", "2026-12-04T09:00:00Z"), sale_at("pos-tcp", "2", "2026-12-03T23:59:59Z"),
                 sale_at("webhook", "3", "2026-12-04T10:00:00Z"), gap_at("2026-12-04T11:59:59Z"),
                 gap_at("2026-12-06T08:00:00Z")});
  event_cache cache{store, 4};
  EXPECT_EQ(keys(cache.observed(day)), keys(fresh()));
  EXPECT_EQ(cache.observed(day).size(), 3u);  // two sales of the 4th, the gap after its noon
  EXPECT_EQ(cache.stats().full_reads, 1);
  EXPECT_EQ(cache.stats().rows_decoded, 3);

  // New rows of every kind: in the day, outside it, of another type, of a new source.
  append(store, {sale_at("pos-tcp", "4", "2026-12-04T18:00:00Z"), sale_at("pos-tcp", "5", "2026-12-05T00:00:00Z"),
                 gap_at("2026-12-04T13:00:00Z"), sale_at("drop-folder", "6", "2026-12-04T19:00:00Z")});
  auto h = test::health();
  h.observed_at = test::at("2026-12-04T12:30:00Z");
  append(store, {h});
  EXPECT_EQ(keys(cache.observed(day)), keys(fresh()));
  EXPECT_EQ(cache.observed(day).size(), 6u);
  EXPECT_EQ(cache.stats().full_reads, 1);
  EXPECT_EQ(cache.stats().rows_decoded, 6) << "each row decoded once, the old ones not again";
  EXPECT_EQ(cache.stats().events_held, 6);
}

TEST_F(event_cache_fixture, sees_rows_another_connection_committed) {
  event_cache cache{store, 4};
  EXPECT_TRUE(cache.observed(day).empty());
  auto other_db = database::open({path, true}).value();
  outbox other_out{*other_db};
  event_store other{*other_db, other_out, topics("acme", "s1")};
  append(other, {sale_at("ingest-file", "1", "2026-12-04T09:00:00Z")});
  append(store, {sale_at("pos-tcp", "2", "2026-12-04T09:30:00Z")});
  append(other, {sale_at("ingest-file", "3", "2026-12-04T10:00:00Z")});
  EXPECT_EQ(keys(cache.observed(day)), keys(fresh()));
  EXPECT_EQ(cache.observed(day).size(), 3u);
}

TEST_F(event_cache_fixture, a_prune_makes_it_read_its_spans_afresh) {
  std::vector<core::event> batch;
  for (int i = 0; i < 6; ++i) {
    batch.push_back(sale_at("pos-tcp", std::to_string(i), "2026-12-04T09:00:00Z"));
    batch.back().received_at = core::from_unix_ms(i < 4 ? 1'000 : 9'000);
  }
  append(store, batch);
  event_cache cache{store, 4};
  EXPECT_EQ(cache.observed(day).size(), 6u);
  EXPECT_EQ(store.prune(core::from_unix_ms(5'000), 100), 4);
  EXPECT_EQ(keys(cache.observed(day)), keys(fresh()));
  EXPECT_EQ(cache.observed(day).size(), 2u);
  EXPECT_EQ(cache.stats().full_reads, 2);
  EXPECT_EQ(cache.stats().events_held, 2);
}

TEST_F(event_cache_fixture, keeps_at_most_its_entries_dropping_the_least_recently_used) {
  append(store, {sale_at("pos-tcp", "1", "2026-12-02T09:00:00Z"), sale_at("pos-tcp", "2", "2026-12-03T09:00:00Z"),
                 sale_at("pos-tcp", "3", "2026-12-04T09:00:00Z")});
  const auto one_day = [](const char* from, const char* to) {
    return std::vector<event_span>{{{"pos.transaction"}, test::at(from), test::at(to)}};
  };
  const auto d2 = one_day("2026-12-02T00:00:00Z", "2026-12-03T00:00:00Z");
  const auto d3 = one_day("2026-12-03T00:00:00Z", "2026-12-04T00:00:00Z");
  const auto d4 = one_day("2026-12-04T00:00:00Z", "2026-12-05T00:00:00Z");
  event_cache cache{store, 2};
  EXPECT_EQ(cache.observed(d2).size(), 1u);
  EXPECT_EQ(cache.observed(d3).size(), 1u);
  EXPECT_EQ(cache.observed(d2).size(), 1u);  // d2 used last: d3 goes when d4 comes
  EXPECT_EQ(cache.observed(d4).size(), 1u);
  EXPECT_EQ(cache.stats().events_held, 2);
  EXPECT_EQ(cache.stats().full_reads, 3);
  EXPECT_EQ(cache.observed(d2).size(), 1u);
  EXPECT_EQ(cache.stats().full_reads, 3) << "d2 was kept";
  EXPECT_EQ(cache.observed(d3).size(), 1u);
  EXPECT_EQ(cache.stats().full_reads, 4) << "d3 was dropped and read again";
}

}  // namespace
}  // namespace kelu::sync
