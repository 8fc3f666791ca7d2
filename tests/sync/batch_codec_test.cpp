// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>
#include <zlib.h>

#include <nlohmann/json.hpp>

#include "core/event.hpp"
#include "support/events.hpp"
#include "sync/batch_codec.hpp"
#include "sync/topics.hpp"

namespace kelu::sync {
namespace {

TEST(batch_codec, round_trips_the_events_line_by_line) {
  const std::vector<std::string> events{R"({"seq":1})", R"({"seq":2,"payload":{"note":"多语言"}})", "{}"};
  const auto packed = deflate_batch(events);
  EXPECT_EQ(static_cast<unsigned char>(packed[0]), 0x78);  // a zlib header (RFC 1950), as every zlib reads
  const auto back = inflate_batch(packed, 1024);
  ASSERT_TRUE(back) << back.error_message();
  EXPECT_EQ(*back, events);
}

TEST(batch_codec, refuses_what_is_not_one_whole_batch_and_says_where) {
  const auto packed = deflate_batch({R"({"seq":1})", R"({"seq":2})"});
  const auto truncated = inflate_batch(std::string_view(packed).substr(0, packed.size() - 3), 1024);
  ASSERT_FALSE(truncated);
  EXPECT_NE(truncated.error_message().find("not a complete zlib stream"), std::string::npos) << truncated.error_message();
  EXPECT_NE(truncated.error_message().find("of " + std::to_string(packed.size() - 3)), std::string::npos);
  const auto trailing = inflate_batch(packed + "xyz", 1024);
  ASSERT_FALSE(trailing);
  EXPECT_NE(trailing.error_message().find("3 bytes after the zlib stream"), std::string::npos);
  EXPECT_FALSE(inflate_batch("", 1024));
  EXPECT_FALSE(inflate_batch("{\"seq\":1}", 1024));  // plain JSON is not a batch
}

TEST(batch_codec, refuses_a_batch_that_inflates_beyond_the_limit) {
  const auto bomb = deflate_batch({std::string(4 << 20, ' ')});  // 4 MiB of spaces, a few KB packed
  EXPECT_LT(bomb.size(), 10000u);
  const auto r = inflate_batch(bomb, 1 << 20);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error_message().find("more than 1048576 bytes"), std::string::npos) << r.error_message();
}

TEST(batch_codec, an_empty_batch_is_empty_and_a_last_line_without_newline_is_refused) {
  EXPECT_TRUE(inflate_batch(deflate_batch({}), 16)->empty());
  // Built with zlib directly: deflate_batch always ends its lines.
  const std::string text = "{\"seq\":1}\n{\"seq\":2}";
  uLongf n = compressBound(static_cast<uLong>(text.size()));
  std::string packed(n, '\0');
  ASSERT_EQ(compress2(reinterpret_cast<Bytef*>(packed.data()), &n, reinterpret_cast<const Bytef*>(text.data()),
                      static_cast<uLong>(text.size()), 6),
            Z_OK);
  packed.resize(n);
  const auto r = inflate_batch(packed, 1024);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error_message().find("no newline (byte 10)"), std::string::npos) << r.error_message();
}

// The outbox row says what an event is; its batch topic mirrors its events topic.
TEST(backlog, an_event_is_routed_with_its_kind_and_stream_and_batches_beside_its_topic) {
  const topics t("acme", "s1");
  const auto sale = route_for(test::sale("T1", "1", 1), t);
  EXPECT_EQ(sale.topic, "kelu/v1/acme/s1/events/pos");
  EXPECT_EQ(sale.kind, message_kind::event);
  EXPECT_EQ(t.backfill_root() + sale.stream, "kelu/v1/acme/s1/backfill/pos");
  const auto health = route_for(test::health(), t);
  EXPECT_EQ(health.topic, "kelu/v1/acme/s1/stats");
  EXPECT_EQ(health.kind, message_kind::health);  // marked historical in the backlog, never batched
  EXPECT_EQ(health.priority, health_priority);
}

// The backlog's mark goes first in the object, and the rest is the event as it was stored.
TEST(backlog, the_historical_mark_leads_an_encoded_event_and_changes_nothing_else) {
  const auto e = test::sale("T1", "1", 1);
  const auto stored = core::encode(e);
  const auto marked = core::mark_historical(stored);
  EXPECT_TRUE(marked.starts_with(R"({"historical":true,)")) << marked;
  EXPECT_EQ(marked.size(), stored.size() + core::historical_mark_size());
  auto j = nlohmann::json::parse(marked);
  EXPECT_TRUE(j["historical"].get<bool>());
  j.erase("historical");
  EXPECT_EQ(j, nlohmann::json::parse(stored));
}

}  // namespace
}  // namespace kelu::sync
