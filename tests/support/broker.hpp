// SPDX-License-Identifier: Apache-2.0
#pragma once
// An MQTT broker on a free loopback port, started and stopped by the fixture through its PID.
// Two implementations, so the delivery suite proves the box assumes nothing broker-specific:
// mosquitto, and RabbitMQ with its MQTT plugin (3.1.1 only, no $share, no retained messages
// for wildcard subscriptions).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace kelu::test {

// PEM files for a TLS listener; see test_pki.
struct broker_tls {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  bool require_client_certificate = false;
  // HQ's production setup (packaging/hq/): the client certificate's CN is the username the ACL
  // file's patterns use, and a CRL refuses revoked certificates. mosquitto only.
  bool identity_as_username = false;
  std::string acl_file{};
  std::string crl_file{};
};

class broker {
 public:
  virtual ~broker() = default;
  virtual void start() = 0;  // asserts it accepts connections
  // Graceful: persistent sessions and retained messages survive a restart.
  virtual void stop() = 0;
  virtual std::uint16_t port() const = 0;
  virtual std::string uri() const = 0;
  virtual std::string name() const = 0;
  // `$share/{group}/{filter}` subscriptions (MQTT 5 and mosquitto's 3.1.1 extension).
  virtual bool shared_subscriptions() const = 0;
};

// The suite's parameter values: "mosquitto", "rabbitmq".
std::vector<std::string> broker_kinds();
// Not started yet. nullptr when `kind` is not installed, with the reason (how to get it) in `why`.
std::unique_ptr<broker> make_broker(const std::string& kind, const broker_tls* tls, std::string* why);

}  // namespace kelu::test
