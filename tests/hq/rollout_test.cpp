// SPDX-License-Identifier: Apache-2.0
// The staged push's rules, on a clock the test moves.
#include <gtest/gtest.h>

#include "hq/push/rollout.hpp"

namespace kelu::hq {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

json reported(const char* state, int version) { return {{"state", state}, {"version", version}, {"origin", "hq"}}; }
const json online{{"state", "online"}};

TEST(rollout, the_rest_wait_until_the_canary_applied_stayed_online_for_the_soak) {
  const steady::time_point t0{};
  rollout r({"a", "b", "c"}, {"b"}, {7, 60s, 900s});
  r.on_status("b", online, t0);
  EXPECT_EQ(r.publish_now(t0), std::vector<std::string>{"b"});
  r.on_reported("b", reported("applied", 6), t0 + 1s);  // an answer to an older version: not ours
  EXPECT_TRUE(r.publish_now(t0 + 2s).empty());
  r.on_reported("b", reported("applied", 7), t0 + 10s);
  EXPECT_TRUE(r.publish_now(t0 + 69s).empty());  // soaking
  EXPECT_EQ(r.publish_now(t0 + 70s), (std::vector<std::string>{"a", "c"}));
  EXPECT_FALSE(r.settle(t0 + 71s));
  r.on_reported("a", reported("applied", 7), t0 + 80s);
  r.on_reported("c", reported("rejected", 7), t0 + 80s);
  EXPECT_TRUE(r.settle(t0 + 81s));
  EXPECT_FALSE(r.halted());
}

TEST(rollout, a_restart_answers_with_the_boot_s_applied_version) {
  const steady::time_point t0{};
  rollout r({"a"}, {}, {7, 0s, 900s});
  EXPECT_EQ(r.publish_now(t0).size(), 1u);
  r.on_reported("a", reported("restarting", 7), t0 + 1s);
  EXPECT_FALSE(r.settle(t0 + 2s));
  r.on_reported("a", {{"state", "applied"}, {"origin", "boot"}, {"applied_version", 7}}, t0 + 30s);
  EXPECT_TRUE(r.settle(t0 + 31s));
  EXPECT_EQ(r.outcomes()[0].state, "applied");
}

TEST(rollout, a_canary_that_goes_offline_or_never_answers_halts_the_rest) {
  const steady::time_point t0{};
  rollout offline({"a", "b"}, {"a"}, {7, 60s, 900s});
  offline.on_status("a", online, t0);
  offline.publish_now(t0);
  offline.on_reported("a", reported("applied", 7), t0 + 5s);
  offline.on_status("a", {{"state", "offline"}, {"reason", "connection lost"}}, t0 + 20s);
  EXPECT_TRUE(offline.halted());
  EXPECT_TRUE(offline.publish_now(t0 + 100s).empty());
  EXPECT_TRUE(offline.settle(t0 + 100s));
  EXPECT_EQ(offline.outcomes()[1].state, "not_sent");

  rollout silent({"a", "b"}, {"a"}, {7, 0s, 30s});
  silent.publish_now(t0);
  EXPECT_FALSE(silent.settle(t0 + 29s));
  EXPECT_TRUE(silent.settle(t0 + 30s));
  EXPECT_EQ(silent.outcomes()[0].state, "no_answer");
  EXPECT_EQ(silent.halt_reason(), "canary a did not answer within 30 s");
}

// What a broken or compromised box publishes: fields of other types are as good as absent, never an
// exception out of `kelu-hq config push` (nlohmann's value() threw on each of these).
// Found by fuzz_push_answer: with no status heard from a canary that applied (a broker that keeps
// no retained status for wildcard subscriptions, a box connected long before the push), the rest
// waited forever and `kelu-hq config push` never returned.
TEST(rollout, a_canary_that_applied_but_is_never_seen_online_halts_the_rest_at_the_deadline) {
  const steady::time_point t0{};
  rollout r({"a", "b"}, {"a"}, {7, 60s, 900s});
  r.publish_now(t0);
  r.on_reported("a", reported("applied", 7), t0 + 5s);
  EXPECT_TRUE(r.publish_now(t0 + 100s).empty());
  EXPECT_FALSE(r.settle(t0 + 904s));
  EXPECT_TRUE(r.settle(t0 + 905s));
  EXPECT_TRUE(r.halted());
  EXPECT_EQ(r.halt_reason(), "canary a applied but was not seen online within 900 s");
  EXPECT_EQ(r.outcomes()[0].state, "applied");
  EXPECT_EQ(r.outcomes()[1].state, "not_sent");
  // Seen online in time, the same canary lets the rest go after the soak.
  rollout seen({"a", "b"}, {"a"}, {7, 60s, 900s});
  seen.publish_now(t0);
  seen.on_reported("a", reported("applied", 7), t0 + 5s);
  seen.on_status("a", online, t0 + 6s);
  EXPECT_EQ(seen.publish_now(t0 + 65s), std::vector<std::string>{"b"});
  EXPECT_FALSE(seen.settle(t0 + 905s));  // b's own deadline runs from when it was sent
  EXPECT_FALSE(seen.halted());
}

TEST(rollout, a_store_publishing_fields_of_other_types_is_not_heard_and_does_not_stop_the_push) {
  const steady::time_point t0{};
  rollout r({"a", "b"}, {"a"}, {7, 0s, 30s});
  r.on_status("a", online, t0);
  r.publish_now(t0);
  EXPECT_NO_THROW(r.on_reported("a", {{"state", 1}, {"version", "7"}, {"applied_version", 7.5}}, t0 + 1s));
  EXPECT_NO_THROW(r.on_reported("a", {{"state", "applied"}, {"version", 7}, {"origin", {1}}, {"reason", "x"}}, t0 + 2s));
  EXPECT_EQ(r.outcomes()[0].state, "applied");  // the second answer is ours: state and version are right
  EXPECT_EQ(r.outcomes()[0].detail, "");        // a reason that is not a list says nothing
  EXPECT_NO_THROW(r.on_status("a", {{"state", {{"online", true}}}, {"reason", 3}}, t0 + 3s));
  EXPECT_TRUE(r.halted());  // a status that does not say "online" is not online: the canary went offline
  EXPECT_EQ(r.outcomes()[0].detail, "went offline after applying: ");
  EXPECT_EQ(store_integer(json{{"version", "7"}}, "version"), 0);
  EXPECT_EQ(store_integer(json{{"version", 7}}, "version"), 7);
  EXPECT_EQ(store_text(json{{"state", 1}}, "state"), "");
}

TEST(rollout, canaries_are_picked_by_a_stable_hash_of_version_and_store) {
  const std::vector<std::string> stores{"s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10"};
  EXPECT_EQ(pick_canaries(stores, 2, 7), pick_canaries(stores, 2, 7));
  EXPECT_EQ(pick_canaries(stores, 2, 7).size(), 2u);
  EXPECT_EQ(pick_canaries(stores, 20, 7).size(), 10u);
  bool rotates = false;
  for (int v = 8; v < 20 && !rotates; ++v) rotates = pick_canaries(stores, 2, v) != pick_canaries(stores, 2, 7);
  EXPECT_TRUE(rotates);
}

}  // namespace
}  // namespace kelu::hq
