// HQ's broker set up as docs/hq.md says, with the project's own pieces: certificates from
// scripts/hq-ca, mosquitto taking each certificate's CN ("{tenant}/{store}") as the username, the
// ACL template packaging/hq/kelu.acl and the CA's CRL. A real box process talks through it; an
// impostor holding that box's key tries what a stolen box could; a revoked certificate is refused.
#include <gtest/gtest.h>
#include <mqtt/async_client.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent_fixture.hpp"
#include "support/mosquitto.hpp"
#include "support/process.hpp"
#include "sync/hq_tail.hpp"

namespace kelu {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// A client holding some certificate of the CA: HQ's console, or an impostor with a box's key. MQTT 5,
// so the broker says why a publish is refused instead of dropping it silently as 3.1.1 must.
class cert_client {
 public:
  cert_client(const std::string& uri, const std::string& id, const std::string& ca, const std::string& name)
      : client_(uri, id, mqtt::create_options(MQTTVERSION_5), nullptr) {
    client_.set_message_callback([this](mqtt::const_message_ptr m) {
      std::lock_guard lock(mutex_);
      if (m) received_.push_back(m->get_topic());
    });
    opts_.set_mqtt_version(MQTTVERSION_5);
    opts_.set_clean_start(true);
    opts_.set_connect_timeout(5);
    mqtt::ssl_options ssl;
    ssl.set_trust_store(ca);
    ssl.set_key_store(name + ".pem");
    ssl.set_private_key(name + ".key");
    opts_.set_ssl(std::move(ssl));
  }
  ~cert_client() {
    try {
      if (client_.is_connected()) client_.disconnect()->wait_for(2s);
    } catch (const mqtt::exception&) {
    }
  }
  bool connect() {
    try {
      return client_.connect(opts_)->wait_for(10s) && client_.is_connected();
    } catch (const mqtt::exception&) {
      return false;  // the TLS handshake or CONNECT was refused
    }
  }
  // The PUBACK's reason code: 0 accepted, 135 (0x87) not authorized.
  int publish(const std::string& topic, const std::string& payload, bool retain = false) {
    try {
      auto tok = client_.publish(topic, payload.data(), payload.size(), 1, retain);
      tok->wait_for(10s);
      return static_cast<int>(tok->get_reason_code());
    } catch (const mqtt::exception& e) {
      return static_cast<int>(e.get_reason_code());
    }
  }
  bool subscribe(const std::string& filter) { return client_.subscribe(filter, 1)->wait_for(10s); }
  std::vector<std::string> received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }

 private:
  mqtt::async_client client_;
  mqtt::connect_options opts_;
  mutable std::mutex mutex_;
  std::vector<std::string> received_;
};

class hq_broker : public test::agent_process {
 protected:
  void SetUp() override {
    agent_process::SetUp();
    if (IsSkipped()) return;
    if (!test::mosquitto::available()) GTEST_SKIP() << "mosquitto is not installed";
    broker->stop();
    ca("init");
    ca("server", {"127.0.0.1"});
    ca("issue", {"acme", "sh-001"});
    ca("issue", {"acme", "sh-002"});
    ca("client", {"hq"});
    test::broker_tls tls{ca_dir + "/ca.pem", ca_dir + "/server/127.0.0.1.pem", ca_dir + "/server/127.0.0.1.key", true};
    tls.identity_as_username = true;
    tls.acl_file = std::string(KELU_SOURCE_DIR) + "/packaging/hq/kelu.acl";
    tls.crl_file = ca_dir + "/crl.pem";
    broker = std::make_unique<test::mosquitto>(tls);
    broker->start();
    auto cfg = json::parse(std::ifstream(dir.file("kelu.json")));
    cfg["mqtt"]["uri"] = broker->uri();
    cfg["mqtt"]["tls"] = {{"ca_file", ca_dir + "/ca.pem"},
                          {"cert_file", cert("acme-sh-001") + ".pem"},
                          {"key_file", cert("acme-sh-001") + ".key"}};
    std::ofstream(dir.file("kelu.json")) << cfg.dump(2);
  }

  void ca(const std::string& cmd, std::vector<std::string> args = {}) {
    args.insert(args.begin(), {"/bin/bash", std::string(KELU_SOURCE_DIR) + "/scripts/hq-ca", cmd, ca_dir});
    test::process p(args, dir.file("hq-ca.log"));
    ASSERT_EQ(p.wait(60s), 0) << "scripts/hq-ca " << cmd << " failed";
  }
  std::string cert(const std::string& name) const { return ca_dir + "/issued/" + name; }

  std::unique_ptr<cert_client> client_as(const std::string& name, const std::string& id) {
    return std::make_unique<cert_client>(broker->uri(), id, ca_dir + "/ca.pem", cert(name));
  }

  std::unique_ptr<sync::hq_tail> hq_consumer() {
    sync::hq_tail_options o;
    o.uri = broker->uri();
    o.client_id = "hq-consumer";
    o.tenant = "acme";
    o.tls_ca_file = ca_dir + "/ca.pem";
    o.tls_cert_file = cert("hq") + ".pem";
    o.tls_key_file = cert("hq") + ".key";
    auto t = std::make_unique<sync::hq_tail>(o, nullptr);
    EXPECT_TRUE(t->start());
    return t;
  }

  static bool eventually(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(20ms);
    }
    return true;
  }

  std::string ca_dir = dir.file("ca");
};

