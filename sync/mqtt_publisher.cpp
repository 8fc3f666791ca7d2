// SPDX-License-Identifier: Apache-2.0
#include "mqtt_publisher.hpp"

#include "topics.hpp"

namespace kelu::sync {

publisher_options publisher_options_for(const config::config& c) {
  publisher_options o;
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
  p.max_inflight_bytes = static_cast<std::size_t>(c.mqtt.max_inflight_bytes);
  p.live_window = std::chrono::seconds(c.mqtt.live_window_s);
  p.backfill_rate_per_s = static_cast<double>(c.mqtt.backfill_rate_per_s);
  p.backfill_batch = static_cast<std::size_t>(c.mqtt.backfill_batch);
  p.max_payload_bytes = static_cast<std::size_t>(c.mqtt.max_payload_bytes);
  p.backfill_root = topics(c.store.tenant, c.store.id).backfill_root();
  return o;
}

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
  s.inflight_bytes_peak = p.inflight_bytes_peak;
  s.received = l.received;
  s.subscribed = l.subscribed;
  s.subscribe_failures = l.subscribe_failures;
  s.oversized_dropped = l.oversized_dropped;
  s.historical = p.historical;
  s.protocol = l.protocol;
  s.last_error = (p.last_error.at > l.last_error.at ? p.last_error : l.last_error).text;
  return s;
}

}  // namespace kelu::sync
