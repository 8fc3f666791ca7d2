// SPDX-License-Identifier: Apache-2.0
// The disk under a running agent failing, and the power going, at chosen writes: the agent runs
// with support/power_cut_shim.cpp preloaded, which counts writes to its data directory and, at the
// chosen one, undoes every write not yet fsynced and kills the agent (a power cut), keeps a random
// half of them (a torn cut), or starts failing writes or fsyncs with EIO (a dying SD card). After
// every cut the database must open with `PRAGMA integrity_check` = ok and hold every sale the till
// was told was stored; at the end HQ has every sale once.
#include <signal.h>
#include <sys/wait.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>


#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "drivers/webhook_source.hpp"
#include "faults/disk_fault.hpp"
#include "faults/fault_figure.hpp"
#include "faults/hq_buckets.hpp"
#include "integration/agent_fixture.hpp"
#include "support/http_get.hpp"

namespace kelu {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using test::view_of;
namespace fs = std::filesystem;
using test::disk_fault;

// The cut points: writes counted from the agent's start, so the first rounds cut the database's
// creation and every round's start-up, the later ones the till's stream at growing depth.
std::vector<long long> cut_points() {
  std::vector<long long> at{1, 8, 45, 90, 150, 240, 400, 650, 1000, 1400};
  std::uint64_t x = 0x2545F4914F6CDD1Dull;
  while (static_cast<int>(at.size()) < 10 * test::fault_scale()) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    at.push_back(1 + static_cast<long long>(x % 1500));
  }
  return at;
}

class power_cut : public disk_fault, public testing::WithParamInterface<std::string> {};

TEST_P(power_cut, every_acknowledged_sale_survives_a_cut_at_any_write) {
  test::mqtt_collector hq{broker->uri(), "hq-power", "kelu/v1/acme/sh-001/events/#"};
  std::set<int> acked;
  int next = 0, in_start_up = 0, mid_stream = 0;
  const auto points = cut_points();
  for (const auto at : points) {
    const auto when = GetParam() + " cut at write " + std::to_string(at);
    if (start_cut_agent(GetParam(), at)) {
      while (offer(to_offer(acked, next, 100), acked)) {
        ASSERT_LT(next, 100000) << when << ": never cut";
      }
      ++mid_stream;
    } else {
      ++in_start_up;
    }
    const int status = agent->wait(30s);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << when << ": status " << status << "\n" << log();
    ASSERT_EQ(cuts().size(), static_cast<std::size_t>(in_start_up + mid_stream)) << when << ": the shim did not cut";
    expect_database_holds(acked, when);
    if (HasFailure()) return;
  }
  long long reverted = 0, kept = 0;
  for (const auto& c : cuts()) reverted += c["reverted_bytes"].get<long long>(), kept += c["kept_bytes"].get<long long>();
  start_agent();
  finish_and_expect_every_sale_at_hq(hq, acked, next, [&](const auto& ids) { offer(ids, acked); });
  test::fault_figure("power_cut_" + GetParam(),
                     {{"cuts", points.size()}, {"in_start_up", in_start_up}, {"mid_stream", mid_stream},
                      {"sales", next}, {"unsynced_bytes_lost", reverted}, {"unsynced_bytes_kept", kept},
                      {"lost", 0}, {"doubled", 0}});
}

INSTANTIATE_TEST_SUITE_P(cut, power_cut, testing::Values("power", "torn"), [](const auto& p) { return p.param; });

class failing_disk : public disk_fault, public testing::WithParamInterface<std::string> {};

