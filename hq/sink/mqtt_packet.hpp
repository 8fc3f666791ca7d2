// SPDX-License-Identifier: Apache-2.0
#pragma once
// The MQTT 3.1.1 packets a consuming client needs, as bytes and back, apart from any socket.
//
// Why our own and not Paho: Paho acknowledges a QoS 1 message when its callback returns, so a
// consumer can only commit one message at a time before the acknowledgement. HQ's sink commits a
// batch to PostgreSQL and only then sends the batch's PUBACKs (in the order the PUBLISHes came, as
// MQTT 3.1.1 section 4.6 requires), so a sink killed at any moment has acknowledged only what is
// committed, and the broker redelivers the rest to the persistent session. mosquitto 2 also takes
// `$share/{group}/{filter}` from 3.1.1 clients, which is how several sinks share the load.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace kelu::hq {

struct connect_packet {
  std::string client_id;
  std::string username;  // empty: none
  std::string password;  // empty: none
  std::uint16_t keepalive_s = 30;
  bool clean_session = false;  // false: the broker keeps what we have not acknowledged
};

std::string encode_connect(const connect_packet& c);
std::string encode_subscribe(std::uint16_t packet_id, const std::vector<std::string>& filters);  // QoS 1 each
std::string encode_puback(std::uint16_t packet_id);
std::string encode_publish(std::string_view topic, std::string_view payload, std::uint16_t packet_id,
                           bool retain = false);  // QoS 1
std::string encode_pingreq();
std::string encode_disconnect();

// One whole packet as it came: its type (the fixed header's high nibble), flags and body.
struct packet {
  std::uint8_t type = 0;
  std::uint8_t flags = 0;
  std::string body;
};
enum packet_type : std::uint8_t { connack = 2, publish = 3, puback = 4, suback = 9, pingresp = 13 };

// Takes one whole packet off the front of `buffer` when it holds one: nullopt while more bytes are
// needed; an error for a malformed length or a packet over `max_bytes` (the connection is then
// unusable).
core::result<std::optional<packet>> take_packet(std::string& buffer, std::size_t max_bytes);

struct publish_packet {
  std::string topic;
  std::string payload;
  int qos = 0;
  std::uint16_t packet_id = 0;  // QoS 1 and 2 only
  bool duplicate = false;       // DUP: a redelivery of one sent before
};
core::result<publish_packet> decode_publish(const packet& p);
// The packet id a PUBACK acknowledges; nullopt for any other packet or a malformed one.
std::optional<std::uint16_t> puback_id(const packet& p);

}  // namespace kelu::hq
