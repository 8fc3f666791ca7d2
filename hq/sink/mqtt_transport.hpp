// SPDX-License-Identifier: Apache-2.0
#pragma once
// The byte stream under HQ's MQTT consumer (mqtt_consumer.hpp): plain TCP (tcp://host:port) or
// TLS (ssl://host:port, OpenSSL), non-blocking, every operation bounded by a deadline.
//
// TLS: the broker's certificate must chain to `ca_file` and name the host of the URI (its DNS name,
// or its IP address when the URI gives one); TLS 1.2 at least. With `cert_file` and `key_file` the
// consumer presents a client certificate (brokers that take the certificate's CN as the user name,
// as packaging/hq/mosquitto-kelu.conf does for boxes). The system resolver's own timeouts bound
// name resolution; give an address to avoid it.
//
// Any error leaves the transport unusable. Movable, not copyable; one thread. A process that uses
// ssl:// must ignore SIGPIPE (kelu-hq's main does): OpenSSL writes with write(2), not send(2)
// with MSG_NOSIGNAL as plain TCP here does.
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace kelu::hq {

struct transport_tls {
  std::string ca_file;    // PEM; required for ssl://
  std::string cert_file;  // PEM client certificate, optional
  std::string key_file;   // its key, with cert_file
};

class mqtt_transport {
 public:
  using clock = std::chrono::steady_clock;

  // Connects (and for ssl:// completes the handshake, verifying the broker) by `deadline`.
  static core::result<mqtt_transport> open(const std::string& uri, const transport_tls& tls, clock::time_point deadline);
  mqtt_transport(mqtt_transport&&) noexcept;
  mqtt_transport& operator=(mqtt_transport&&) noexcept;
  ~mqtt_transport();

  // Every byte, by `deadline`.
  core::status write_all(std::string_view bytes, clock::time_point deadline);
  // Some bytes into `buffer` (at most `size`): their count, nullopt when `deadline` passed first,
  // an error when the broker closed the connection or it failed.
  core::result<std::optional<std::size_t>> read_some(char* buffer, std::size_t size, clock::time_point deadline);
  // Closes the connection (a TLS close_notify first, without waiting for the answer).
  void close();

 private:
  struct tls_session;
  mqtt_transport(int fd, std::unique_ptr<tls_session> tls);
  // Waits until the socket can be written (`for_write`) or read; false at the deadline.
  core::result<bool> wait(bool for_write, clock::time_point deadline) const;

  int fd_ = -1;
  std::unique_ptr<tls_session> tls_;
};

}  // namespace kelu::hq
