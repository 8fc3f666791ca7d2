// SPDX-License-Identifier: Apache-2.0
#pragma once
// A consuming MQTT 3.1.1 client that acknowledges only when told (mqtt_packet.hpp says why):
// receive() hands over what arrived, acknowledge() sends their PUBACKs in arrival order. With a
// persistent session (clean_session false) the broker redelivers whatever was not acknowledged
// when the connection ended, so an acknowledgement sent after the commit is the whole guarantee.
//
// Blocking, with a deadline on everything but name resolution (the system resolver's own
// timeouts; give an address to avoid it): connecting (with the TLS handshake), CONNACK, SUBACK
// and every write take at most `timeout`; receive() at most `wait`. Keep-alive: a PINGREQ goes
// when nothing went for half the keep-alive, and a connection that answered nothing for 1.5
// keep-alives is dead.
// Any error leaves the consumer unusable: the owner connects again (the broker redelivers).
//
// tcp://host:port, or ssl://host:port with the broker verified (mqtt_transport.hpp). One thread.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "mqtt_packet.hpp"
#include "mqtt_transport.hpp"

namespace kelu::hq {

struct consumer_options {
  std::string uri;  // tcp://host:port or ssl://host:port
  transport_tls tls;  // for ssl://
  connect_packet session;
  std::vector<std::string> filters;  // subscribed at QoS 1
  std::chrono::milliseconds timeout{10000};
  std::size_t max_packet_bytes = 1 << 20;
};

class mqtt_consumer {
 public:
  static core::result<mqtt_consumer> connect(const consumer_options& options);

  // Waits up to `wait` for a first message, then takes what else has already arrived, up to `max`.
  // An empty batch when none came.
  core::result<std::vector<publish_packet>> receive(std::chrono::milliseconds wait, std::size_t max);
  // PUBACK for each QoS 1 message of `batch`, in its order.
  core::status acknowledge(const std::vector<publish_packet>& batch);
  // Sends one QoS 1 message (HQ's commands to a store, such as cmd/replay) without waiting for its
  // PUBACK, which receive() passes over: a message lost with the connection is the caller's to
  // send again (a replay request is asked again when no answer comes).
  core::status publish(std::string_view topic, std::string_view payload);
  // Sends one QoS 1 message and waits (up to `timeout`) for the broker's PUBACK: the broker has it.
  // PUBLISHes that arrive meanwhile are kept for receive(). `retain`: the broker keeps it for
  // whoever subscribes later (config/desired).
  core::status publish_confirmed(std::string_view topic, std::string_view payload, bool retain);
  // DISCONNECT and close: the broker keeps the session (and what is unacknowledged) for the next.
  void close();
  bool session_present() const { return session_present_; }

 private:
  mqtt_consumer(mqtt_transport transport, const consumer_options& options)
      : transport_(std::move(transport)), options_(options) {}
  core::status send(const std::string& bytes);
  // Reads until one packet is whole or `deadline` passes: nullopt at the deadline.
  core::result<std::optional<packet>> read_packet(std::chrono::steady_clock::time_point deadline);
  // The next packet of `type`; PUBLISHes before it (a resumed session's queue comes as soon as
  // the CONNACK) are kept for receive().
  core::result<packet> expect(std::uint8_t type, const char* what);
  core::status ping_if_due();
  std::uint16_t next_packet_id();

  mqtt_transport transport_;
  consumer_options options_;
  std::string buffer_;
  std::vector<publish_packet> early_;  // arrived while connecting: handed over first
  bool session_present_ = false;
  std::uint16_t next_packet_id_ = 2;  // 1 is the SUBSCRIBE's
  std::chrono::steady_clock::time_point last_sent_{};
  std::chrono::steady_clock::time_point last_heard_{};
};

}  // namespace kelu::hq
