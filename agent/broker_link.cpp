// SPDX-License-Identifier: Apache-2.0
#include "broker_link.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "sync/topics.hpp"

namespace kelu {

namespace {

// What a switch waits for PUBACKs of messages in flight; they are sent again by the next
// publisher otherwise (HQ dedupes), so this only saves a few duplicates.
constexpr std::chrono::milliseconds switch_drain{1000};

}  // namespace

sync::publisher_options publisher_options_for(const config::config& c) {
  sync::publisher_options o;
  auto& l = o.link;
  l.uri = c.mqtt.uri;
  l.client_id = config::effective_client_id(c);
  l.username = c.mqtt.username;
  l.password = c.mqtt.password;
  l.mqtt_version = c.mqtt.version == "5" ? 5 : 4;
  l.keep_alive = std::chrono::seconds(c.mqtt.keep_alive_s);
  l.connect_timeout = std::chrono::seconds(c.mqtt.connect_timeout_s);
  l.reconnect_min = std::chrono::milliseconds(c.mqtt.reconnect_min_ms);
  l.reconnect_max = std::chrono::milliseconds(c.mqtt.reconnect_max_ms);
  l.tls_ca_file = c.mqtt.tls.ca_file;
  l.tls_cert_file = c.mqtt.tls.cert_file;
  l.tls_key_file = c.mqtt.tls.key_file;
  l.tls_verify_hostname = c.mqtt.tls.verify_hostname;
  auto& p = o.pump;
  p.max_inflight = static_cast<std::size_t>(c.mqtt.max_inflight);
  p.live_window = std::chrono::seconds(c.mqtt.live_window_s);
  p.backfill_rate_per_s = static_cast<double>(c.mqtt.backfill_rate_per_s);
  p.backfill_batch = static_cast<std::size_t>(c.mqtt.backfill_batch);
  p.max_payload_bytes = static_cast<std::size_t>(c.mqtt.max_payload_bytes);
  p.backfill_root = sync::topics(c.store.tenant, c.store.id).backfill_root();
  return o;
}

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
