// SPDX-License-Identifier: Apache-2.0
#include "mqtt_consumer.hpp"

#include <algorithm>
#include <iterator>
#include <utility>

namespace kelu::hq {

namespace {

using clock = std::chrono::steady_clock;

}  // namespace

core::result<mqtt_consumer> mqtt_consumer::connect(const consumer_options& options) {
  const auto deadline = clock::now() + options.timeout;
  auto transport = mqtt_transport::open(options.uri, options.tls, deadline);
  if (!transport) return core::error{"MQTT: " + transport.error_message()};
  mqtt_consumer c{std::move(transport).value(), options};
  if (auto st = c.send(encode_connect(options.session)); !st) return core::error{st.error_message()};
  auto ack = c.expect(connack, "CONNACK");
  if (!ack) return core::error{ack.error_message()};
  if (ack->body.size() != 2) return core::error{"MQTT: a malformed CONNACK"};
  if (const int code = static_cast<unsigned char>(ack->body[1]); code != 0)
    return core::error{"MQTT: the broker refused the connection (CONNACK code " + std::to_string(code) +
                       (code == 5 ? ": not authorised" : code == 4 ? ": bad user name or password" : "") + ")"};
  c.session_present_ = (ack->body[0] & 0x01) != 0;
  if (auto st = c.send(encode_subscribe(1, options.filters)); !st) return core::error{st.error_message()};
  auto sub = c.expect(suback, "SUBACK");
  if (!sub) return core::error{sub.error_message()};
  for (std::size_t i = 2; i < sub->body.size(); ++i)
    if (static_cast<unsigned char>(sub->body[i]) == 0x80)
      return core::error{"MQTT: the broker refused the subscription to " + options.filters[i - 2]};
  return c;
}

void mqtt_consumer::close() {
  (void)send(encode_disconnect());
  transport_.close();
}

core::status mqtt_consumer::send(const std::string& bytes) {
  if (auto st = transport_.write_all(bytes, clock::now() + options_.timeout); !st)
    return core::error{"MQTT: " + st.error_message()};
  last_sent_ = clock::now();
  return core::ok();
}

core::result<std::optional<packet>> mqtt_consumer::read_packet(clock::time_point deadline) {
  for (;;) {
    auto p = take_packet(buffer_, options_.max_packet_bytes);
    if (!p) return core::error{p.error_message()};
    if (*p) {
      last_heard_ = clock::now();
      return p;
    }
    char chunk[16384];
    auto n = transport_.read_some(chunk, sizeof chunk, deadline);
    if (!n) return core::error{"MQTT: " + n.error_message()};
    if (!*n) return std::optional<packet>{};
    buffer_.append(chunk, **n);
  }
}

core::result<packet> mqtt_consumer::expect(std::uint8_t type, const char* what) {
  const auto deadline = clock::now() + options_.timeout;
  for (;;) {
    auto p = read_packet(deadline);
    if (!p) return core::error{p.error_message()};
    if (!*p) return core::error{std::string("MQTT: no ") + what + " in time"};
    if ((*p)->type == type) return std::move(**p);
    if ((*p)->type != packet_type::publish)
      return core::error{std::string("MQTT: expected ") + what + ", got packet type " + std::to_string((*p)->type)};
    auto m = decode_publish(**p);
    if (!m) return core::error{m.error_message()};
    early_.push_back(std::move(m).value());
  }
}

core::status mqtt_consumer::ping_if_due() {
  const auto keepalive = std::chrono::seconds(options_.session.keepalive_s);
  if (keepalive.count() == 0) return core::ok();
  const auto now = clock::now();
  if (last_heard_ != clock::time_point{} && now - last_heard_ > keepalive * 3 / 2)
    return core::error{"MQTT: the broker answered nothing for 1.5 keep-alives"};
  if (now - last_sent_ >= keepalive / 2) return send(encode_pingreq());
  return core::ok();
}

core::result<std::vector<publish_packet>> mqtt_consumer::receive(std::chrono::milliseconds wait, std::size_t max) {
  std::vector<publish_packet> batch;
  auto deadline = clock::now() + wait;
  if (!early_.empty()) {
    const auto n = std::min(max, early_.size());
    batch.assign(std::make_move_iterator(early_.begin()), std::make_move_iterator(early_.begin() + static_cast<std::ptrdiff_t>(n)));
    early_.erase(early_.begin(), early_.begin() + static_cast<std::ptrdiff_t>(n));
    deadline = clock::now();
  }
  while (batch.size() < max) {
    if (auto st = ping_if_due(); !st) return core::error{st.error_message()};
    auto p = read_packet(deadline);
    if (!p) return core::error{p.error_message()};
    if (!*p) break;  // the wait is over
    if ((*p)->type != packet_type::publish) continue;  // PINGRESP and the like: heard, nothing to hand over
    auto m = decode_publish(**p);
    if (!m) return core::error{m.error_message()};
    batch.push_back(std::move(m).value());
    deadline = clock::now();  // after the first, only what is already here
  }
  return batch;
}

std::uint16_t mqtt_consumer::next_packet_id() {
  const auto id = next_packet_id_;
  next_packet_id_ = next_packet_id_ == 65535 ? 2 : static_cast<std::uint16_t>(next_packet_id_ + 1);
  return id;
}

core::status mqtt_consumer::publish(std::string_view topic, std::string_view payload) {
  return send(encode_publish(topic, payload, next_packet_id()));
}

core::status mqtt_consumer::publish_confirmed(std::string_view topic, std::string_view payload, bool retain) {
  const auto id = next_packet_id();
  if (auto st = send(encode_publish(topic, payload, id, retain)); !st) return st;
  const auto deadline = clock::now() + options_.timeout;
  for (;;) {
    auto p = read_packet(deadline);
    if (!p) return core::error{p.error_message()};
    if (!*p) return core::error{"MQTT: no PUBACK in time for " + std::string(topic)};
    const auto& got = **p;
    if (puback_id(got) == id) return core::ok();
    if (got.type != packet_type::publish) continue;
    auto m = decode_publish(got);
    if (!m) return core::error{m.error_message()};
    early_.push_back(std::move(m).value());
  }
}

core::status mqtt_consumer::acknowledge(const std::vector<publish_packet>& batch) {
  std::string acks;
  for (const auto& m : batch)
    if (m.qos == 1) acks += encode_puback(m.packet_id);
  return acks.empty() ? core::ok() : send(acks);
}

}  // namespace kelu::hq
