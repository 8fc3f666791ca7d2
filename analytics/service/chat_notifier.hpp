// SPDX-License-Identifier: Apache-2.0
#pragma once
// Sends alerts to chat group robots (WeCom, DingTalk, Feishu) over HTTPS, one message at a
// time, with a deadline per request and capped jittered backoff between attempts. Bounded:
// past notify.max_queued the oldest waiting message is dropped, and every drop is counted.
// Messages live in memory only: MQTT's alerts topic (through the outbox) is the durable
// record; a chat message lost to a restart is a lost convenience, not lost data.
// All calls on the io_context thread.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "analytics/alert_engine.hpp"
#include "core/backoff.hpp"
#include "core/clock.hpp"
#include "config/config.hpp"

namespace spdlog {
class logger;
}

namespace kelu::analytics {

struct notifier_stats {
  std::int64_t sent = 0;
  std::int64_t failed_attempts = 0;
  std::int64_t dropped_refused = 0;   // the robot refused it (bad key, bad signature)
  std::int64_t dropped_attempts = 0;  // notify.max_attempts used up
  std::int64_t dropped_queue = 0;     // pushed out by newer messages
  std::int64_t queued = 0;
  std::string last_error;
};

class chat_notifier {
 public:
  chat_notifier(boost::asio::any_io_executor ex, config::notify_config cfg, const core::clock& clock,
                std::shared_ptr<spdlog::logger> log);
  ~chat_notifier();
  void update(config::notify_config cfg);
  // One message per channel the alert names that has a URL.
  void send(const analytics::alert& a);
  void stop();
  const notifier_stats& stats() const { return stats_; }

 private:
  struct pending {
    std::string channel;
    std::string text;
    int attempts = 0;
  };
  // notify.wecom, .dingtalk or .feishu, by the channel's name in alerts[].notify.
  const config::chat_webhook_config& robot(const std::string& channel) const;
  void pump();
  boost::asio::ssl::context& tls();
  void on_done(int status, const std::string& body, const std::string& error);

  boost::asio::any_io_executor ex_;
  config::notify_config cfg_;
  const core::clock& clock_;
  std::shared_ptr<spdlog::logger> log_;
  std::optional<boost::asio::ssl::context> tls_;  // tls(): made when first needed
  boost::asio::steady_timer retry_timer_;
  core::backoff backoff_;
  std::deque<pending> queue_;
  bool busy_ = false;
  bool stopped_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  notifier_stats stats_;
};

}  // namespace kelu::analytics
