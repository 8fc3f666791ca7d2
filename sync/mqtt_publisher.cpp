// SPDX-License-Identifier: Apache-2.0
#include "mqtt_publisher.hpp"

#include <boost/asio/post.hpp>
#include <mqtt/async_client.h>
#include <spdlog/spdlog.h>

#include <random>

#include "batch_codec.hpp"
#include "tls_options.hpp"

namespace kelu::sync {

namespace asio = boost::asio;

namespace {
// Put first in a backlog event's JSON, so HQ tells a late event from a live one without
// comparing clocks.
constexpr std::string_view historical_flag = R"("historical":true,)";
std::string flagged(const std::string& payload) { return "{" + std::string(historical_flag) + payload.substr(1); }
}  // namespace

// Everything Paho: the client and the listeners it calls on its own thread. Each callback
// only posts to the io_context; the publisher's state is touched on that thread alone.
class mqtt_publisher::bridge {
 public:
  bridge(mqtt_publisher& owner, const publisher_options& o)
      : owner_(owner),
        client_(o.uri, o.client_id, create_options(o), nullptr),
        connect_listener_(*this),
        publish_listener_(*this),
        subscribe_listener_(*this) {
    client_.set_connection_lost_handler([this](const std::string& cause) {
      post([cause](mqtt_publisher& p) { p.on_connection_lost(cause.empty() ? "connection lost" : cause); });
    });
    client_.set_message_callback([this](mqtt::const_message_ptr m) {
      if (!m) return;
      post([topic = m->get_topic(), payload = m->to_string()](mqtt_publisher& p) { p.on_inbound(topic, payload); });
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
    opts_.set_max_inflight(static_cast<int>(o.max_inflight) + 2);  // + birth/goodbye
    if (!o.username.empty()) opts_.set_user_name(o.username);
    if (!o.password.empty()) opts_.set_password(o.password);
    if (!o.status_topic.empty()) opts_.set_will(mqtt::will_options(o.status_topic, o.will_payload, 1, true));
    if (is_tls_uri(o.uri))
      opts_.set_ssl(make_ssl_options({o.tls_ca_file, o.tls_cert_file, o.tls_key_file, o.tls_verify_hostname}));
  }

  static mqtt::create_options create_options(const publisher_options& o) {
    mqtt::create_options c(o.mqtt_version == 5 ? MQTTVERSION_5 : MQTTVERSION_3_1_1);
    // Paho's queue must hold the whole window plus birth, goodbye and subscriptions (its
    // default of 100 refused publishes once max_inflight neared it), and must never buffer
    // while disconnected: the outbox does that. (The two-argument create_options turns
    // offline buffering on.)
    c.set_max_buffered_messages(static_cast<int>(o.max_inflight) + 16);
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
      b_.post([](mqtt_publisher& p) { p.on_connected(); });
    }
    void on_failure(const mqtt::token& tok) override {
      auto why = "connect failed (code " + std::to_string(tok.get_return_code()) + ", reason " +
                 std::to_string(static_cast<int>(tok.get_reason_code())) + ")";
      b_.post([why](mqtt_publisher& p) { p.on_connect_failed(why); });
    }

   private:
    bridge& b_;
  };

  class publish_listener : public mqtt::iaction_listener {
   public:
    explicit publish_listener(bridge& b) : b_(b) {}
    void on_success(const mqtt::token& tok) override {
      const auto tag = reinterpret_cast<std::uintptr_t>(tok.get_user_context());
      b_.post([tag](mqtt_publisher& p) { p.on_published(tag); });
    }
    void on_failure(const mqtt::token& tok) override {
      const auto tag = reinterpret_cast<std::uintptr_t>(tok.get_user_context());
      auto why = "publish failed (code " + std::to_string(tok.get_return_code()) + ")";
      b_.post([tag, why](mqtt_publisher& p) { p.on_publish_failed(tag, why); });
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
      b_.post([filter, ok, code = tok.get_return_code()](mqtt_publisher& p) { p.on_subscribed(filter, ok, code); });
    }
    bridge& b_;
  };

  mqtt_publisher& owner_;
  mqtt::async_client client_;
  mqtt::connect_options opts_;
  connect_listener connect_listener_;
  publish_listener publish_listener_;
  subscribe_listener subscribe_listener_;
};

mqtt_publisher::mqtt_publisher(asio::any_io_executor ex, outbox& out, publisher_options options,
                               std::shared_ptr<spdlog::logger> log)
    : ex_(std::move(ex)),
      outbox_(out),
      options_(std::move(options)),
      log_(std::move(log)),
      timer_(ex_),
      flush_timer_(ex_),
      retry_timer_(ex_),
      backoff_(options_.reconnect_min, options_.reconnect_max, std::random_device{}()),
      configured_version_(options_.mqtt_version) {}

mqtt_publisher::~mqtt_publisher() {
  // Paho's callbacks already posted must not reach a publisher that is gone (a broker switch
  // destroys one while the io_context runs on).
  *alive_ = false;
}

void mqtt_publisher::start() {
  if (state_ != state::idle) return;
  stats_.protocol = options_.mqtt_version;
  try {
    bridge_ = std::make_unique<bridge>(*this, options_);
  } catch (const mqtt::exception& e) {
    // A bad URI is caught by config validation; anything else here is worth retrying.
    stats_.last_error = e.what();
    log_->error("mqtt: cannot create client for {}: {}", options_.uri, e.what());
    state_ = state::connecting;
    ++stats_.connection_failures;
    schedule_reconnect();
    return;
  }
  connect();
}

void mqtt_publisher::connect() {
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

void mqtt_publisher::on_connected() {
  if (stopping_) return;
  state_ = state::connected;
  ++stats_.connects;
  backoff_.reset();
  flush_acks();
  // Lanes are set at each connect: what waited longer than the live window is the backlog.
  const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  backlog_end_ = outbox_.last_id_created_before(now - options_.live_window);
  backfill_cursor_ = 0;
  cursor_ = backlog_end_;
  backfill_tokens_ = std::max(1.0, options_.backfill_rate_per_s);  // a second's worth to start
  backfill_refill_ = backfill_started_ = std::chrono::steady_clock::now();
  backfill_sent_ = 0;
  log_->info("mqtt: connected to {} as {} (MQTT {}); {} rows waiting, backlog up to row {}", options_.uri,
             options_.client_id, options_.mqtt_version == 5 ? "5" : "3.1.1", outbox_.stats().rows, backlog_end_);
  if (configured_version_ == 5 && options_.mqtt_version == 4)
    log_->warn("mqtt: the broker refused MQTT 5 and took 3.1.1; staying on 3.1.1 until restart");
  v5_failures_ = 0;
  try {
    publish_birth();
    for (const auto& filter : options_.subscriptions) bridge_->subscribe(filter);
  } catch (const mqtt::exception& e) {
    return on_connection_lost(std::string("birth/subscribe: ") + e.what());
  }
  pump();
}

void mqtt_publisher::on_connect_failed(const std::string& why) {
  if (state_ == state::stopped) return;
  ++stats_.connection_failures;
  stats_.last_error = why;
  log_->warn("mqtt: {} to {} (MQTT {})", why, options_.uri, options_.mqtt_version == 5 ? "5" : "3.1.1");
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

void mqtt_publisher::on_connection_lost(const std::string& why) {
  if (state_ != state::connected) return;
  stats_.last_error = why;
  log_->warn("mqtt: {}; {} messages were unacknowledged and will be sent again", why, inflight_.size());
  state_ = state::connecting;
  inflight_.clear();  // their callbacks, if any still come, find no tag and are ignored
  flush_acks();       // acknowledged rows must be gone before the cursor starts over
  cursor_ = 0;
  if (!stopping_) schedule_reconnect();
}

void mqtt_publisher::schedule_reconnect() {
  if (stopping_) return;
  const auto delay = backoff_.next();
  log_->debug("mqtt: reconnecting in {} ms", delay.count());
  timer_.expires_after(delay);
  timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (!ec && *alive) connect();
  });
}

void mqtt_publisher::pump() {
  if (state_ != state::connected || stopping_) return;
  // The live lane first: every free slot of the window.
  while (inflight_.size() < options_.max_inflight) {
    // Never below the backlog's end: those rows belong to the other lane.
    auto rows = outbox_.peek(std::max(cursor_, backlog_end_), options_.max_inflight - inflight_.size());
    if (rows.empty()) break;
    for (const auto& r : rows)
      if (!send(r, false, cursor_)) return;
  }
  // Then the backlog, oldest first, in what the live lane left, within the rate cap.
  const std::size_t per_pass = std::max<std::size_t>(1, options_.backfill_batch);
  while (inflight_.size() < options_.max_inflight) {
    auto rows = outbox_.peek_backlog(backfill_cursor_, per_pass, backlog_end_);
    if (rows.empty()) {
      if (backfill_sent_ > 0)
        log_->info("mqtt: backlog of {} messages sent in {} s", backfill_sent_,
                   std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                                    backfill_started_)
                       .count());
      backfill_sent_ = 0;
      return;
    }
    const auto granted = backfill_tokens(rows.size());
    if (granted == 0) return;
    rows.resize(granted);
    if (backfill_sent_ == 0) backfill_started_ = std::chrono::steady_clock::now();
    std::size_t taken = 0;
    bool go_on = false;
    if (per_pass > 1) {
      go_on = send_batches(rows, taken);
    } else {
      go_on = send(rows.front(), true, backfill_cursor_);
      taken = go_on ? 1 : 0;
    }
    backfill_tokens_ += static_cast<double>(granted - taken);  // what did not fit in the window
    stats_.historical += static_cast<std::int64_t>(taken);
    backfill_sent_ += static_cast<std::int64_t>(taken);
    if (!go_on) return;
  }
}

// Backlog rows from the backfill cursor on, in as few messages as mqtt.backfill_batch allows:
// each stream's events together in compressed messages on backfill/{stream} (always there, even
// one alone, so HQ finds the backlog in one place), every other row (stats, metrics, ...) on its
// own. Takes rows in order while the window has a slot for the message each needs; `taken` says
// how many. False when the caller must stop; the cursor then
// stays where it was, so all of this pass goes again (HQ dedupes what was already sent).
bool mqtt_publisher::send_batches(const std::vector<outbox_row>& rows, std::size_t& taken) {
  struct message {
    std::string topic;  // backfill/{stream}; empty for a row sent on its own
    std::vector<const outbox_row*> rows;
    std::size_t bytes = 0;
  };
  std::vector<message> messages;
  const std::size_t slots = options_.max_inflight - inflight_.size();
  taken = 0;
  for (const auto& r : rows) {
    auto topic = r.payload.starts_with("{") ? backfill_topic(r.topic) : std::string{};
    const std::size_t size = r.payload.size() + historical_flag.size() + 1;
    if (size > options_.max_payload_bytes) topic.clear();  // alone, to be dropped and counted by send()
    message* open = nullptr;
    if (!topic.empty())
      for (auto it = messages.rbegin(); it != messages.rend() && !open; ++it)
        if (it->topic == topic && it->rows.size() < options_.backfill_batch &&
            it->bytes + size <= options_.max_payload_bytes)
          open = &*it;
    if (open) {
      open->rows.push_back(&r);
      open->bytes += size;
    } else {
      if (messages.size() == slots) break;
      messages.push_back({std::move(topic), {&r}, size});
    }
    ++taken;
  }
  if (taken == 0) return false;
  for (const auto& m : messages) {
    std::int64_t unused = 0;
    if (m.topic.empty()) {
      if (!send(*m.rows.front(), true, unused)) return false;
      continue;
    }
    std::vector<std::string> lines;
    std::vector<std::int64_t> ids;
    for (const auto* r : m.rows) {
      lines.push_back(flagged(r->payload));
      ids.push_back(r->id);
    }
    if (!publish_tracked(m.topic, deflate_batch(lines), 1, false, std::move(ids))) return false;
    ++stats_.batches;
  }
  backfill_cursor_ = std::max(backfill_cursor_, rows[taken - 1].id);
  return true;
}

std::size_t mqtt_publisher::backfill_tokens(std::size_t want) {
  if (options_.backfill_rate_per_s <= 0) return want;
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - backfill_refill_).count();
  backfill_refill_ = now;
  // A burst of at most a second's worth, and never less than one batch (or nothing would go).
  const double burst = std::max({1.0, options_.backfill_rate_per_s, static_cast<double>(options_.backfill_batch)});
  backfill_tokens_ = std::min(burst, backfill_tokens_ + elapsed * options_.backfill_rate_per_s);
  if (backfill_tokens_ >= 1.0) {
    const auto n = std::min(want, static_cast<std::size_t>(backfill_tokens_));
    backfill_tokens_ -= static_cast<double>(n);
    return n;
  }
  // Come back when the next token is due (live rows still wake the pump on their own).
  const auto wait = std::chrono::duration<double>((1.0 - backfill_tokens_) / options_.backfill_rate_per_s);
  if (!retry_scheduled_) {
    retry_scheduled_ = true;
    retry_timer_.expires_after(std::chrono::duration_cast<std::chrono::milliseconds>(wait) + std::chrono::milliseconds(1));
    retry_timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
      if (!*alive) return;
      retry_scheduled_ = false;
      if (!ec) pump();
    });
  }
  return 0;
}

