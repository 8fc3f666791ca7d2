// SPDX-License-Identifier: Apache-2.0
// The drop folder against real files, a real SQLite store and the real group committer.
#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <fstream>
#include <future>
#include <thread>

#include "config/schema.hpp"
#include "drivers/drop_folder_source.hpp"
#include "drivers/pos_file_format.hpp"
#include "support/flaky_ingest.hpp"
#include "support/io_helpers.hpp"
#include "support/store_fixture.hpp"
#include "support/temp_dir.hpp"
#include "sync/database.hpp"
#include "sync/event_store.hpp"
#include "sync/group_committer.hpp"
#include "sync/outbox.hpp"

namespace kelu::drivers {
namespace {


using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::string csv_file(int first, int count) {
  std::string s = "transaction_id,time,item_id,description,quantity,unit_price\n";
  for (int i = first; i < first + count; ++i)
    s += std::to_string(i) + ",2026-11-27 10:00:00,SKU" + std::to_string(i % 7) + ",Item,1,1.00\n";
  return s;
}

void write(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

struct folder_fixture : test::store_fixture {
  void SetUp() override { start_io(); }
  void TearDown() override {
    if (source) source->stop();  // joins the worker; may wait for the io thread, so not on it
    stop_io({});
  }
  std::unique_ptr<drop_folder_source> make(core::event_ingest& ingest, std::size_t chunk = 500) {
    const auto defaults = config::defaults();
    auto o = drop_folder_options_for(defaults, defaults.sources.csv, "csv");
    o.store_id = "s1";
    o.source_id = "csv";
    o.folder = inbox;
    o.settle = 0s;
    o.rescan = 1s;
    o.chunk_events = chunk;
    return std::make_unique<drop_folder_source>(
        io.get_executor(), ingest, clock, o,
        [](std::string_view bytes) { return parse_file(pos_format::csv, bytes, format_options{}); },
        core::time_zone::utc(), std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>()));
  }
  fs::path inbox = dir.path() / "inbox";
  std::unique_ptr<drop_folder_source> source;
};

TEST_F(folder_fixture, files_present_at_start_and_dropped_later_are_committed_then_moved_to_done) {
  fs::create_directories(inbox);
  write(inbox / "a.csv", csv_file(1, 10));
  source = make(committer);
  ASSERT_TRUE(source->start());
  ASSERT_TRUE(test::eventually([&] { return fs::exists(inbox / "done" / "a.csv"); }));
  // Written under a temporary name, then renamed: inotify's IN_MOVED_TO picks it up.
  write(inbox / "b.csv.part", csv_file(11, 5));
  fs::rename(inbox / "b.csv.part", inbox / "b.csv");
  ASSERT_TRUE(test::eventually([&] { return fs::exists(inbox / "done" / "b.csv"); }));
  EXPECT_EQ(stored(), 15);
  EXPECT_FALSE(fs::exists(inbox / "a.csv"));
  const auto h = source->health();
  EXPECT_EQ(h.accepted, 15);
  EXPECT_EQ(h.duplicates, 0);
  EXPECT_EQ(h.driver, "csv");
  EXPECT_TRUE(h.last_event_at.has_value());
}

TEST_F(folder_fixture, a_bad_file_is_rejected_with_its_reason_and_the_rest_of_the_folder_flows) {
  fs::create_directories(inbox);
  write(inbox / "1-good.csv", csv_file(1, 3));
  write(inbox / "2-broken.csv", "no,header,we,know\n1,2,3,4\n");
  write(inbox / "3-partly.csv", csv_file(10, 2) + "12,2026-11-27 10:00:00,X,Bad,1,one euro\n");
  write(inbox / "4-good.csv", csv_file(20, 2));
  source = make(committer);
  ASSERT_TRUE(source->start());
  ASSERT_TRUE(test::eventually([&] { return fs::exists(inbox / "done" / "4-good.csv"); }));
  EXPECT_TRUE(fs::exists(inbox / "done" / "1-good.csv"));
  ASSERT_TRUE(fs::exists(inbox / "rejected" / "2-broken.csv"));
  std::ifstream e2(inbox / "rejected" / "2-broken.csv.error");
  const std::string why2{std::istreambuf_iterator<char>(e2), {}};
  EXPECT_NE(why2.find("line 1: no column \"transaction_id\" (sources.csv.columns.transaction)"), std::string::npos)
      << why2;
  // The good transactions of a partly bad file are stored; the file still goes to rejected/.
  ASSERT_TRUE(fs::exists(inbox / "rejected" / "3-partly.csv"));
  std::ifstream e3(inbox / "rejected" / "3-partly.csv.error");
  const std::string why3{std::istreambuf_iterator<char>(e3), {}};
  EXPECT_NE(why3.find("1 transaction(s) rejected; 2 new and 0 duplicate"), std::string::npos) << why3;
  EXPECT_NE(why3.find("line 4, column \"unit_price\": bad amount \"one euro\""), std::string::npos) << why3;
  EXPECT_EQ(stored(), 3 + 2 + 2);
  EXPECT_EQ(source->files_rejected(), 2);
  EXPECT_EQ(source->health().rejected, 2);  // the broken file, and one transaction
}

// What the parser read around is no reason to reject a file, and the source's health counts it
// for HQ: a GBK receipt list whose encoding was detected and one row without a payment amount.
TEST_F(folder_fixture, what_was_read_around_is_stored_and_counted_in_health) {
  fs::create_directories(inbox);
  // GB18030 bytes of "transaction_id,time,item_id,description,quantity,unit_price\n1,...,茶,1,1.00"
  write(inbox / "a.csv", "transaction_id,time,item_id,description,quantity,unit_price\n"
                         "1,2026-11-27 10:00:00,SKU1,\xB2\xE8,1,1.00\n");
  source = make(committer);
  ASSERT_TRUE(source->start());
  ASSERT_TRUE(test::eventually([&] { return fs::exists(inbox / "done" / "a.csv"); }));
  EXPECT_EQ(stored(), 1);
  EXPECT_EQ(source->health().read_around, 1);  // "file read as GB18030"
  EXPECT_EQ(source->health().rejected, 0);
}

TEST_F(folder_fixture, a_restart_in_the_middle_of_a_file_stores_every_transaction_once) {
  fs::create_directories(inbox);
  write(inbox / "day.csv", csv_file(1, 50));
  {
    // Storage fails after 3 chunks of 10: the file must stay in the inbox.
    test::flaky_ingest flaky(io, committer, 3);
    source = make(flaky, 10);
    ASSERT_TRUE(source->start());
    ASSERT_TRUE(test::eventually([&] { return !source->health().last_error.empty(); }));
    source->stop();
    source.reset();
  }
  EXPECT_TRUE(fs::exists(inbox / "day.csv"));
  EXPECT_EQ(stored(), 30);
  source = make(committer, 10);  // the agent restarted
  ASSERT_TRUE(source->start());
  ASSERT_TRUE(test::eventually([&] { return fs::exists(inbox / "done" / "day.csv"); }));
  EXPECT_EQ(stored(), 50);
  EXPECT_EQ(source->health().duplicates, 30);
}

TEST_F(folder_fixture, a_repeated_file_name_keeps_both_files_in_done) {
  fs::create_directories(inbox / "done");
  write(inbox / "done" / "x.csv", "an older export of the same name\n");
  write(inbox / "x.csv", csv_file(1, 2));
  source = make(committer);
  ASSERT_TRUE(source->start());
  ASSERT_TRUE(test::eventually([&] { return !fs::exists(inbox / "x.csv"); }));
  // The older done/x.csv is kept; the new one lands beside it under a suffixed name.
  std::size_t in_done = 0;
  for (const auto& e : fs::directory_iterator(inbox / "done")) in_done += e.path().filename().string().starts_with("x.csv") ? 1u : 0u;
  EXPECT_EQ(in_done, 2u);
  EXPECT_EQ(stored(), 2);
}

}  // namespace
}  // namespace kelu::drivers
