// SPDX-License-Identifier: Apache-2.0
#include "mqtt_link.hpp"

#include <boost/asio/post.hpp>
#include <mqtt/async_client.h>
#include <spdlog/spdlog.h>

#include <random>

#include "tls_options.hpp"

namespace kelu::sync {

namespace asio = boost::asio;

// Everything Paho: the client and the listeners it calls on its own thread. Each callback
// only posts to the io_context; the link's state is touched on that thread alone.
class mqtt_link::bridge {
 public:
  bridge(mqtt_link& owner, const link_options& o)
      : owner_(owner),
        client_(o.uri, o.client_id, create_options(o), nullptr),
        connect_listener_(*this),
        publish_listener_(*this),
        subscribe_listener_(*this) {
    client_.set_connection_lost_handler([this](const std::string& cause) {
      post([cause](mqtt_link& p) { p.on_connection_lost(cause.empty() ? "connection lost" : cause); });
    });
    client_.set_message_callback([this](mqtt::const_message_ptr m) {
      if (!m) return;
      post([topic = m->get_topic(), payload = m->to_string()](mqtt_link& p) { p.on_inbound(topic, payload); });
    });
    opts_.set_keep_alive_interval(o.keep_alive);
    opts_.set_connect_timeout(o.connect_timeout);
    // Clean session: unsent data lives in our outbox, not in broker or client sessions.
    if (o.mqtt_version == 5) {
      opts_.set_mqtt_version(MQTTVERSION_5);
      opts_.set_clean_start(true);
    } else {
      opts_.set_mqtt_version(MQTTVERSION_3_1_1);
      opts_.set_clean_session(true);
    }
    opts_.set_automatic_reconnect(false);
    opts_.set_max_inflight(static_cast<int>(o.window) + 2);  // + birth/goodbye
    if (!o.username.empty()) opts_.set_user_name(o.username);
    if (!o.password.empty()) opts_.set_password(o.password);
    if (!o.status_topic.empty()) opts_.set_will(mqtt::will_options(o.status_topic, o.will_payload, 1, true));
    if (is_tls_uri(o.uri))
      opts_.set_ssl(make_ssl_options({o.tls_ca_file, o.tls_cert_file, o.tls_key_file, o.tls_verify_hostname}));
  }

  static mqtt::create_options create_options(const link_options& o) {
    mqtt::create_options c(o.mqtt_version == 5 ? MQTTVERSION_5 : MQTTVERSION_3_1_1);
    // Paho's queue must hold the whole window plus birth, goodbye and subscriptions (its
    // default of 100 refused publishes once the window neared it), and must never buffer
    // while disconnected: the outbox does that. (The two-argument create_options turns
    // offline buffering on.)
    c.set_max_buffered_messages(static_cast<int>(o.window) + 16);
    c.set_send_while_disconnected(false);
    return c;
  }

  ~bridge() {
    try {
      if (client_.is_connected()) client_.disconnect(0)->wait_for(std::chrono::seconds(2));
    } catch (const mqtt::exception&) {
      // Going away regardless.
    }
  }

  void connect() { client_.connect(opts_, nullptr, connect_listener_); }

  void subscribe(const std::string& filter) { client_.subscribe(filter, 1, nullptr, subscribe_listener_); }

  bool connected() const { return client_.is_connected(); }

  void publish(const std::string& topic, const std::string& payload, int qos, bool retain, std::uintptr_t tag) {
    auto msg = mqtt::make_message(topic, payload, qos, retain);
    client_.publish(msg, reinterpret_cast<void*>(tag), publish_listener_);
  }

  // Publishes and waits (bounded): only for the goodbye at shutdown.
  bool publish_and_wait(const std::string& topic, const std::string& payload, std::chrono::milliseconds limit) {
    try {
      return client_.publish(mqtt::make_message(topic, payload, 1, true))->wait_for(limit);
    } catch (const mqtt::exception&) {
      return false;
    }
  }

  void disconnect(std::chrono::milliseconds limit) {
    try {
      client_.disconnect(static_cast<int>(limit.count()))->wait_for(limit + std::chrono::milliseconds(500));
    } catch (const mqtt::exception&) {
      // Already gone.
    }
  }

 private:
  template <class F>
  void post(F f) {
    asio::post(owner_.ex_, [o = &owner_, alive = owner_.alive_, f = std::move(f)] {
      if (*alive) f(*o);
    });
  }