bool mqtt_publisher::send(const outbox_row& r, bool historical, std::int64_t& cursor) {
  // HQ tells a late event from a live one without comparing clocks.
  const bool event = r.topic.find("/events/") != std::string::npos || r.topic.ends_with("/stats");
  const bool flag = historical && event && r.payload.starts_with("{");
  const auto size = r.payload.size() + (flag ? historical_flag.size() : 0);
  if (size > options_.max_payload_bytes) {
    log_->error("mqtt: dropped outbox row {} for {}: {} bytes, over mqtt.max_payload_bytes ({})", r.id, r.topic, size,
                options_.max_payload_bytes);
    stats_.last_error = "dropped an oversized message";
    outbox_.drop_oversize(r.id, r.payload.size());
    cursor = r.id;
    return true;
  }
  // Set first: a lost connection inside publish_tracked starts the cursors over, and that stands.
  cursor = r.id - 1;
  const bool ok = publish_tracked(r.topic, flag ? flagged(r.payload) : r.payload, r.qos, r.retain, {r.id});
  if (ok) cursor = r.id;
  return ok;
}

bool mqtt_publisher::publish_tracked(const std::string& topic, const std::string& payload, int qos, bool retain,
                                     std::vector<std::int64_t> ids) {
  const auto tag = ++next_tag_ == 0 ? ++next_tag_ : next_tag_;  // 0 marks untracked messages
  inflight_.emplace(tag, std::move(ids));
  try {
    bridge_->publish(topic, payload, qos, retain, tag);
    ++stats_.published;
    return true;
  } catch (const mqtt::exception& e) {
    inflight_.erase(tag);
    if (!bridge_->connected()) {
      on_connection_lost(std::string("publish: ") + e.what());
      return false;
    }
    // Connected but refused (Paho's queue is full): take the rows back and retry shortly.
    stats_.last_error = std::string("publish: ") + e.what();
    retry_pump_soon();
    return false;
  }
}