// A card that starts failing writes (or only fsyncs) mid-stream: the agent refuses sales with
// "retry" instead of acknowledging what it could not store, stays up, and once the disk is
// replaced (here: the shim gone) takes the till's resent sales, each once.
TEST_P(failing_disk, refuses_what_it_cannot_store_stays_up_and_loses_nothing_acknowledged) {
  test::mqtt_collector hq{broker->uri(), "hq-eio", "kelu/v1/acme/sh-001/events/#"};
  std::set<int> acked;
  int next = 0;
  std::size_t refused = 0;
  // Past start-up: the first fault lands on the till's stream.
  ASSERT_TRUE(start_cut_agent(GetParam(), GetParam() == "eio" ? 300 : 40)) << log();
  for (int round = 0; round < 20 && refused < 200; ++round)
    ASSERT_TRUE(offer(to_offer(acked, next, 100), acked, &refused)) << "the agent died\n" << log();
  ASSERT_GE(refused, 200u) << "the disk never failed under the agent";
  ASSERT_EQ(cuts().size(), 1u);
  EXPECT_TRUE(agent->running());
  const auto answered_ok = acked.size();
  EXPECT_GT(answered_ok, 0u);
  // However it leaves (a clean stop may fail to checkpoint), it leaves within the deadline.
  EXPECT_GE(agent->stop(SIGTERM, 15s), 0) << log();
  expect_database_holds(acked, GetParam() + " after the stop");
  start_agent();
  finish_and_expect_every_sale_at_hq(hq, acked, next, [&](const auto& ids) { offer(ids, acked); });
  test::fault_figure("disk_" + GetParam(), {{"sales", next}, {"acknowledged_before_fault", answered_ok},
                                            {"refused_retry", refused}, {"lost", 0}, {"doubled", 0}});
}

INSTANTIATE_TEST_SUITE_P(fault, failing_disk, testing::Values("eio", "fsync-eio"),
                         [](const auto& p) { return p.param == "eio" ? std::string("eio") : "fsync_eio"; });

// The POS behind a signed webhook (drivers/webhook_source.hpp), killed under again and again.
class kill_9 : public disk_fault {
 protected:
  static constexpr const char* secret = "webhook-secret-0123456789";

  void SetUp() override {
    disk_fault::SetUp();
    if (IsSkipped()) return;
    webhook_port = test::free_port();
    std::ofstream(dir.file("secrets")) << "W1 " << secret << "\n";
    fs::permissions(dir.file("secrets"), fs::perms::owner_read | fs::perms::owner_write);
    auto cfg = json::parse(std::ifstream(dir.file("kelu.json")));
    cfg["sources"]["webhook"] = {{"enabled", true}, {"listen", "127.0.0.1"}, {"port", webhook_port},
                                 {"secrets_file", dir.file("secrets")}};
    std::ofstream(dir.file("kelu.json")) << cfg.dump(2);
  }

  // Posts sales `ids` as one signed batch; adds them to `acked` when the answer is 200 (all stored).
  // False when the connection failed (the agent died) or the agent asked to retry.
  bool post(const std::vector<int>& ids, std::set<int>& acked) {
    auto records = json::array();
    for (const int n : ids) {
      auto r = json::parse(test::txn_line(n));
      r["terminal"] = "W1";
      records.push_back(std::move(r));
    }
    const auto body = records.dump();
    const auto res = test::http_post(webhook_port, "/pos/transactions", body,
                                     {{"X-Kelu-Terminal", "W1"}, {"X-Kelu-Signature", drivers::webhook_signature(secret, body)}});
    if (res.status != 200) return false;
    acked.insert(ids.begin(), ids.end());
    return true;
  }

  std::uint16_t webhook_port = 0;
};

// kill -9 while the POS posts batches of 20 sales: each round kills the agent after a few more
// answered batches, with a batch in flight; the POS resends what got no 200. After every kill the
// database is whole and holds every acknowledged sale; at the end HQ has each sale once.
TEST_F(kill_9, webhook_batches_posted_through_repeated_kills_are_stored_once_each) {
  test::mqtt_collector hq{broker->uri(), "hq-kill", "kelu/v1/acme/sh-001/events/#"};
  std::set<int> acked;
  int next = 0;
  const int kills = 20 * test::fault_scale();
  for (int k = 0; k < kills; ++k) {
    start_agent();
    ASSERT_TRUE(test::wait_for_port(webhook_port, 10s)) << log();
    std::atomic<int> answered{0};
    const int kill_after = 1 + k % 4;
    auto killer = kill_when([&] { return answered >= kill_after; });  // the POS's own count of answers
    for (int batch = 0; batch < 1000 && agent->running(); ++batch) {
      if (post(to_offer(acked, next, 20), acked)) ++answered;
    }
    killer.join();
    expect_database_holds(acked, "after kill " + std::to_string(k + 1));
    if (HasFailure()) return;
  }
  start_agent();
  ASSERT_TRUE(test::wait_for_port(webhook_port, 10s)) << log();
  finish_and_expect_every_sale_at_hq(hq, acked, next, [&](const auto& ids) { post(ids, acked); });
  test::fault_figure("kill_9_webhook", {{"kills", kills}, {"sales", next}, {"lost", 0}, {"doubled", 0}});
}

