// SPDX-License-Identifier: Apache-2.0
#include "mqtt_consumer.hpp"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <utility>

namespace kelu::hq {

namespace {

using clock = std::chrono::steady_clock;

int remaining_ms(clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(std::min<long long>(left, 60'000));
}

// Non-blocking connect bounded by `deadline`; the socket stays non-blocking (reads and writes poll).
core::result<int> dial(const std::string& uri, clock::time_point deadline) {
  constexpr std::string_view scheme = "tcp://";
  if (!uri.starts_with(scheme)) return core::error{uri + ": expected tcp://host:port"};
  const auto hostport = uri.substr(scheme.size());
  const auto colon = hostport.rfind(':');
  if (colon == std::string::npos) return core::error{uri + ": no port"};
  const auto host = hostport.substr(0, colon);
  const auto port = hostport.substr(colon + 1);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0)
    return core::error{uri + ": " + gai_strerror(rc)};
  std::string why = "no address";
  for (auto* a = found; a; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0 || errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int err = ETIMEDOUT;
      if (::poll(&p, 1, remaining_ms(deadline)) == 1) {
        socklen_t len = sizeof err;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      }
      if (err == 0) {
        freeaddrinfo(found);
        return fd;
      }
      why = std::strerror(err);
    } else {
      why = std::strerror(errno);
    }
    ::close(fd);
  }
  freeaddrinfo(found);
  return core::error{uri + ": " + why};
}

}  // namespace

core::result<mqtt_consumer> mqtt_consumer::connect(const consumer_options& options) {
  const auto deadline = clock::now() + options.timeout;
  auto fd = dial(options.uri, deadline);
  if (!fd) return core::error{"MQTT: " + fd.error_message()};
  mqtt_consumer c{*fd, options};
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

mqtt_consumer::mqtt_consumer(mqtt_consumer&& o) noexcept
    : fd_(std::exchange(o.fd_, -1)),
      options_(std::move(o.options_)),
      buffer_(std::move(o.buffer_)),
      early_(std::move(o.early_)),
      session_present_(o.session_present_),
      next_packet_id_(o.next_packet_id_),
      last_sent_(o.last_sent_),
      last_heard_(o.last_heard_) {}

mqtt_consumer& mqtt_consumer::operator=(mqtt_consumer&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
    options_ = std::move(o.options_);
    buffer_ = std::move(o.buffer_);
    early_ = std::move(o.early_);
    session_present_ = o.session_present_;
    next_packet_id_ = o.next_packet_id_;
    last_sent_ = o.last_sent_;
    last_heard_ = o.last_heard_;
  }
  return *this;
}

mqtt_consumer::~mqtt_consumer() {
  if (fd_ >= 0) ::close(fd_);
}

void mqtt_consumer::close() {
  if (fd_ < 0) return;
  (void)send(encode_disconnect());
  ::close(fd_);
  fd_ = -1;
}

core::status mqtt_consumer::send(const std::string& bytes) {
  if (fd_ < 0) return core::error{"MQTT: not connected"};
  const auto deadline = clock::now() + options_.timeout;
  for (std::size_t sent = 0; sent < bytes.size();) {
    const auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) return core::error{std::string("MQTT: send: ") + std::strerror(errno)};
    pollfd p{fd_, POLLOUT, 0};
    if (::poll(&p, 1, remaining_ms(deadline)) == 0) return core::error{"MQTT: send: the broker took nothing in time"};
  }
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
    pollfd pf{fd_, POLLIN, 0};
    const int ready = ::poll(&pf, 1, remaining_ms(deadline));
    if (ready == 0) return std::optional<packet>{};
    if (ready < 0 && errno != EINTR) return core::error{std::string("MQTT: poll: ") + std::strerror(errno)};
    char chunk[16384];
    const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n == 0) return core::error{"MQTT: the broker closed the connection"};
    if (n < 0 && errno != EAGAIN && errno != EINTR) return core::error{std::string("MQTT: recv: ") + std::strerror(errno)};
    if (n > 0) buffer_.append(chunk, static_cast<std::size_t>(n));
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
