// SPDX-License-Identifier: Apache-2.0
#pragma once
// A real mosquitto broker on a free loopback port, started and stopped by the fixture.
#include <cstdint>
#include <memory>
#include <string>

#include "broker.hpp"
#include "process.hpp"
#include "temp_dir.hpp"

namespace kelu::test {

class mosquitto : public broker {
 public:
  static bool available();  // the binary is installed
  mosquitto();              // picks the port; does not start
  explicit mosquitto(const broker_tls& tls);  // a TLS-only listener
  ~mosquitto() override;

  // Before start(): the same port on `address` too (a test's network namespace link), plain MQTT.
  void also_listen_on(const std::string& address);
  void start() override;  // asserts it is accepting connections within 10 s
  // SIGTERM: mosquitto writes its persistence file, so persistent sessions survive a restart.
  void stop() override;
  std::uint16_t port() const override { return port_; }
  std::string uri() const override {
    return (tls_ ? "ssl://127.0.0.1:" : "tcp://127.0.0.1:") + std::to_string(port_);
  }
  std::string name() const override { return "mosquitto"; }
  bool shared_subscriptions() const override { return true; }

 private:
  void write_config(const broker_tls* tls);
  bool tls_ = false;
  temp_dir dir_;
  std::uint16_t port_;
  std::unique_ptr<process> proc_;
};

}  // namespace kelu::test
