// SPDX-License-Identifier: Apache-2.0
#pragma once
// The MQTT link to HQ as a component of the running agent: one mqtt_publisher at a time over the
// one outbox. A change of any mqtt.* key (another broker, credentials, TLS, timings) switches it:
// the running publisher gets a short wait for the PUBACKs of what it has in flight and
// disconnects, then a new one connects with the new options and sends everything still in the
// outbox. Nothing is lost: a row leaves the outbox only on its PUBACK, whichever broker sent it.
// The two never run together, so a switch that keeps the client id does not have them evict
// each other.
//
// Threading: io_context thread, like the publisher.
#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "sync/mqtt_publisher.hpp"

namespace spdlog {
class logger;
}

namespace kelu {

class broker_link {
 public:
  broker_link(boost::asio::any_io_executor ex, sync::outbox& out, std::shared_ptr<spdlog::logger> log);
  ~broker_link();
  broker_link(const broker_link&) = delete;
  broker_link& operator=(const broker_link&) = delete;

  // Inbound messages of every publisher this link runs.
  void on_message(sync::message_handler h) { on_message_ = std::move(h); }
  void start(sync::publisher_options o);
  // Stops the running publisher, which leaves `goodbye` retained on its broker's status topic,
  // then starts one with `o`.
  void switch_to(sync::publisher_options o, std::string goodbye);
  // How many switches completed (a new publisher started); tests and the health gate wait on it.
  std::int64_t switches() const { return switches_; }
  const sync::publisher_options& options() const { return options_; }

  void wake();
  void update_status(std::string birth, std::string goodbye);
  // The running publisher's; during a switch, a link not connected.
  sync::publisher_stats stats() const;
  std::vector<std::int64_t> unsettled_rows() const;
  // The agent's stop: the running publisher drains and says goodbye; `done` after.
  void stop(std::chrono::milliseconds drain, std::function<void()> done);

 private:
  void start_publisher();

  boost::asio::any_io_executor ex_;
  sync::outbox& outbox_;
  std::shared_ptr<spdlog::logger> log_;
  sync::message_handler on_message_;
  sync::publisher_options options_;
  std::unique_ptr<sync::mqtt_publisher> publisher_;  // null while switching
  std::int64_t switches_ = 0;
  bool stopping_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace kelu
