// SPDX-License-Identifier: Apache-2.0
#pragma once
// The box's MQTT publishing as one component: an mqtt_link (the connection, its status
// messages, subscriptions and what arrives: mqtt_link.hpp) with an outbox_pump sending the
// outbox over it (lanes, window, rate cap, batches: outbox_pump.hpp). A row is deleted only
// after its PUBACK; after a lost connection everything unacknowledged is sent again from the
// outbox (HQ dedupes on (source, seq)).
//
// Threading: every public method on the io_context thread. After stop()'s `done` ran, nothing
// touches the outbox again, and the publisher may be destroyed while the io_context runs on
// (handlers it queued find it gone and do nothing).
#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "mqtt_link.hpp"
#include "outbox.hpp"
#include "outbox_pump.hpp"

namespace spdlog {
class logger;
}

namespace kelu::sync {

struct publisher_options {
  link_options link;
  pump_options pump;  // pump.max_inflight is also the link's window
};

// Everything the mqtt.* keys and the store's identity say (client id, topics). Status topic and
// payloads and subscriptions are the agent's to add.
publisher_options publisher_options_for(const config::config& c);

struct publisher_stats {
  bool connected = false;
  std::int64_t published = 0;     // MQTT messages
  std::int64_t acknowledged = 0;  // outbox rows whose PUBACK came (a batch acknowledges several)
  std::int64_t batches = 0;       // compressed backlog messages published
  std::int64_t connects = 0;
  std::int64_t connection_failures = 0;
  std::int64_t inflight = 0;
  std::int64_t inflight_bytes_peak = 0;  // the most payload bytes ever unacknowledged at once
  std::int64_t received = 0;
  std::int64_t subscribed = 0;  // subscriptions acknowledged (SUBACK), over every connection
  std::int64_t subscribe_failures = 0;
  std::int64_t oversized_dropped = 0;  // inbound messages over link.max_inbound_bytes
  std::int64_t historical = 0;         // backlog rows published (marked historical), batched or not
  int protocol = 0;                    // the MQTT version of the current or last connection attempt
  std::string last_error;              // the link's or the pump's, whichever came last
};

class mqtt_publisher {
 public:
  mqtt_publisher(boost::asio::any_io_executor ex, outbox& out, publisher_options options,
                 std::shared_ptr<spdlog::logger> log);
  ~mqtt_publisher();
  mqtt_publisher(const mqtt_publisher&) = delete;
  mqtt_publisher& operator=(const mqtt_publisher&) = delete;

  void on_message(message_handler h) { link_.on_message(std::move(h)); }
  void start() { link_.start(); }
  // New rows were committed: publish them if the window allows.
  void wake() { pump_.wake(); }
  // See mqtt_link::update_status.
  void update_status(std::string birth, std::string goodbye) {
    link_.update_status(std::move(birth), std::move(goodbye));
  }
  // Stops publishing, waits up to `drain` for in-flight acknowledgements, publishes the
  // goodbye status and disconnects (each step bounded), then calls `done`.
  void stop(std::chrono::milliseconds drain, std::function<void()> done);
  publisher_stats stats() const;
  // See outbox_pump::unsettled_rows.
  std::vector<std::int64_t> unsettled_rows() const { return pump_.unsettled_rows(); }

 private:
  static link_options with_window(link_options l, std::size_t window);

  mqtt_link link_;
  outbox_pump pump_;  // listens to link_; destroyed first
};

}  // namespace kelu::sync
