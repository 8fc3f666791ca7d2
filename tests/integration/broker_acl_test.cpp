// SPDX-License-Identifier: Apache-2.0
// HQ's broker set up as docs/hq.md says, with the project's own pieces: certificates from
// scripts/hq-ca, mosquitto taking each certificate's CN ("{tenant}/{store}") as the username, the
// ACL template packaging/hq/kelu.acl and the CA's CRL. A real box process talks through it; an
// impostor holding that box's key tries what a stolen box could; a revoked certificate is refused.
#include <gtest/gtest.h>
#include <mqtt/async_client.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent_fixture.hpp"
#include "support/http_get.hpp"
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
      if (!m) return;
      received_.push_back(m->get_topic());
      payloads_[m->get_topic()] = m->to_string();
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
  // The latest payload on `topic`; empty when none came.
  std::string payload(const std::string& topic) const {
    std::lock_guard lock(mutex_);
    const auto it = payloads_.find(topic);
    return it == payloads_.end() ? std::string() : it->second;
  }

 private:
  mqtt::async_client client_;
  mqtt::connect_options opts_;
  mutable std::mutex mutex_;
  std::vector<std::string> received_;
  std::map<std::string, std::string> payloads_;
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
                                "kelu/v1/acme/sh-001/software/desired", "kelu/v1/acme/software/desired",
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
  // The box reads the version its tenant's estate should run and answers on its software/reported.
  const std::string software = "kelu/v1/acme/sh-001/software/reported";
  ASSERT_TRUE(console->subscribe(software));
  EXPECT_EQ(console->publish("kelu/v1/acme/software/desired", R"({"version":"0.0.1"})", true), 0);
  ASSERT_TRUE(eventually([&] {
    const auto p = console->payload(software);
    return !p.empty() && json::parse(p)["desired"].is_object();
  })) << log();
  EXPECT_EQ(json::parse(console->payload(software))["desired"]["from"], "estate");
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

// A box as the package leaves it (no store, no certificate) enrolled with a code from HQ's
// enrolment server, with HQ's broker as above.
class enrolment : public hq_broker {
 protected:
  void SetUp() override {
    hq_broker::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto cfg = json::parse(std::ifstream(dir.file("kelu.json")));
    cfg["store"].erase("tenant");
    cfg["store"].erase("id");
    cfg["mqtt"] = {{"uri", "tcp://127.0.0.1:1"}};  // the package's placeholder: HQ's settings replace it
    dashboard_port = test::free_port();
    cfg["dashboard"]["port"] = dashboard_port;
    std::ofstream(dir.file("kelu.json")) << cfg.dump(2);
    std::ofstream(dir.file("estate.json"))
        << json{{"mqtt.uri", broker->uri()}, {"mqtt.reconnect_min_ms", 50}, {"mqtt.reconnect_max_ms", 500}}.dump();
    std::ofstream(dir.file("store.json")) << json{{"store.time_zone", "Asia/Shanghai"}}.dump();
    server = std::make_unique<test::process>(
        std::vector<std::string>{KELU_BINARY, "hq", "enroll-server", "--codes", dir.file("codes.db"), "--sign",
                                 "/bin/bash " + std::string(KELU_SOURCE_DIR) + "/scripts/hq-ca sign " + ca_dir, "--ca",
                                 ca_dir + "/ca.pem", "--revoke",
                                 "/bin/bash " + std::string(KELU_SOURCE_DIR) + "/scripts/hq-ca revoke " + ca_dir,
                                 "--cert", ca_dir + "/server/127.0.0.1.pem", "--key",
                                 ca_dir + "/server/127.0.0.1.key", "--settings", dir.file("estate.json"), "--listen",
                                 "127.0.0.1", "--port", "0"},
        dir.file("enrol-server.log"));
    ASSERT_TRUE(eventually([&] { return server_log().find("listening on https://127.0.0.1:") != std::string::npos; }))
        << server_log();
    const auto l = server_log();
    hq_url = "https://127.0.0.1:" + l.substr(l.find("127.0.0.1:") + 10, l.find('\n', l.find("127.0.0.1:")) -
                                                                           l.find("127.0.0.1:") - 10);
  }

  std::string server_log() const {
    std::ifstream in(dir.file("enrol-server.log"));
    return {std::istreambuf_iterator<char>(in), {}};
  }

