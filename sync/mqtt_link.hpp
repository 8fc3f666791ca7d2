// SPDX-License-Identifier: Apache-2.0
#pragma once
// The MQTT connection to HQ (Paho async client): connects, reconnects with backoff, falls back
// from MQTT 5 to 3.1.1 for a broker that refuses 5, announces the box on the retained `status`
// topic (a birth after every connect, a Last Will for a dead link, a goodbye on a clean stop),
// (re)subscribes after every connect and hands on what arrives. What to publish, and when, is
// the outbox pump's business (outbox_pump.hpp): the link publishes what it is given and says
// which publish was acknowledged.
//
// The session is clean: unsent data lives in the outbox, never in Paho's offline buffer or a
// broker session. Subscriptions are made at QoS 1 after every connect, each SUBACK is logged
// and a refusal logged and counted; messages larger than `max_inbound_bytes` are dropped and
// counted, never handed on.
//
// Threading: every public method on the io_context thread, and every listener call comes on it.
// Paho calls back on its own thread; those callbacks only post to the io_context, and handlers
// posted for a link that is gone find it gone and do nothing.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/backoff.hpp"

namespace spdlog {
class logger;
}

namespace kelu::sync {

// The mqtt.* keys' values come from publisher_options_for() (mqtt_publisher.hpp), defaults
// included: the key table (config/schema.cpp) is where they are declared, not this struct.
struct link_options {
  std::string uri;
  std::string client_id;
  std::string username;
  std::string password;
  int mqtt_version = 0;  // 4: MQTT 3.1.1, 5: MQTT 5 (falls back to 3.1.1 when the broker refuses 5)
  std::chrono::seconds keep_alive{};
  std::chrono::seconds connect_timeout{};
  std::chrono::milliseconds reconnect_min{};
  std::chrono::milliseconds reconnect_max{};
  std::string tls_ca_file;  // TLS is used for ssl://, mqtts:// and wss:// URIs
  std::string tls_cert_file;
  std::string tls_key_file;
  bool tls_verify_hostname = true;
  std::string status_topic;     // empty: no birth, Last Will or goodbye (`kelu doctor`'s trial connection)
  std::string birth_payload;    // retained on `status_topic` after each connect
  std::string will_payload;     // the broker publishes it if the link dies
  std::string goodbye_payload;  // retained on a clean stop
  std::vector<std::string> subscriptions;
  std::size_t max_inbound_bytes = 65536;  // not a key: what HQ sends the box is small
  // Publishes unacknowledged at once (the pump's window): Paho's queues are sized from it.
  std::size_t window = 0;
};

using message_handler = std::function<void(const std::string& topic, const std::string& payload)>;

// What the link tells whoever publishes over it, on the io_context thread.
class link_listener {
 public:
  virtual ~link_listener() = default;
  // Connected: the birth is out and the subscriptions are asked for.
  virtual void on_link_up() = 0;
  // The connection is gone (it may never have been announced up): publishes not yet
  // acknowledged will not be, and the link reconnects unless stopped.
  virtual void on_link_down(const std::string& why) = 0;
  // The broker acknowledged publish(..., tag) (PUBACK, or sent for QoS 0).
  virtual void on_delivered(std::uintptr_t tag) = 0;
  // Paho gave up on publish(..., tag) while the connection stayed.
  virtual void on_delivery_failed(std::uintptr_t tag, const std::string& why) = 0;
};

// The last error a part of the publisher saw, and when: mqtt_publisher reports whichever came last.
struct error_note {
  std::string text;
  std::chrono::steady_clock::time_point at{};
  void set(std::string why) {
    text = std::move(why);
    at = std::chrono::steady_clock::now();
  }
};

struct link_stats {
  bool connected = false;
  std::int64_t connects = 0;
  std::int64_t connection_failures = 0;
  std::int64_t received = 0;
  std::int64_t subscribed = 0;  // subscriptions acknowledged (SUBACK), over every connection
  std::int64_t subscribe_failures = 0;
  std::int64_t oversized_dropped = 0;  // inbound messages over max_inbound_bytes
  int protocol = 0;                    // the MQTT version of the current or last connection attempt
  error_note last_error;  // also a delivery that failed
};

enum class publish_result {
  sent,       // handed to Paho; the listener hears of it by its tag
  link_lost,  // not connected: on_link_down has been called, now or when the connection went
  busy,       // connected, but Paho's queue is full: publish again shortly
};

class mqtt_link {
 public:
  mqtt_link(boost::asio::any_io_executor ex, link_options options, std::shared_ptr<spdlog::logger> log);
  ~mqtt_link();
  mqtt_link(const mqtt_link&) = delete;
  mqtt_link& operator=(const mqtt_link&) = delete;

  // Not owned; must outlive the link or be replaced by nullptr first.
  void set_listener(link_listener* l) { listener_ = l; }
  void on_message(message_handler h) { on_message_ = std::move(h); }
  // Connects, and keeps reconnecting until stop().
  void start();
  // Connected and not stopping: publish() may be called.
  bool up() const { return state_ == state::connected && !stopping_; }
  bool connected() const { return state_ == state::connected; }
  // Publishes one message; `tag` (not 0) comes back in on_delivered or on_delivery_failed.
  publish_result publish(const std::string& topic, const std::string& payload, int qos, bool retain,
                         std::uintptr_t tag);
  // A new birth and goodbye (after a config reload changed the hash): the birth is published
  // again at once when connected. The Last Will, fixed at CONNECT, changes on the next connect.
  void update_status(std::string birth, std::string goodbye);
  // No more reconnecting or inbound messages; acknowledgements still come until close().
  void stop();
  // After stop(): publishes the goodbye and disconnects, each bounded by 2 s.
  void close();
  link_stats stats() const;

 private:
  class bridge;
  void connect();
  void on_connected();
  void on_connect_failed(const std::string& why);
  void on_connection_lost(const std::string& why);
  void on_puback(std::uintptr_t tag);
  void on_publish_failed(std::uintptr_t tag, const std::string& why);
  void on_subscribed(const std::string& filter, bool ok, int code);
  void on_inbound(const std::string& topic, const std::string& payload);
  void schedule_reconnect();
  void publish_birth();  // throws mqtt::exception, like every Paho call
  const char* version_name() const { return options_.mqtt_version == 5 ? "5" : "3.1.1"; }

  enum class state { idle, connecting, connected, stopped };

  boost::asio::any_io_executor ex_;
  link_options options_;
  std::shared_ptr<spdlog::logger> log_;
  boost::asio::steady_timer timer_;
  core::backoff backoff_;
  state state_ = state::idle;
  bool stopping_ = false;
  // MQTT 5 configured but refused (RabbitMQ 3.10 drops a v5 CONNECT): after two failed v5
  // attempts one 3.1.1 attempt; if that connects, 3.1.1 it stays until the agent restarts.
  int configured_version_ = 4;
  int v5_failures_ = 0;
  bool version_switch_ = false;
  link_stats stats_;
  link_listener* listener_ = nullptr;
  message_handler on_message_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::unique_ptr<bridge> bridge_;  // owns the Paho client; destroyed first
};

}  // namespace kelu::sync