TEST_F(hq_broker, a_box_certificate_reaches_its_own_topics_and_nothing_else) {
  auto hq = hq_consumer();
  start_agent();
  auto c = till();
  ASSERT_EQ(send(c, 0, 3).size(), 3u);
  ASSERT_TRUE(eventually([&] { return hq->high_water("sh-001", "pos-tcp") == 3; })) << log();
  // HQ's commands reach the box, and its reply reaches HQ.
  auto console = client_as("hq", "hq-console");
  ASSERT_TRUE(console->connect());
  EXPECT_EQ(console->publish("kelu/v1/acme/sh-001/cmd/replay",
                             R"({"request_id":"acl-1","source":"pos-tcp","from_seq":1,"to_seq":3})"),
            0);
  ASSERT_TRUE(logged("cmd/replay pos-tcp 1..3: queued 3", 20s)) << log();

  // Someone with the box's key (a stolen box, its SD card in a laptop).
  // A refused publish ends the connection, so each attempt has its own.
  int attempt = 0;
  const auto publish_as_box = [&](const std::string& topic) {
    auto impostor = client_as("acme-sh-001", "impostor-" + std::to_string(++attempt));
    EXPECT_TRUE(impostor->connect());
    return impostor->publish(topic, "{}");
  };
  EXPECT_EQ(publish_as_box("kelu/v1/acme/sh-001/events/pos"), 0);  // its own: allowed
  for (const auto* forbidden : {"kelu/v1/acme/sh-002/events/pos", "kelu/v1/acme/sh-002/status",
                                "kelu/v1/acme/sh-001/config/desired", "kelu/v1/acme/sh-001/cmd/replay",
                                "kelu/v1/other-tenant/sh-001/events/pos"})
    EXPECT_EQ(publish_as_box(forbidden), 135) << forbidden << ": not refused as not authorized";
  // Reading: the broker grants the subscription but never delivers another store's messages.
  auto impostor = client_as("acme-sh-001", "impostor-reader");
  ASSERT_TRUE(impostor->connect());
  ASSERT_TRUE(impostor->subscribe("kelu/v1/acme/sh-002/#"));
  ASSERT_TRUE(impostor->subscribe("kelu/v1/acme/sh-001/cmd/#"));
  EXPECT_EQ(console->publish("kelu/v1/acme/sh-002/cmd/replay", R"({"source":"pos-tcp","from_seq":1,"to_seq":1})"),
            0);
  EXPECT_EQ(console->publish("kelu/v1/acme/sh-001/cmd/ping", "{}"), 0);  // after it, in order
  ASSERT_TRUE(eventually([&] { return !impostor->received().empty(); }));
  EXPECT_EQ(impostor->received(), std::vector<std::string>{"kelu/v1/acme/sh-001/cmd/ping"});
  // What the real box sends got through: its status (the epoch) and events; and its subscriptions
  // were granted.
  EXPECT_EQ(hq->epochs("sh-001").size(), 1u);
  EXPECT_EQ(log().find("refused"), std::string::npos) << log();
  // kelu doctor reads the certificate the broker knows the box by.
  EXPECT_NE(kelu_output({"doctor", "-c", dir.file("kelu.json")}, -1).find("ok    certificate: acme/sh-001, valid until"),
            std::string::npos);
}

// A certificate for another store (a technician's copy-paste): the broker would drop everything the
// box sends as that store's. kelu doctor says so before the box leaves the technician's hands.
TEST_F(hq_broker, doctor_refuses_a_certificate_that_names_another_store) {
  auto cfg = json::parse(std::ifstream(dir.file("kelu.json")));
  cfg["mqtt"]["tls"]["cert_file"] = cert("acme-sh-002") + ".pem";
  cfg["mqtt"]["tls"]["key_file"] = cert("acme-sh-002") + ".key";
  std::ofstream(dir.file("kelu.json")) << cfg.dump(2);
  const auto out = kelu_output({"doctor", "-c", dir.file("kelu.json")}, 1);
  EXPECT_NE(out.find("FAIL  certificate: the certificate names acme/sh-002, this box is acme/sh-001"),
            std::string::npos)
      << out;
}

TEST_F(hq_broker, a_revoked_box_certificate_is_refused_and_the_other_boxes_go_on) {
  auto hq = hq_consumer();
  start_agent();
  auto c = till();
  ASSERT_EQ(send(c, 0, 1).size(), 1u);
  ASSERT_TRUE(eventually([&] { return hq->high_water("sh-001", "pos-tcp") == 1; })) << log();

  // The box is stolen: HQ revokes its certificate and restarts the broker, which reads the new CRL
  // and drops the connections it holds (every box reconnects within its backoff).
  ca("revoke", {cert("acme-sh-001") + ".pem"});
  broker->stop();
  broker->start();
  auto stolen = client_as("acme-sh-001", "stolen");
  EXPECT_FALSE(stolen->connect());
  auto other_box = client_as("acme-sh-002", "kelu-acme-sh-002");
  EXPECT_TRUE(other_box->connect());
  EXPECT_EQ(other_box->publish("kelu/v1/acme/sh-002/events/pos", "{}"), 0);

  // The stolen box keeps trying and is refused every time; what it takes meanwhile stays on it.
  const auto failures = [&] {
    const auto l = log();
    int n = 0;
    for (auto at = l.find("connect failed"); at != std::string::npos; at = l.find("connect failed", at + 1)) ++n;
    return n;
  };
  ASSERT_EQ(send(c, 1, 2).size(), 1u);
  ASSERT_TRUE(eventually([&] { return failures() >= 3; })) << log();
  const auto status = json::parse(kelu_output({"status", "--json", "-c", dir.file("kelu.json")}));
  EXPECT_FALSE(status["broker"]["connected"].get<bool>()) << status;
  EXPECT_GE(status["broker"]["outbox_rows"].get<int>(), 1) << status;
  EXPECT_EQ(hq->high_water("sh-001", "pos-tcp"), 1);
}

}  // namespace
}  // namespace kelu