void mqtt_publisher::wake() { pump(); }

void mqtt_publisher::update_status(std::string birth, std::string goodbye) {
  options_.birth_payload = std::move(birth);
  options_.goodbye_payload = std::move(goodbye);
  if (state_ != state::connected || stopping_) return;
  try {
    publish_birth();
  } catch (const mqtt::exception& e) {
    log_->warn("mqtt: new status not published now ({}); it goes out with the next connect", e.what());
  }
}

void mqtt_publisher::publish_birth() {
  if (options_.status_topic.empty()) return;
  // Tag 0: untracked, the status is not an outbox row.
  bridge_->publish(options_.status_topic, options_.birth_payload, 1, true, 0);
}

void mqtt_publisher::retry_pump_soon() {
  if (retry_scheduled_) return;
  retry_scheduled_ = true;
  retry_timer_.expires_after(std::chrono::milliseconds(50));
  retry_timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (!*alive) return;
    retry_scheduled_ = false;
    if (!ec) pump();
  });
}

void mqtt_publisher::on_published(std::uintptr_t tag) {
  const auto it = inflight_.find(tag);
  if (it == inflight_.end()) return;
  acked_.insert(acked_.end(), it->second.begin(), it->second.end());
  stats_.acknowledged += static_cast<std::int64_t>(it->second.size());
  inflight_.erase(it);
  // The window refills at once (the cursor keeps acknowledged rows from going out again);
  // deletes are batched, since each transaction costs an fsync on the SD card.
  pump();
  if (acked_.size() >= ack_batch) {
    flush_acks();
  } else if (!flush_scheduled_) {
    flush_scheduled_ = true;
    flush_timer_.expires_after(ack_flush_delay);
    flush_timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
      if (!ec && *alive) flush_acks();
    });
  }
}

