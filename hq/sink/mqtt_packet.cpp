// SPDX-License-Identifier: Apache-2.0
#include "mqtt_packet.hpp"

namespace kelu::hq {

namespace {

void put_u16(std::string& out, std::uint16_t v) {
  out += static_cast<char>(v >> 8);
  out += static_cast<char>(v & 0xff);
}

void put_string(std::string& out, std::string_view s) {
  put_u16(out, static_cast<std::uint16_t>(s.size()));
  out += s;
}

// The fixed header: type and flags, then the remaining length in 7-bit groups.
std::string framed(std::uint8_t first, const std::string& body) {
  std::string out(1, static_cast<char>(first));
  std::size_t n = body.size();
  do {
    auto digit = static_cast<std::uint8_t>(n % 128);
    n /= 128;
    if (n > 0) digit |= 0x80;
    out += static_cast<char>(digit);
  } while (n > 0);
  return out + body;
}

std::uint16_t u16_at(std::string_view s, std::size_t at) {
  return static_cast<std::uint16_t>((static_cast<unsigned char>(s[at]) << 8) | static_cast<unsigned char>(s[at + 1]));
}

}  // namespace

std::string encode_connect(const connect_packet& c) {
  std::string body;
  put_string(body, "MQTT");
  body += static_cast<char>(4);  // protocol level 3.1.1
  std::uint8_t flags = c.clean_session ? 0x02 : 0x00;
  if (!c.username.empty()) flags |= 0x80;
  if (!c.password.empty()) flags |= 0x40;
  body += static_cast<char>(flags);
  put_u16(body, c.keepalive_s);
  put_string(body, c.client_id);
  if (!c.username.empty()) put_string(body, c.username);
  if (!c.password.empty()) put_string(body, c.password);
  return framed(0x10, body);
}

std::string encode_publish(std::string_view topic, std::string_view payload, std::uint16_t packet_id, bool retain) {
  std::string body;
  put_string(body, topic);
  put_u16(body, packet_id);
  body += payload;
  return framed(retain ? 0x33 : 0x32, body);  // PUBLISH, QoS 1
}

std::string encode_subscribe(std::uint16_t packet_id, const std::vector<std::string>& filters) {
  std::string body;
  put_u16(body, packet_id);
  for (const auto& f : filters) {
    put_string(body, f);
    body += static_cast<char>(1);
  }
  return framed(0x82, body);
}

std::string encode_puback(std::uint16_t packet_id) {
  std::string body;
  put_u16(body, packet_id);
  return framed(0x40, body);
}

std::string encode_pingreq() { return std::string("\xc0\x00", 2); }
std::string encode_disconnect() { return std::string("\xe0\x00", 2); }

core::result<std::optional<packet>> take_packet(std::string& buffer, std::size_t max_bytes) {
  if (buffer.size() < 2) return std::optional<packet>{};
  std::size_t length = 0;
  std::size_t at = 1;
  for (std::size_t multiplier = 1;; multiplier *= 128, ++at) {
    if (at > 4) return core::error{"MQTT: a remaining length of more than four bytes"};
    if (at >= buffer.size()) return std::optional<packet>{};
    const auto digit = static_cast<unsigned char>(buffer[at]);
    length += (digit & 0x7fu) * multiplier;
    if ((digit & 0x80u) == 0) break;
  }
  if (length > max_bytes)
    return core::error{"MQTT: a packet of " + std::to_string(length) + " bytes, over " + std::to_string(max_bytes)};
  const std::size_t header = at + 1;
  if (buffer.size() < header + length) return std::optional<packet>{};
  packet p;
  p.type = static_cast<std::uint8_t>(static_cast<unsigned char>(buffer[0]) >> 4);
  p.flags = static_cast<std::uint8_t>(buffer[0] & 0x0f);
  p.body = buffer.substr(header, length);
  buffer.erase(0, header + length);
  return std::optional<packet>{std::move(p)};
}

core::result<publish_packet> decode_publish(const packet& p) {
  publish_packet out;
  out.qos = (p.flags >> 1) & 0x03;
  out.duplicate = (p.flags & 0x08) != 0;
  if (out.qos == 3) return core::error{"MQTT: PUBLISH with QoS 3"};
  const std::string_view b = p.body;
  if (b.size() < 2) return core::error{"MQTT: PUBLISH without a topic"};
  const std::size_t topic_len = u16_at(b, 0);
  std::size_t at = 2 + topic_len;
  if (b.size() < at) return core::error{"MQTT: PUBLISH topic longer than the packet"};
  out.topic = std::string(b.substr(2, topic_len));
  if (out.qos > 0) {
    if (b.size() < at + 2) return core::error{"MQTT: PUBLISH without its packet id"};
    out.packet_id = u16_at(b, at);
    at += 2;
  }
  out.payload = std::string(b.substr(at));
  return out;
}

std::optional<std::uint16_t> puback_id(const packet& p) {
  if (p.type != puback || p.body.size() != 2) return std::nullopt;
  return u16_at(p.body, 0);
}

}  // namespace kelu::hq
