// SPDX-License-Identifier: Apache-2.0
// `kelu-hq config push` between a real mosquitto and a real PostgreSQL: a canary share first, the
// rest only when the canaries applied; a canary that rolls back halts the push. The stores are
// played by a client answering on config/reported as boxes do (docs/fleet.md, "What HQ hears").
#include <gtest/gtest.h>
#include <mqtt/async_client.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "hq/master/master_import.hpp"
#include "pg_rows_text.hpp"
#include "hq_test_base.hpp"
#include "support/process.hpp"

namespace kelu::hq {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// Five stores' boxes: online (retained status), answering each desired version with `answer`.
class fleet {
 public:
  fleet(const std::string& uri, std::string answer) : answer_(std::move(answer)), client_(uri, "test-fleet") {
    mqtt::connect_options o;
    o.set_clean_session(true);
    client_.start_consuming();
    client_.connect(o)->wait_for(10s);
    client_.subscribe("kelu/v1/acme/+/config/desired", 1)->wait_for(10s);
    for (int i = 1; i <= 5; ++i)
      client_.publish(root(i) + "status", R"({"state":"online"})", 1, true)->wait_for(10s);
  }
  ~fleet() {
    try {
      client_.disconnect()->wait_for(5s);
    } catch (const mqtt::exception&) {
    }
  }
  static std::string root(int i) { return "kelu/v1/acme/sh-00" + std::to_string(i) + "/"; }
  void retain(const std::string& topic, const std::string& payload) { client_.publish(topic, payload, 1, true)->wait_for(10s); }
  // Answers what came; each store's desired documents in `received`, in order.
  void serve() {
    mqtt::const_message_ptr m;
    while (client_.try_consume_message_for(&m, 50ms)) {
      if (!m || m->to_string().empty()) continue;
      const auto store = m->get_topic().substr(std::string("kelu/v1/acme/").size(), 6);
      const auto desired = json::parse(m->to_string());
      if (desired.value("version", 0) == 3) continue;  // the retained one the test put there before
      received.emplace_back(store, desired);
      json reported{{"state", answer_}, {"origin", "hq"}, {"version", desired["version"]},
                    {"applied_version", answer_ == "applied" ? desired["version"] : json(0)}, {"drift", json::array()},
                    {"running_hash", "0123456789abcdef"}, {"boot_id", std::string(32, 'a')},
                    {"at", "2026-12-04T10:00:00.000Z"}};
      if (answer_ == "rolled_back") reported["reason"] = {"mqtt: not connected within 20 s"};
      client_.publish("kelu/v1/acme/" + store + "/config/reported", reported.dump(), 1, true)->wait_for(10s);
    }
  }
  std::vector<std::pair<std::string, json>> received;

 private:
  std::string answer_;
  mqtt::async_client client_;
};

class config_push : public test::pg_broker_test {
 protected:
  void SetUp() override {
    pg_broker_test::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto t = csv_table::parse("store,time_zone,currency,region,region_from\n"
                              "sh-001,Asia/Shanghai,CNY,east,2025-01-01\nsh-002,Asia/Shanghai,CNY,east,2025-01-01\n"
                              "sh-003,Asia/Shanghai,CNY,east,2025-01-01\nsh-004,Asia/Shanghai,CNY,east,2025-01-01\n"
                              "sh-005,Asia/Shanghai,CNY,east,2025-01-01\n",
                              "stores.csv");
    ASSERT_TRUE(import_master(*db_, "acme", master_kind::stores, *t));
  }
  // Runs the push while the fleet answers; its exit code, its output in `out`.
  int push(fleet& f, const std::string& flag, const std::string& document) {
    const auto file = dir_.file("doc.json");
    std::ofstream(file) << document;
    const auto log = dir_.file("push.log");
    kelu::test::process p({KELU_HQ_BINARY, "config", "push", "--mqtt", broker_.uri(), "--db", pg_->conninfo(), "--tenant",
                           "acme", "--region", "east", flag, file, "--canary", "20", "--soak", "0", "--deadline", "60"},
                          log);
    while (p.running()) f.serve();
    std::ifstream in(log);
    out = std::string(std::istreambuf_iterator<char>(in), {});
    return WEXITSTATUS(p.wait(10s));
  }
  std::string sql(const std::string& q) { return test::rows_text(*db_, q); }

  std::string out;
};

TEST_F(config_push, a_canary_first_then_the_rest_and_a_patch_over_each_store_s_own_document) {
  fleet f(broker_.uri(), "applied");
  // sh-002 already runs HQ's version 3: the push is version 4 for all, and sh-002's patch is over its 3.
  f.retain(fleet::root(2) + "config/desired", R"({"version":3,"config":{"alerts":[],"health":{"interval_s":60}}})");
  ASSERT_EQ(push(f, "--patch", R"({"health":{"interval_s":30,"x":null},"mqtt":{"keep_alive_s":45}})"), 0) << out;
  ASSERT_EQ(f.received.size(), 5u) << out;
  // One canary (20 % of 5), alone, before anyone else.
  const auto canary = sql("SELECT store FROM config_push_stores WHERE canary");
  EXPECT_EQ(canary, f.received[0].first + "\n");
  for (const auto& [store, desired] : f.received) {
    EXPECT_EQ(desired["version"], 4) << store;
    if (store == "sh-002")
      EXPECT_EQ(desired["config"], json::parse(R"({"alerts":[],"health":{"interval_s":30},"mqtt":{"keep_alive_s":45}})"));
    else
      EXPECT_EQ(desired["config"], json::parse(R"({"health":{"interval_s":30},"mqtt":{"keep_alive_s":45}})")) << store;
  }
  EXPECT_EQ(sql("SELECT state, count(*) FROM config_push_stores GROUP BY 1"), "applied|5\n");
  EXPECT_NE(out.find("5 applied"), std::string::npos) << out;
  EXPECT_EQ(sql("SELECT version, kind, outcome FROM config_pushes"), "4|patch|done\n");
}

TEST_F(config_push, a_canary_that_rolls_back_halts_the_push_and_the_rest_are_never_sent_it) {
  fleet f(broker_.uri(), "rolled_back");
  ASSERT_EQ(push(f, "--config", R"({"mqtt":{"uri":"tcp://nowhere:1883"}})"), 1) << out;
  ASSERT_EQ(f.received.size(), 1u) << out;
  EXPECT_EQ(sql("SELECT canary, state, detail FROM config_push_stores ORDER BY canary DESC, store"),
            "t|rolled_back|mqtt: not connected within 20 s\nf|not_sent|\nf|not_sent|\nf|not_sent|\nf|not_sent|\n");
  EXPECT_NE(out.find("halted: canary " + f.received[0].first + " rolled_back"), std::string::npos) << out;
}

}  // namespace
}  // namespace kelu::hq