  // `kelu hq enroll-code` as HQ's operator runs it: the code it prints.
  std::string issue_code() {
    const auto out = kelu_output({"hq", "enroll-code", "--codes", dir.file("codes.db"), "--tenant", "acme", "--store",
                                  "sh-042", "--settings", dir.file("store.json"), "--hq", hq_url});
    EXPECT_NE(out.find("at the box: sudo kelu enroll "), std::string::npos) << out;
    return out.substr(5, 14);  // "code K7QF-2M9X-TR4P for ..."
  }

  std::string enroll(const std::string& code, int exit_status) {
    return kelu_output({"enroll", code, "--hq", hq_url, "--hq-ca", ca_dir + "/ca.pem", "-c", dir.file("kelu.json")},
                       exit_status);
  }

  // The manager's token as `kelu qr` prints it in the dashboard's link.
  std::string dashboard_token() {
    const auto out = kelu_output({"qr", "-c", dir.file("kelu.json")});
    const auto at = out.find("?t=");
    EXPECT_NE(at, std::string::npos) << out;
    return out.substr(at + 3, out.find_first_of("\n&", at) - at - 3);
  }

  int today_status(const std::string& token) {
    return test::http_get(dashboard_port, "/api/v1/today", {{"Authorization", "Bearer " + token}}).status;
  }

  std::unique_ptr<test::process> server;
  std::string hq_url;
  std::uint16_t dashboard_port = 0;
};

TEST_F(enrolment, a_box_from_the_package_enrols_with_one_code_and_counts_for_its_store) {
  auto hq = hq_consumer();
  const auto code = issue_code();
  // The box as installed: the sample's store (acme/store-001), no broker it can reach, no certificate.
  auto cfg = json::parse(std::ifstream(dir.file("kelu.json")));
  cfg["store"]["tenant"] = "acme";
  cfg["store"]["id"] = "store-001";
  std::ofstream(dir.file("kelu.json")) << cfg.dump(2);
  start_agent();

  // The agent starts again as the store and reaches HQ through the ACL with its new certificate
  // before the command returns: HQ has heard its status, then gets its sales.
  const auto out = enroll(code, 0);
  EXPECT_NE(out.find("enrolled as acme/sh-042"), std::string::npos) << out;
  EXPECT_NE(out.find("running as acme/sh-042, connected to"), std::string::npos) << out;
  ASSERT_TRUE(eventually([&] { return !hq->epochs("sh-042").empty(); })) << log();
  ASSERT_TRUE(test::wait_for_port(pos_port, 10s)) << log();
  auto c = till();
  ASSERT_EQ(send(c, 0, 3).size(), 3u);
  ASSERT_TRUE(eventually([&] { return hq->high_water("sh-042", "pos-tcp") == 3; })) << log();
  EXPECT_EQ(log().find("refused"), std::string::npos) << log();
  // What the sample store had queued (status, health) went: HQ's broker would refuse it for ever.
  EXPECT_NE(log().find("queued messages of another store: this box is acme/sh-042 now"), std::string::npos);
  // The key never left the box, and nothing else can read it.
  struct stat key_stat {};
  ASSERT_EQ(::stat(dir.file("box.key").c_str(), &key_stat), 0);
  EXPECT_EQ(key_stat.st_mode & 0777, 0600u);
  EXPECT_FALSE(std::filesystem::exists(dir.file("box.key.pending")));
  EXPECT_NE(kelu_output({"doctor", "-c", dir.file("kelu.json")}, -1).find("ok    certificate: acme/sh-042, valid until"),
            std::string::npos);
  const auto settings = kelu_output({"config", "show", "-c", dir.file("kelu.json")});
  EXPECT_NE(settings.find("store.time_zone"), std::string::npos);
  EXPECT_NE(settings.find("\"Asia/Shanghai\""), std::string::npos) << settings;

  // The code is spent: a second box (or a replay of the technician's command) gets nothing.
  const auto again = enroll(code, 1);
  EXPECT_NE(again.find("HQ refused (403 used)"), std::string::npos) << again;
  EXPECT_NE(server_log().find("enrolled acme/sh-042 from 127.0.0.1"), std::string::npos) << server_log();
}

