// SPDX-License-Identifier: Apache-2.0
#pragma once
// RabbitMQ with its MQTT plugin, from Debian's rabbitmq-server, as a second, different broker.
// Started without systemd: its own epmd on a free port, then the package's start script
// (/usr/lib/rabbitmq/bin/rabbitmq-server, not the sbin wrapper that switches user) with a
// private node name, data dir, config and enabled-plugins file in a temp dir. Starts in 5-15 s.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "broker.hpp"
#include "process.hpp"
#include "temp_dir.hpp"

namespace kelu::test {

class rabbitmq : public broker {
 public:
  static bool available();  // rabbitmq-server and epmd are installed
  explicit rabbitmq(const broker_tls* tls = nullptr);
  ~rabbitmq() override;

  // Asserts, within 90 s, that the MQTT listener accepts connections and the node has logged
  // the end of its boot (before which it hangs up on MQTT clients).
  void start() override;
  // SIGTERM to the start script, which stops the Erlang node and waits for it.
  void stop() override;
  std::uint16_t port() const override { return port_; }
  std::string uri() const override {
    return (tls_ ? "ssl://127.0.0.1:" : "tcp://127.0.0.1:") + std::to_string(port_);
  }
  std::string name() const override { return "rabbitmq"; }
  bool shared_subscriptions() const override { return false; }

 private:
  void kill_leftover_node();
  std::size_t boots_logged() const;
  bool wait_for_boot(std::size_t booted_before, std::chrono::steady_clock::time_point deadline) const;
  bool tls_ = false;
  temp_dir dir_;
  std::uint16_t port_;
  std::uint16_t epmd_port_;
  std::uint16_t dist_port_;
  std::unique_ptr<process> epmd_;
  std::unique_ptr<process> proc_;
};

}  // namespace kelu::test