  class connect_listener : public mqtt::iaction_listener {
   public:
    explicit connect_listener(bridge& b) : b_(b) {}
    void on_success(const mqtt::token&) override {
      b_.post([](mqtt_link& p) { p.on_connected(); });
    }
    void on_failure(const mqtt::token& tok) override {
      auto why = "connect failed (code " + std::to_string(tok.get_return_code()) + ", reason " +
                 std::to_string(static_cast<int>(tok.get_reason_code())) + ")";
      b_.post([why](mqtt_link& p) { p.on_connect_failed(why); });
    }

   private:
    bridge& b_;
  };

  class publish_listener : public mqtt::iaction_listener {
   public:
    explicit publish_listener(bridge& b) : b_(b) {}
    void on_success(const mqtt::token& tok) override {
      const auto tag = reinterpret_cast<std::uintptr_t>(tok.get_user_context());
      b_.post([tag](mqtt_link& p) { p.on_puback(tag); });
    }
    void on_failure(const mqtt::token& tok) override {
      const auto tag = reinterpret_cast<std::uintptr_t>(tok.get_user_context());
      auto why = "publish failed (code " + std::to_string(tok.get_return_code()) + ")";
      b_.post([tag, why](mqtt_link& p) { p.on_publish_failed(tag, why); });
    }

   private:
    bridge& b_;
  };

  // SUBACK: only then do HQ's commands reach us (a broker may take a while to set one up).
  class subscribe_listener : public mqtt::iaction_listener {
   public:
    explicit subscribe_listener(bridge& b) : b_(b) {}
    void on_success(const mqtt::token& tok) override { report(tok, true); }
    void on_failure(const mqtt::token& tok) override { report(tok, false); }

   private:
    void report(const mqtt::token& tok, bool ok) {
      std::string filter;
      if (const auto topics = tok.get_topics(); topics && !topics->empty()) filter = (*topics)[0];
      b_.post([filter, ok, code = tok.get_return_code()](mqtt_link& p) { p.on_subscribed(filter, ok, code); });
    }
    bridge& b_;
  };

  mqtt_link& owner_;
  mqtt::async_client client_;
  mqtt::connect_options opts_;
  connect_listener connect_listener_;
  publish_listener publish_listener_;
  subscribe_listener subscribe_listener_;
};

mqtt_link::mqtt_link(asio::any_io_executor ex, link_options options, std::shared_ptr<spdlog::logger> log)
    : ex_(std::move(ex)),
      options_(std::move(options)),
      log_(std::move(log)),
      timer_(ex_),
      backoff_(options_.reconnect_min, options_.reconnect_max, std::random_device{}()),
      configured_version_(options_.mqtt_version) {}

mqtt_link::~mqtt_link() {
  // Paho's callbacks already posted must not reach a link that is gone (a broker switch
  // destroys one while the io_context runs on).
  *alive_ = false;
}

void mqtt_link::start() {
  if (state_ != state::idle) return;
  stats_.protocol = options_.mqtt_version;
  try {
    bridge_ = std::make_unique<bridge>(*this, options_);
  } catch (const mqtt::exception& e) {
    // A bad URI is caught by config validation; anything else here is worth retrying.
    stats_.last_error.set(e.what());
    log_->error("mqtt: cannot create client for {}: {}", options_.uri, e.what());
    state_ = state::connecting;
    ++stats_.connection_failures;
    schedule_reconnect();
    return;
  }
  connect();
}

void mqtt_link::connect() {
  if (stopping_) return;
  if (version_switch_) {
    // A Paho client is created for one protocol version: a new one for the other. Done here,
    // a reconnect delay after the failure, not inside its callback.
    version_switch_ = false;
    bridge_.reset();
  }
  if (!bridge_) {
    state_ = state::idle;
    return start();
  }
  state_ = state::connecting;
  try {
    bridge_->connect();
  } catch (const mqtt::exception& e) {
    on_connect_failed(e.what());
  }
}

void mqtt_link::on_connected() {
  if (stopping_) return;
  state_ = state::connected;
  ++stats_.connects;
  backoff_.reset();
  log_->info("mqtt: connected to {} as {} (MQTT {})", options_.uri, options_.client_id, version_name());
  if (configured_version_ == 5 && options_.mqtt_version == 4)
    log_->warn("mqtt: the broker refused MQTT 5 and took 3.1.1; staying on 3.1.1 until restart");
  v5_failures_ = 0;
  try {
    publish_birth();
    for (const auto& filter : options_.subscriptions) bridge_->subscribe(filter);
  } catch (const mqtt::exception& e) {
    return on_connection_lost(std::string("birth/subscribe: ") + e.what());
  }
  if (listener_) listener_->on_link_up();
}

void mqtt_link::on_connect_failed(const std::string& why) {
  if (state_ == state::stopped) return;
  ++stats_.connection_failures;
  stats_.last_error.set(why);
  log_->warn("mqtt: {} to {} (MQTT {})", why, options_.uri, version_name());
  state_ = state::connecting;
  if (configured_version_ == 5) {
    if (options_.mqtt_version == 5 && ++v5_failures_ >= 2) {
      log_->warn("mqtt: two MQTT 5 attempts failed; trying MQTT 3.1.1 in case the broker does not speak 5");
      options_.mqtt_version = 4;
      version_switch_ = true;
    } else if (options_.mqtt_version == 4) {
      options_.mqtt_version = 5;  // 3.1.1 failed too: the broker is down, not picky
      v5_failures_ = 0;
      version_switch_ = true;
    }
  }
  schedule_reconnect();
}

void mqtt_link::on_connection_lost(const std::string& why) {
  if (state_ != state::connected) return;
  stats_.last_error.set(why);
  state_ = state::connecting;
  if (listener_) listener_->on_link_down(why);
  if (!stopping_) schedule_reconnect();
}

void mqtt_link::schedule_reconnect() {
  if (stopping_) return;
  const auto delay = backoff_.next();
  log_->debug("mqtt: reconnecting in {} ms", delay.count());
  timer_.expires_after(delay);
  timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (!ec && *alive) connect();
  });
}

