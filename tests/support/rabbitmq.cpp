// SPDX-License-Identifier: Apache-2.0
#include "rabbitmq.hpp"

#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

namespace kelu::test {

namespace {
constexpr const char* start_script = "/usr/lib/rabbitmq/bin/rabbitmq-server";
constexpr const char* epmd_binary = "/usr/bin/epmd";
}  // namespace

bool rabbitmq::available() { return ::access(start_script, X_OK) == 0 && ::access(epmd_binary, X_OK) == 0; }

rabbitmq::rabbitmq(const broker_tls* tls)
    : tls_(tls != nullptr), port_(free_port()), epmd_port_(free_port()), dist_port_(free_port()) {
  std::ofstream(dir_.file("enabled_plugins")) << "[rabbitmq_mqtt].\n";
  std::ofstream conf(dir_.file("rabbitmq.conf"));
  // No AMQP listener: only MQTT is under test, and a fixed 5672 would collide between fixtures.
  conf << "listeners.tcp = none\n"
       << "mqtt.allow_anonymous = true\n"
       << "loopback_users = none\n";
  if (!tls) {
    conf << "mqtt.listeners.tcp.default = 127.0.0.1:" << port_ << "\n";
    return;
  }
  conf << "mqtt.listeners.tcp = none\n"
       << "mqtt.listeners.ssl.default = 127.0.0.1:" << port_ << "\n"
       << "ssl_options.cacertfile = " << tls->ca_file << "\n"
       << "ssl_options.certfile = " << tls->cert_file << "\n"
       << "ssl_options.keyfile = " << tls->key_file << "\n"
       << "ssl_options.verify = verify_peer\n"
       << "ssl_options.fail_if_no_peer_cert = " << (tls->require_client_certificate ? "true" : "false") << "\n";
}

rabbitmq::~rabbitmq() {
  // The data goes with the temp dir: no need for the node's 3 s graceful stop. Killing the node
  // first lets the start script's wait return, so the script exits too.
  kill_leftover_node();
  if (proc_) proc_->stop(SIGKILL, std::chrono::seconds(10));
  if (epmd_) epmd_->stop(SIGKILL, std::chrono::seconds(5));
}

void rabbitmq::start() {
  const auto d = dir_.path().string();
  // A private epmd, so the node registers on a port of its own and nothing outlives the test
  // (the one Erlang would start itself daemonizes).
  if (!epmd_)
    epmd_ = std::make_unique<process>(std::vector<std::string>{epmd_binary, "-port", std::to_string(epmd_port_)},
                                      dir_.file("epmd.log"));
  ASSERT_TRUE(wait_for_port(epmd_port_, std::chrono::seconds(10))) << "epmd did not start";
  const std::vector<std::string> env{
      "HOME=" + d,  // the Erlang cookie
      "ERL_EPMD_PORT=" + std::to_string(epmd_port_),
      "RABBITMQ_NODENAME=kelu-" + std::to_string(port_) + "@localhost",
      "RABBITMQ_DIST_PORT=" + std::to_string(dist_port_),
      "RABBITMQ_BASE=" + d,
      "RABBITMQ_MNESIA_BASE=" + d + "/mnesia",
      "RABBITMQ_LOG_BASE=" + d + "/log",
      "RABBITMQ_PID_FILE=" + d + "/beam.pid",
      "RABBITMQ_CONFIG_FILE=" + d + "/rabbitmq.conf",
      "RABBITMQ_ADVANCED_CONFIG_FILE=" + d + "/advanced.config",
      "RABBITMQ_ENABLED_PLUGINS_FILE=" + d + "/enabled_plugins",
      "RABBITMQ_CONF_ENV_FILE=" + d + "/rabbitmq-env.conf",  // absent: not the system's
      // Schedulers that sleep when idle instead of spinning: a test node is mostly idle, and its
      // spinning took the CPU the tests beside it (and the node's own boot) needed.
      "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=+sbwt none +sbwtdcpu none +sbwtdio none",
  };
  const auto booted_before = boots_logged();
  proc_ = std::make_unique<process>(std::vector<std::string>{start_script}, dir_.file("rabbitmq.out"), env);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  // The MQTT listener opens before the node has finished booting (the plugin's client-id registry
  // elects its Raft leader after it), so an open port is not yet a broker that answers a CONNECT.
  // The node logs when its boot is complete.
  const bool up = wait_for_port(port_, std::chrono::seconds(90)) && wait_for_boot(booted_before, deadline);
  if (!up) {
    std::ifstream out(dir_.file("rabbitmq.out"));
    FAIL() << "RabbitMQ did not open its MQTT port " << port_ << " and finish booting within 90 s; its output:\n"
           << std::string(std::istreambuf_iterator<char>(out), {});
  }
}

// A restarted node appends to the same log: its boot is done when the log holds one more
// "startup complete" than before the start.
std::size_t rabbitmq::boots_logged() const {
  std::ifstream in(dir_.file("log/kelu-" + std::to_string(port_) + "@localhost.log"));
  const std::string text(std::istreambuf_iterator<char>(in), {});
  const std::string mark = "Server startup complete";
  std::size_t n = 0;
  for (auto at = text.find(mark); at != std::string::npos; at = text.find(mark, at + mark.size())) ++n;
  return n;
}

bool rabbitmq::wait_for_boot(std::size_t booted_before, std::chrono::steady_clock::time_point deadline) const {
  while (std::chrono::steady_clock::now() < deadline) {
    if (boots_logged() > booted_before) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

void rabbitmq::stop() {
  if (!proc_) return;
  EXPECT_NE(proc_->stop(SIGTERM, std::chrono::seconds(30)), -1) << "RabbitMQ did not stop";
  proc_.reset();
  kill_leftover_node();
}

// The start script forwards SIGTERM to the node; if the script itself died some other way the
// node (beam.smp) would be left behind, listening on our ports.
void rabbitmq::kill_leftover_node() {
  std::ifstream in(dir_.file("beam.pid"));
  pid_t pid = 0;
  if (!(in >> pid) || pid <= 1) return;
  if (::kill(pid, 0) == 0) ::kill(pid, SIGKILL);
  std::filesystem::remove(dir_.file("beam.pid"));
}

}  // namespace kelu::test
