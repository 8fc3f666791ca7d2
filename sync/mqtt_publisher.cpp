// SPDX-License-Identifier: Apache-2.0
#include "mqtt_publisher.hpp"

namespace kelu::sync {

link_options mqtt_publisher::with_window(link_options l, std::size_t window) {
  l.window = window;
  return l;
}

mqtt_publisher::mqtt_publisher(boost::asio::any_io_executor ex, outbox& out, publisher_options options,
                               std::shared_ptr<spdlog::logger> log)
    : link_(ex, with_window(std::move(options.link), options.pump.max_inflight), log),
      pump_(ex, out, link_, std::move(options.pump), std::move(log)) {
  link_.set_listener(&pump_);
}

mqtt_publisher::~mqtt_publisher() { link_.set_listener(nullptr); }

void mqtt_publisher::stop(std::chrono::milliseconds drain, std::function<void()> done) {
  link_.stop();
  pump_.stop(drain, [this, done = std::move(done)] {
    link_.close();
    pump_.forget_inflight();
    done();
  });
}

publisher_stats mqtt_publisher::stats() const {
  const auto l = link_.stats();
  const auto p = pump_.stats();
  publisher_stats s;
  s.connected = l.connected;
  s.published = p.published;
  s.acknowledged = p.acknowledged;
  s.batches = p.batches;
  s.connects = l.connects;
  s.connection_failures = l.connection_failures;
  s.inflight = p.inflight;
  s.received = l.received;
  s.subscribed = l.subscribed;
  s.subscribe_failures = l.subscribe_failures;
  s.oversized_dropped = l.oversized_dropped;
  s.historical = p.historical;
  s.protocol = l.protocol;
  s.last_error = p.last_error_at > l.last_error_at ? p.last_error : l.last_error;
  return s;
}

}  // namespace kelu::sync