TEST_F(enrolment, enrolling_again_rotates_the_dashboard_tokens_revokes_the_old_certificate_and_delivers) {
  auto hq = hq_consumer();
  ASSERT_NE(enroll(issue_code(), 0).find("no agent answered"), std::string::npos);  // kept for the next start
  start_agent();
  auto c = till();
  ASSERT_EQ(send(c, 0, 1).size(), 1u);
  ASSERT_TRUE(eventually([&] { return hq->high_water("sh-042", "pos-tcp") == 1; })) << log();
  const auto old_token = dashboard_token();
  ASSERT_TRUE(test::wait_for_port(dashboard_port, 10s));
  EXPECT_EQ(today_status(old_token), 200);

  // The box was handed to a new manager (or its QR sign photographed, or its key copied): enrolled
  // again. The agent starts again with the new key and certificate, and the command returns once
  // HQ's broker took it; HQ revokes the certificate the box had.
  std::filesystem::copy_file(dir.file("box.crt"), dir.file("old-box.pem"));
  std::filesystem::copy_file(dir.file("box.key"), dir.file("old-box.key"));
  const auto out = enroll(issue_code(), 0);
  EXPECT_NE(out.find("QR codes printed before no longer open it"), std::string::npos) << out;
  EXPECT_NE(out.find("running as acme/sh-042, connected to ssl://127.0.0.1:"), std::string::npos) << out;
  ASSERT_TRUE(test::wait_for_port(dashboard_port, 10s));
  EXPECT_EQ(today_status(old_token), 401);
  const auto new_token = dashboard_token();
  EXPECT_NE(new_token, old_token);
  EXPECT_EQ(today_status(new_token), 200);
  ASSERT_NE(server_log().find("acme/sh-042: revoked the certificate of its enrolment at"), std::string::npos)
      << server_log();
  // Once the broker reads the new CRL (a restart), the old certificate is refused and the box,
  // with its new one, delivers.
  hq.reset();
  broker->stop();
  broker->start();
  EXPECT_FALSE(cert_client(broker->uri(), "old-box", ca_dir + "/ca.pem", dir.file("old-box")).connect());
  hq = hq_consumer();
  ASSERT_TRUE(test::wait_for_port(pos_port, 10s));
  c = till();
  ASSERT_EQ(send(c, 1, 2).size(), 1u);
  ASSERT_TRUE(eventually([&] { return hq->high_water("sh-042", "pos-tcp") == 2; })) << log();
}

// A box whose file names no store (or does not load for another reason) runs in minimal mode:
// its control socket takes the enrolment all the same and the agent proper starts.
TEST_F(enrolment, a_box_in_minimal_mode_enrols_and_starts_counting) {
  auto hq = hq_consumer();
  agent = std::make_unique<test::process>(std::vector<std::string>{KELU_BINARY, "run", "--config", dir.file("kelu.json")},
                                          dir.file("kelu.log"));
  ASSERT_TRUE(logged("minimal mode", 20s)) << log();
  const auto out = enroll(issue_code(), 0);
  EXPECT_NE(out.find("running as acme/sh-042, connected to"), std::string::npos) << out;
  ASSERT_TRUE(test::wait_for_port(pos_port, 10s)) << log();
  auto c = till();
  ASSERT_EQ(send(c, 0, 2).size(), 2u);
  ASSERT_TRUE(eventually([&] { return hq->high_water("sh-042", "pos-tcp") == 2; })) << log();
}

TEST_F(enrolment, a_box_holding_another_stores_data_is_not_enrolled_over_it) {
  auto cfg = json::parse(std::ifstream(dir.file("kelu.json")));
  cfg["store"]["tenant"] = "acme";
  cfg["store"]["id"] = "sh-001";
  std::ofstream(dir.file("kelu.json")) << cfg.dump(2);
  start_agent();  // it counts one sale for sh-001
  auto c = till();
  ASSERT_EQ(send(c, 0, 1).size(), 1u);
  ASSERT_EQ(agent->stop(SIGTERM, 10s), 0);
  const auto code = issue_code();
  const auto out = enroll(code, 1);
  EXPECT_NE(out.find("this box holds the data of acme/sh-001"), std::string::npos) << out;
  EXPECT_FALSE(std::filesystem::exists(dir.file("box.crt")));
  // Moved aside, the same code finishes the job: HQ sends the same certificate again.
  std::filesystem::rename(dir.file("kelu.db"), dir.file("kelu.db.sh-001"));
  EXPECT_NE(enroll(code, 0).find("enrolled as acme/sh-042"), std::string::npos);
  EXPECT_NE(server_log().find("a repeated request"), std::string::npos) << server_log();
}

}  // namespace
}  // namespace kelu
