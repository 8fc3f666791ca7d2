// SPDX-License-Identifier: Apache-2.0
#pragma once
// The agent as a process for integration tests: a config in a temp dir pointing at a real broker
// the fixture starts, `kelu run` started and stopped by PID, a till over TCP, and HQ's tools
// (mosquitto_pub) publishing to the box. Shared by the delivery and the fleet suites.
#include <signal.h>
#include <sys/wait.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "drivers/pos_tcp_client.hpp"
#include "support/broker.hpp"
#include "support/mqtt_collector.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace kelu::test {

using namespace std::chrono_literals;
using nlohmann::json;

inline std::string txn_line(int n) {
  return json{{"terminal", "T" + std::to_string(n % 4)},
              {"transaction_id", "R" + std::to_string(n)},
              {"time", "2026-11-27T18:00:00+08:00"},
              {"total", std::to_string(n) + ".50"},
              {"items", json::array({{{"item_id", "SKU" + std::to_string(n % 17)}, {"quantity", 1}}})}}
             .dump() +
         "\n";
}

// What HQ saw, deduplicated on (source, seq) as an HQ consumer does.
struct hq_view {
  std::map<std::pair<std::string, std::int64_t>, std::string> by_identity;  // -> transaction id
  std::map<std::string, std::set<std::int64_t>> seqs_of_txn;
  std::size_t raw = 0;
};

inline hq_view view_of(const std::vector<test::received>& msgs) {
  hq_view v;
  for (const auto& m : msgs) {
    if (!m.topic.ends_with("/events/pos")) continue;
    ++v.raw;
    const auto j = json::parse(m.payload);
    const auto id = j["payload"]["transaction_id"].get<std::string>();
    v.by_identity[{j["source"].get<std::string>(), j["seq"].get<std::int64_t>()}] = id;
    v.seqs_of_txn[id].insert(j["seq"].get<std::int64_t>());
  }
  return v;
}

class agent_process : public testing::Test {
 protected:
  virtual std::string broker_kind() const { return "mosquitto"; }

  void SetUp() override {
    std::string why;
    broker = test::make_broker(broker_kind(), nullptr, &why);
    if (!broker) GTEST_SKIP() << why;
    broker->start();
    pos_port = test::free_port();
    std::ofstream(dir.file("kelu.json")) << json{
        {"store", {{"tenant", "acme"}, {"id", "sh-001"}, {"time_zone", "Asia/Shanghai"}}},
        {"storage", {{"path", dir.file("kelu.db")}}},
        {"mqtt", {{"uri", broker->uri()}, {"reconnect_min_ms", 50}, {"reconnect_max_ms", 500}}},
        {"sources", {{"pos_tcp", {{"listen", "127.0.0.1"}, {"port", pos_port}}}}},
        {"health", {{"interval_s", 1}}},
        {"dashboard", {{"listen", "127.0.0.1"}, {"port", 0}}}}.dump(2);  // parallel agents: a free port each
  }

  void start_agent(const std::vector<std::string>& env = {}) {
    agent = std::make_unique<test::process>(
        std::vector<std::string>{KELU_BINARY, "run", "--config", dir.file("kelu.json")}, dir.file("kelu.log"), env);
    ASSERT_TRUE(test::wait_for_port(pos_port, 10s)) << "agent did not listen; log:\n" << log();
  }

  // What a `kelu` command prints (stdout and stderr), once it has exited with `exit_status` (-1: any).
  std::string kelu_output(std::vector<std::string> args, int exit_status = 0) {
    args.insert(args.begin(), KELU_BINARY);
    std::filesystem::remove(dir.file("command.out"));
    test::process p(std::move(args), dir.file("command.out"));
    const auto status = WEXITSTATUS(p.wait(30s));
    if (exit_status >= 0) {
      EXPECT_EQ(status, exit_status);
    }
    std::ifstream in(dir.file("command.out"));
    return {std::istreambuf_iterator<char>(in), {}};
  }

  std::string log() const {
    std::ifstream in(dir.file("kelu.log"));
    return {std::istreambuf_iterator<char>(in), {}};
  }

  // Polls the agent's log for `text`.
  bool logged(const std::string& text, std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (log().find(text) == std::string::npos) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(20ms);
    }
    return true;
  }

  drivers::pos_tcp_client till() {
    auto c = drivers::pos_tcp_client::connect(box_address, pos_port, 5s);
    EXPECT_TRUE(c) << c.error_message();
    return std::move(c).value();
  }

  // Sends lines [from, to) pipelined in chunks; returns the transaction ids acknowledged ok.
  static std::set<std::string> send(drivers::pos_tcp_client& c, int from, int to, std::size_t* answered = nullptr) {
    std::set<std::string> acked;
    for (int chunk = from; chunk < to; chunk += 50) {
      std::string burst;
      const int end = std::min(chunk + 50, to);
      for (int n = chunk; n < end; ++n) burst += txn_line(n);
      if (!c.send(burst, 5s)) break;
      for (int n = chunk; n < end; ++n) {
        auto line = c.read_line(10s);
        if (!line) return acked;
        const auto a = json::parse(*line);
        if (a["ok"].get<bool>()) acked.insert(a["transaction_id"].get<std::string>());
        if (answered) ++*answered;
      }
    }
    return acked;
  }

  // mosquitto_pub, as HQ's tools publish (3.1.1, which every broker here speaks).
  void hq_publishes(const std::string& topic, const std::string& payload, bool retain = false) {
    std::ofstream(dir.file("payload"), std::ios::binary) << payload;  // any bytes, any size
    std::vector<std::string> argv{"/usr/bin/mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(broker->port()),
                                  "-V", "mqttv311", "-q", "1", "-t", topic, "-f", dir.file("payload")};
    if (retain) argv.push_back("-r");
    test::process pub(argv, dir.file("pub.log"));
    ASSERT_EQ(pub.wait(10s), 0);
  }

  test::temp_dir dir;
  std::unique_ptr<test::broker> broker;
  std::uint16_t pos_port = 0;
  std::string box_address = "127.0.0.1";  // where tills reach the agent
  std::unique_ptr<test::process> agent;
};

// The delivery suite: every case against mosquitto and against RabbitMQ's MQTT plugin, so the box
// is shown to assume nothing broker-specific.
class agent_delivery : public agent_process, public testing::WithParamInterface<std::string> {
 protected:
  std::string broker_kind() const override { return GetParam(); }
};

}  // namespace kelu::test
