// SPDX-License-Identifier: Apache-2.0
// The audit log of configuration changes: what `kelu config history` and HQ read.
#include <gtest/gtest.h>

#include "sync/config_journal.hpp"
#include "sync/database.hpp"
#include "support/temp_dir.hpp"

namespace kelu::sync {
namespace {

using nlohmann::json;

TEST(config_journal, changes_come_back_newest_first_with_their_later_verdict) {
  test::temp_dir dir;
  auto db = database::open({dir.file("kelu.db"), false}).value();
  config_journal journal{*db};
  const auto t0 = core::from_unix_ms(1'795'000'000'000);
  const auto first = journal.add({0, t0, "file", std::nullopt, {"log.level"}, "applied", json::object()});
  const auto second = journal.add({0, t0 + std::chrono::minutes(1), "hq", 7, {"mqtt.uri", "mqtt.password"},
                                   "applying", json{{"rebuilt", {"mqtt"}}}});
  EXPECT_GT(second, first);
  journal.set_outcome(second, "rolled_back", json{{"failures", {"mqtt: not connected to tcp://b:1883"}}});

  const auto rows = journal.recent(10);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].origin, "hq");
  EXPECT_EQ(rows[0].version, 7);
  EXPECT_EQ(rows[0].outcome, "rolled_back");
  EXPECT_EQ(rows[0].keys, (std::vector<std::string>{"mqtt.uri", "mqtt.password"}));
  EXPECT_EQ(rows[0].detail["failures"][0], "mqtt: not connected to tcp://b:1883");
  EXPECT_EQ(rows[1].origin, "file");
  EXPECT_FALSE(rows[1].version);
  EXPECT_EQ(to_json(rows[0])["at"].get<std::string>().substr(0, 19), "2026-11-18T11:07:40");

  EXPECT_EQ(journal.recent(1).size(), 1u);
  EXPECT_EQ(journal.prune(t0 + std::chrono::seconds(30)), 1);
  EXPECT_EQ(journal.recent(10).size(), 1u);
}

}  // namespace
}  // namespace kelu::sync