void mqtt_publisher::on_subscribed(const std::string& filter, bool ok, int code) {
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

void mqtt_publisher::on_inbound(const std::string& topic, const std::string& payload) {
  if (stopping_) return;
  if (payload.size() > options_.max_inbound_bytes) {
    ++stats_.oversized_dropped;
    log_->warn("mqtt: dropped a {}-byte message on {} (limit {})", payload.size(), topic, options_.max_inbound_bytes);
    return;
  }
  ++stats_.received;
  if (on_message_) on_message_(topic, payload);
}

void mqtt_publisher::on_publish_failed(std::uintptr_t tag, const std::string& why) {
  const auto it = inflight_.find(tag);
  if (it == inflight_.end()) return;
  stats_.last_error = why;
  const auto first = it->second.front();  // a batch's rows are in id order
  log_->warn("mqtt: {} for outbox row {}; resending from there", why, first);
  // Resend from the failed row: later rows may be sent twice, which HQ's dedupe absorbs.
  // Which lane it came from does not matter: each cursor only moves back, and a lane's
  // query skips the other lane's rows.
  backfill_cursor_ = std::min(backfill_cursor_, first - 1);
  cursor_ = std::min(cursor_, first - 1);
  inflight_.erase(it);
  retry_pump_soon();
}

void mqtt_publisher::flush_acks() {
  if (flush_scheduled_) {
    flush_scheduled_ = false;
    flush_timer_.cancel();
  }
  if (acked_.empty()) return;
  try {
    outbox_.remove(acked_);
  } catch (const std::exception& e) {
    // The rows stay and are sent again later: a duplicate, never a loss.
    log_->error("mqtt: cannot delete acknowledged rows: {}", e.what());
  }
  acked_.clear();
}

void mqtt_publisher::stop(std::chrono::milliseconds drain, std::function<void()> done) {
  stopping_ = true;
  timer_.cancel();
  retry_timer_.cancel();
  wait_for_drain(std::chrono::steady_clock::now() + drain, std::move(done));
}

void mqtt_publisher::wait_for_drain(std::chrono::steady_clock::time_point deadline, std::function<void()> done) {
  if (state_ == state::connected && !inflight_.empty() && std::chrono::steady_clock::now() < deadline) {
    timer_.expires_after(std::chrono::milliseconds(20));
    timer_.async_wait([this, alive = alive_, deadline, done = std::move(done)](const boost::system::error_code&) mutable {
      if (*alive) wait_for_drain(deadline, std::move(done));
    });
    return;
  }
  flush_acks();
  say_goodbye();
  done();
}

void mqtt_publisher::say_goodbye() {
  if (state_ == state::connected && bridge_) {
    if (!options_.status_topic.empty() &&
        !bridge_->publish_and_wait(options_.status_topic, options_.goodbye_payload, std::chrono::seconds(2)))
      log_->warn("mqtt: goodbye status not acknowledged; HQ will see the Last Will instead");
    bridge_->disconnect(std::chrono::seconds(2));
  }
  if (!inflight_.empty())
    log_->info("mqtt: {} messages unacknowledged at stop stay in the outbox", inflight_.size());
  inflight_.clear();
  state_ = state::stopped;
  bridge_.reset();
}

publisher_stats mqtt_publisher::stats() const {
  auto s = stats_;
  s.connected = state_ == state::connected;
  s.inflight = static_cast<std::int64_t>(inflight_.size());
  return s;
}

std::vector<std::int64_t> mqtt_publisher::unsettled_rows() const {
  std::vector<std::int64_t> out(acked_.begin(), acked_.end());
  for (const auto& [tag, ids] : inflight_) out.insert(out.end(), ids.begin(), ids.end());
  return out;
}

}  // namespace kelu::sync
