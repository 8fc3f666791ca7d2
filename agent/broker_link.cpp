// SPDX-License-Identifier: Apache-2.0
#include "broker_link.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

namespace kelu {

namespace {

// What a switch waits for PUBACKs of messages in flight; they are sent again by the next
// publisher otherwise (HQ dedupes), so this only saves a few duplicates.
constexpr std::chrono::milliseconds switch_drain{1000};

}  // namespace

broker_link::broker_link(boost::asio::any_io_executor ex, sync::outbox& out, std::shared_ptr<spdlog::logger> log)
    : ex_(std::move(ex)), outbox_(out), log_(std::move(log)) {}

broker_link::~broker_link() { *alive_ = false; }

void broker_link::start(sync::publisher_options o) {
  options_ = std::move(o);
  start_publisher();
}

void broker_link::start_publisher() {
  publisher_ = std::make_unique<sync::mqtt_publisher>(ex_, outbox_, options_, log_);
  publisher_->on_message([this](const std::string& topic, const std::string& payload) {
    if (on_message_) on_message_(topic, payload);
  });
  publisher_->start();
}

void broker_link::switch_to(sync::publisher_options o, std::string goodbye) {
  options_ = std::move(o);
  if (!publisher_) return;  // a switch under way picks up the newest options when it starts
  auto old = std::shared_ptr<sync::mqtt_publisher>(std::move(publisher_));
  old->update_status(options_.link.birth_payload, std::move(goodbye));
  log_->info("mqtt: switching to {}", options_.link.uri);
  old->stop(switch_drain, [this, alive = alive_, old] {
    // Not from inside the old publisher's own call stack: it is destroyed here.
    boost::asio::post(ex_, [this, alive, old]() mutable {
      old.reset();
      if (!*alive || stopping_) return;
      start_publisher();
      ++switches_;
    });
  });
}

void broker_link::wake() {
  if (publisher_) publisher_->wake();
}

void broker_link::update_status(std::string birth, std::string goodbye) {
  options_.link.birth_payload = birth;
  options_.link.goodbye_payload = goodbye;
  if (publisher_) publisher_->update_status(std::move(birth), std::move(goodbye));
}

sync::publisher_stats broker_link::stats() const {
  if (publisher_) return publisher_->stats();
  sync::publisher_stats s;
  s.last_error = "switching to " + options_.link.uri;
  return s;
}

std::vector<std::int64_t> broker_link::unsettled_rows() const {
  return publisher_ ? publisher_->unsettled_rows() : std::vector<std::int64_t>{};
}

void broker_link::stop(std::chrono::milliseconds drain, std::function<void()> done) {
  stopping_ = true;
  if (!publisher_) {
    // Mid-switch: the old one is already draining; nothing new will start.
    boost::asio::post(ex_, std::move(done));
    return;
  }
  publisher_->stop(drain, std::move(done));
}

}  // namespace kelu
