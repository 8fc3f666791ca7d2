// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "sync/bucket_ledger.hpp"
#include "sync/store_epochs.hpp"

namespace kelu::sync {
namespace {

TEST(store_epochs, ranks_a_stores_epochs_by_when_they_were_first_heard_of) {
  store_epochs e;
  EXPECT_EQ(e.rank("s1", ""), -1);
  EXPECT_TRUE(e.announce("s1", "aaaa000000000000", "created"));
  EXPECT_FALSE(e.announce("s1", "aaaa000000000000", "created"));
  EXPECT_EQ(e.file_under("s1", "bbbb000000000000"), "bbbb000000000000");  // an event before its status
  EXPECT_FALSE(e.announce("s1", "bbbb000000000000", "created"));
  EXPECT_GT(e.rank("s1", "bbbb000000000000"), e.rank("s1", "aaaa000000000000"));
  EXPECT_EQ(e.of("s1"), (std::vector<std::string>{"aaaa000000000000", "bbbb000000000000"}));
  EXPECT_TRUE(e.of("s2").empty());  // stores are apart
}

TEST(store_epochs, events_without_an_epoch_belong_to_the_one_an_upgraded_box_announces) {
  store_epochs e;
  EXPECT_EQ(e.file_under("s1", ""), "");  // not known yet
  e.announce("s1", "cccc000000000000", "upgraded");
  EXPECT_EQ(e.file_under("s1", ""), "cccc000000000000");
  EXPECT_EQ(e.file_under("s2", ""), "");
  // A later replacement box (created) does not take the old events over.
  e.announce("s1", "dddd000000000000", "created");
  EXPECT_EQ(e.file_under("s1", ""), "cccc000000000000");
}

TEST(bucket_ledger, revisions_compare_within_an_epoch_and_a_newer_epoch_wins) {
  store_epochs e;
  bucket_ledger l;
  e.announce("s1", "old0000000000000", "created");
  using o = bucket_ledger::outcome;
  EXPECT_EQ(l.file(e, "s1", "funnel/hour", "T10", "old0000000000000", 1, "r1"), o::first);
  EXPECT_EQ(l.file(e, "s1", "funnel/hour", "T10", "old0000000000000", 3, "r3"), o::newer);
  EXPECT_EQ(l.file(e, "s1", "funnel/hour", "T10", "old0000000000000", 2, "r2"), o::stale);  // late, reordered
  EXPECT_EQ(l.find("s1", "funnel/hour", "T10")->payload, "r3");
  // The replaced box's revision 1 supersedes the old box's revision 3 ...
  e.announce("s1", "new0000000000000", "created");
  EXPECT_EQ(l.file(e, "s1", "funnel/hour", "T10", "new0000000000000", 1, "n1"), o::newer);
  // ... and the old box's backlog arriving afterwards does not take it back.
  EXPECT_EQ(l.file(e, "s1", "funnel/hour", "T10", "old0000000000000", 4, "r4"), o::stale);
  const auto held = l.find("s1", "funnel/hour", "T10");
  EXPECT_EQ(held->epoch, "new0000000000000");
  EXPECT_EQ(held->revision, 1);
  EXPECT_EQ(held->payload, "n1");
  // Other keys, other stores: their own entries.
  EXPECT_EQ(l.file(e, "s1", "funnel/hour", "T11", "old0000000000000", 4, "x"), o::first);
  EXPECT_EQ(l.file(e, "s2", "funnel/hour", "T10", "", 1, "y"), o::first);
  EXPECT_EQ(l.size(), 3u);
}

}  // namespace
}  // namespace kelu::sync