publish_result mqtt_link::publish(const std::string& topic, const std::string& payload, int qos, bool retain,
                                  std::uintptr_t tag) {
  if (state_ != state::connected || !bridge_) return publish_result::link_lost;
  try {
    bridge_->publish(topic, payload, qos, retain, tag);
    return publish_result::sent;
  } catch (const mqtt::exception& e) {
    if (!bridge_->connected()) {
      on_connection_lost(std::string("publish: ") + e.what());
      return publish_result::link_lost;
    }
    stats_.last_error.set(std::string("publish: ") + e.what());
    return publish_result::busy;
  }
}

void mqtt_link::update_status(std::string birth, std::string goodbye) {
  options_.birth_payload = std::move(birth);
  options_.goodbye_payload = std::move(goodbye);
  if (state_ != state::connected || stopping_) return;
  try {
    publish_birth();
  } catch (const mqtt::exception& e) {
    log_->warn("mqtt: new status not published now ({}); it goes out with the next connect", e.what());
  }
}

void mqtt_link::publish_birth() {
  if (options_.status_topic.empty()) return;
  // Tag 0: no listener knows it; the status is not an outbox row.
  bridge_->publish(options_.status_topic, options_.birth_payload, 1, true, 0);
}

void mqtt_link::on_puback(std::uintptr_t tag) {
  if (listener_ && tag != 0) listener_->on_delivered(tag);
}

void mqtt_link::on_publish_failed(std::uintptr_t tag, const std::string& why) {
  if (tag == 0) return;
  stats_.last_error.set(why);
  if (listener_) listener_->on_delivery_failed(tag, why);
}

void mqtt_link::on_subscribed(const std::string& filter, bool ok, int code) {
  if (stopping_ || state_ != state::connected) return;
  if (ok) {
    ++stats_.subscribed;
    log_->info("mqtt: subscribed to {}", filter);
    return;
  }
  ++stats_.subscribe_failures;
  log_->warn("mqtt: the broker refused the subscription to {} (code {}): HQ's messages there will not arrive", filter,
             code);
}

void mqtt_link::on_inbound(const std::string& topic, const std::string& payload) {
  if (stopping_) return;
  if (payload.size() > options_.max_inbound_bytes) {
    ++stats_.oversized_dropped;
    log_->warn("mqtt: dropped a {}-byte message on {} (limit {})", payload.size(), topic, options_.max_inbound_bytes);
    return;
  }
  ++stats_.received;
  if (on_message_) on_message_(topic, payload);
}

void mqtt_link::stop() {
  stopping_ = true;
  timer_.cancel();
}

void mqtt_link::close() {
  if (state_ == state::connected && bridge_) {
    if (!options_.status_topic.empty() &&
        !bridge_->publish_and_wait(options_.status_topic, options_.goodbye_payload, std::chrono::seconds(2)))
      log_->warn("mqtt: goodbye status not acknowledged; HQ will see the Last Will instead");
    bridge_->disconnect(std::chrono::seconds(2));
  }
  state_ = state::stopped;
  bridge_.reset();
}

link_stats mqtt_link::stats() const {
  auto s = stats_;
  s.connected = state_ == state::connected;
  return s;
}

}  // namespace kelu::sync