// Analytics closing and revising hour buckets while the agent is killed: sales for six hours of
// yesterday arrive 40 a round (late data: each round revises those hours), and each round kills the
// agent once HQ has received one to three more hour buckets, so the kill lands while analytics is
// still writing or sending that cycle's buckets. At the end every hour's newest bucket at HQ counts
// exactly the sales stored for it, and no (hour, epoch, revision) ever came with two sets of figures.
class kill_9_analytics : public disk_fault {
 protected:
  void SetUp() override {
    disk_fault::SetUp();
    if (IsSkipped()) return;
    auto cfg = json::parse(std::ifstream(dir.file("kelu.json")));
    cfg["analytics"] = {{"close_grace_s", 0}, {"live_interval_s", 1}};
    std::ofstream(dir.file("kelu.json")) << cfg.dump(2);
    // Yesterday in the store's zone (Asia/Shanghai, UTC+8, no DST).
    const std::chrono::year_month_day d{std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now() + 8h - 24h)};
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                  static_cast<unsigned>(d.day()));
    day = buf;
    sale_line = [this](int n) {
      auto line = json::parse(test::txn_line(n));
      line["time"] = local_time(hour_of(n), n % 60);
      return line.dump() + "\n";
    };
  }
  static int hour_of(int n) { return 10 + n % 6; }
  std::string local_time(int hour, int minute) const {
    char buf[32];
    std::snprintf(buf, sizeof buf, "T%02d:%02d:00+08:00", hour, minute);
    return day + buf;
  }
  std::string local_hour(int hour) const { return local_time(hour, 0); }

  std::string day;
};

TEST_F(kill_9_analytics, hour_buckets_revised_through_repeated_kills_count_every_sale_once) {
  test::mqtt_collector hq{broker->uri(), "hq-kill-analytics", "kelu/v1/acme/sh-001/#"};
  const auto buckets_in = [](const std::vector<test::received>& m) {
    return std::count_if(m.begin(), m.end(), [](const auto& r) { return r.topic.ends_with("/metrics/funnel/hour"); });
  };
  const auto buckets_sent = [&] { return buckets_in(hq.messages()); };
  std::set<int> acked;
  int next = 0;
  const int kills = 20 * test::fault_scale();
  for (int k = 0; k < kills; ++k) {
    start_agent();
    const auto before = buckets_sent();
    offer(to_offer(acked, next, 40), acked);
    ASSERT_TRUE(hq.wait_until([&](const auto& m) { return buckets_in(m) >= before + 1 + k % 3; }, 30s))
        << "round " << k << ": no buckets in 30 s\n" << log();
    agent->stop(SIGKILL, 10s);
    expect_database_holds(acked, "after kill " + std::to_string(k + 1));
    if (HasFailure()) return;
  }
  start_agent();
  for (int attempt = 0; static_cast<int>(acked.size()) < next && attempt < 100; ++attempt) {
    int upto = next;
    offer(to_offer(acked, upto, next - static_cast<int>(acked.size())), acked);
  }
  ASSERT_EQ(static_cast<int>(acked.size()), next) << log();
  std::map<std::string, int> expected;
  for (int n = 0; n < next; ++n) ++expected[local_hour(hour_of(n))];
  const auto settled = [&](const std::vector<test::received>& m) {
    const auto hours = test::hour_buckets(m);
    return std::all_of(expected.begin(), expected.end(), [&](const auto& e) {
      const auto it = hours.find(e.first);
      return it != hours.end() && it->second["figures"]["transactions"] == e.second;
    });
  };
  ASSERT_TRUE(hq.wait_until(settled, 60s)) << [&] {
    std::string s;
    for (const auto& [h, b] : test::hour_buckets(hq.messages())) s += h + " " + b["figures"].dump() + "\n";
    return s;
  }() << log();
  EXPECT_EQ(test::revisions_reused(hq.messages()), std::vector<std::string>{});
  EXPECT_EQ(agent->stop(SIGTERM, 15s), 0) << log();
  expect_database_holds(acked, "after the last run");
  test::fault_figure("kill_9_analytics", {{"kills", kills}, {"sales", next}, {"hour_buckets_received", buckets_sent()},
                                          {"revisions_reused", 0}, {"lost", 0}, {"doubled", 0}});
}

}  // namespace
}  // namespace kelu
