// SPDX-License-Identifier: Apache-2.0
// Gaps in a store's stream, found by two sink members sharing the stores (the gap state in
// PostgreSQL, not in either), asked for once, and filled by the store's replay; a range the store
// no longer has is recorded as lost and the stream goes on.
#include <gtest/gtest.h>
#include <mqtt/async_client.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "hq/db/pg_connection.hpp"
#include "pg_rows_text.hpp"
#include "hq_test_base.hpp"
#include "support/process.hpp"
#include "sync/replay.hpp"

namespace kelu::hq {
namespace {

using namespace std::chrono_literals;
constexpr const char* epoch = "00000000000000e1";

std::string event(const std::string& source, std::int64_t seq) {
  return nlohmann::json{{"id", "0123456789abcdef0123456789abcdef"}, {"store", "s1"}, {"epoch", epoch},
                        {"source", source}, {"stream", "pos"}, {"seq", seq},
                        {"observed_at", "2026-12-03T10:00:00.000Z"}, {"received_at", "2026-12-03T10:00:01.000Z"},
                        {"type", "pos.transaction"}, {"payload", {{"total_minor", 100}}}}
      .dump();
}

// The store's side: publishes its streams, and answers replay requests as a box does (the
// request read by the box's own parser, sync::parse_replay).
class store_box {
 public:
  explicit store_box(const std::string& uri) : client_(uri, "test-store-s1") {
    mqtt::connect_options o;
    o.set_clean_session(true);
    client_.start_consuming();
    client_.connect(o)->wait_for(10s);
    client_.subscribe("kelu/v1/acme/s1/cmd/replay", 1)->wait_for(10s);
  }
  ~store_box() {
    try {
      client_.disconnect()->wait_for(5s);
    } catch (const mqtt::exception&) {
    }
  }
  void publish(const std::string& source, std::int64_t from, std::int64_t to) {
    for (auto seq = from; seq <= to; ++seq)
      client_.publish("kelu/v1/acme/s1/events/pos", event(source, seq), 1, false)->wait_for(10s);
  }
  // Answers what has come: pos-tcp's range is resent; csv's 3..5 are gone (pruned).
  void serve() {
    mqtt::const_message_ptr m;
    while (client_.try_consume_message_for(&m, 50ms)) {
      if (!m) continue;
      auto r = sync::parse_replay(m->to_string());
      ASSERT_TRUE(r) << r.error_message() << ": " << m->to_string();
      requests.push_back(*r);
      EXPECT_EQ(r->epoch, epoch);
      nlohmann::json reply{{"request_id", r->request_id}, {"ok", true}, {"epoch", epoch}, {"source", r->source},
                           {"last_seq", r->source == "csv" ? 10 : 40}};
      if (r->source == "csv") {
        reply["queued"] = 0;
        reply["missing"] = {{3, 5}};
      } else {
        publish(r->source, r->from_seq, r->to_seq);
        reply["queued"] = r->to_seq - r->from_seq + 1;
        reply["missing"] = nlohmann::json::array();
      }
      client_.publish("kelu/v1/acme/s1/reply/replay", reply.dump(), 1, false)->wait_for(10s);
    }
  }
  std::vector<sync::replay_request> requests;

 private:
  mqtt::async_client client_;
};

class sink_gap : public test::pg_broker_test {
 protected:
  std::unique_ptr<kelu::test::process> member(const std::string& id) {
    const auto log = dir_.file(id + ".log");
    auto p = std::make_unique<kelu::test::process>(
        std::vector<std::string>{KELU_HQ_BINARY, "sink", "--mqtt", broker_.uri(), "--db", pg_->conninfo(), "--client-id",
                                 id, "--share-group", "hq", "--gap-grace", "1"},
        log);
    // Subscribed once its log says it files (before that, nothing waits for it at the broker).
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!contains(log, "filing") && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
    EXPECT_TRUE(contains(log, "filing")) << id << " did not subscribe\n" << logs();
    return p;
  }
  static bool contains(const std::string& file, const std::string& text) {
    std::ifstream f(file);
    return std::string(std::istreambuf_iterator<char>(f), {}).find(text) != std::string::npos;
  }
  std::string logs() const {
    std::string out;
    for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
      std::ifstream f(e.path());
      out += "--- " + e.path().filename().string() + "\n" + std::string(std::istreambuf_iterator<char>(f), {});
    }
    return out;
  }
  std::string sql(const std::string& q) { return test::rows_text(*db_, q); }
  std::int64_t number(const std::string& q) {
    auto r = db_->run(q);
    return std::holds_alternative<pg_rows>(r) && std::get<pg_rows>(r).size() ? std::get<pg_rows>(r).integer(0, 0) : -1;
  }
};

TEST_F(sink_gap, a_gap_is_asked_for_once_by_one_of_two_members_and_filled_and_a_pruned_range_is_lost) {
  auto a = member("hq-sink-a");
  auto b = member("hq-sink-b");
  store_box box(broker_.uri());
  box.publish("pos-tcp", 1, 10);
  box.publish("pos-tcp", 21, 40);  // 11..20 never arrived
  box.publish("csv", 1, 2);
  box.publish("csv", 6, 10);       // 3..5 the store no longer has
  const auto filled = [&] {
    return sql("SELECT source, contiguous FROM streams ORDER BY source") == "csv|10\npos-tcp|40\n";
  };
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (!filled() && std::chrono::steady_clock::now() < deadline) box.serve();
  ASSERT_TRUE(filled()) << sql("SELECT * FROM streams") << sql("SELECT * FROM replay_requests") << logs();
  // Let the members scan again several times: nothing more is asked.
  const auto scans = number("SELECT scans FROM gap_scans");
  while (number("SELECT scans FROM gap_scans") < scans + 3 && std::chrono::steady_clock::now() < deadline + 30s)
    box.serve();
  box.serve();
  ASSERT_EQ(box.requests.size(), 2u) << sql("SELECT * FROM replay_requests");
  EXPECT_EQ(sql("SELECT source, from_seq, to_seq, answered_at IS NOT NULL FROM replay_requests ORDER BY source"),
            "csv|3|5|t\npos-tcp|11|20|t\n");
  EXPECT_EQ(sql("SELECT source, from_seq, to_seq, reason FROM lost_ranges"),
            "csv|3|5|the store no longer has them\n");
  EXPECT_EQ(number("SELECT count(*) FROM events WHERE source = 'pos-tcp'"), 40);
  EXPECT_EQ(number("SELECT count(DISTINCT seq) FROM events WHERE source = 'pos-tcp'"), 40);
  EXPECT_EQ(a->stop(SIGTERM, 10s), 0);
  EXPECT_EQ(b->stop(SIGTERM, 10s), 0);
}

}  // namespace
}  // namespace kelu::hq
