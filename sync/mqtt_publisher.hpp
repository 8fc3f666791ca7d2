// SPDX-License-Identifier: Apache-2.0
#pragma once
// Publishes outbox rows to HQ over MQTT (Paho async client), in outbox order, with at
// most `max_inflight` unacknowledged. A row is deleted only after its PUBACK; after a lost
// connection everything unacknowledged is sent again from the outbox (HQ dedupes on
// (source, seq)), so Paho's own offline buffer is never relied upon.
//
// Connection state is announced on the retained `status` topic: a birth message after
// every connect, a Last Will for a dead link, and a goodbye on a clean stop.
//
// It also receives: `subscriptions` are (re)made at QoS 1 after every connect (the session
// is clean), each acknowledgement (SUBACK) is logged and a refusal logged and counted, and
// each message is handed to `on_message` on the io_context thread. Messages larger than
// `max_inbound_bytes` are dropped and counted, never handed on.
//
// Threading: every public method on the io_context thread. Paho calls back on its own
// thread; those callbacks only post to the io_context. After stop()'s `done` ran, no
// callback touches the outbox again, and the publisher may be destroyed while the io_context
// runs on (handlers it queued find it gone and do nothing).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/backoff.hpp"
#include "outbox.hpp"

namespace spdlog {
class logger;
}

namespace kelu::sync {

struct publisher_options {
  std::string uri;
  std::string client_id;
  std::string username;
  std::string password;
  int mqtt_version = 4;  // 4: MQTT 3.1.1, 5: MQTT 5 (falls back to 3.1.1 when the broker refuses 5)
  std::chrono::seconds keep_alive{30};
  std::chrono::seconds connect_timeout{10};
  std::size_t max_inflight = 64;
  std::chrono::milliseconds reconnect_min{500};
  std::chrono::milliseconds reconnect_max{60000};
  std::string tls_ca_file;    // TLS is used for ssl://, mqtts:// and wss:// URIs
  std::string tls_cert_file;
  std::string tls_key_file;
  bool tls_verify_hostname = true;
  std::string status_topic;  // empty: no birth, Last Will or goodbye (`kelu doctor`'s trial connection)
  std::string birth_payload;    // retained on `status_topic` after each connect
  std::string will_payload;     // the broker publishes it if the link dies
  std::string goodbye_payload;  // retained on a clean stop
  std::vector<std::string> subscriptions;
  std::size_t max_inbound_bytes = 65536;
  // An outgoing message larger than this is dropped (counted, logged): brokers refuse or
  // disconnect on oversized publishes (AWS IoT 128 KiB, EMQX 1 MiB by default), and a row
  // that can never go would hold its lane forever.
  std::size_t max_payload_bytes = 256 * 1024;
  // Two lanes. The backlog is what waited longer than `live_window` at a connect, and rows
  // written as history (kelu ingest, replays): it goes out oldest first, flagged
  // "historical", at most `backfill_rate_per_s` a second (0: no cap), in the window slots the
  // live lane leaves free. Everything else is live and goes first.
  std::chrono::seconds live_window{60};
  double backfill_rate_per_s = 0;
  // Above 1: up to this many backlog events of one stream go as one zlib-compressed message on
  // backfill/{stream} (sync/batch_codec.hpp), one PUBACK deleting them all. HQ must read
  // backfill/, so it is off (0) unless configured. The rate cap still counts events.
  std::size_t backfill_batch = 0;
};

using message_handler = std::function<void(const std::string& topic, const std::string& payload)>;

struct publisher_stats {
  bool connected = false;
  std::int64_t published = 0;     // MQTT messages
  std::int64_t acknowledged = 0;  // outbox rows whose PUBACK came (a batch acknowledges several)
  std::int64_t batches = 0;       // compressed backlog messages published
  std::int64_t connects = 0;
  std::int64_t connection_failures = 0;
  std::int64_t inflight = 0;
  std::int64_t received = 0;
  std::int64_t subscribed = 0;  // subscriptions acknowledged (SUBACK), over every connection
  std::int64_t subscribe_failures = 0;
  std::int64_t oversized_dropped = 0;
  std::int64_t historical = 0;  // backlog rows published (flagged historical), batched or not
  int protocol = 0;             // the MQTT version of the current or last connection attempt
  std::string last_error;
};

class mqtt_publisher {
 public:
  mqtt_publisher(boost::asio::any_io_executor ex, outbox& out, publisher_options options,
                 std::shared_ptr<spdlog::logger> log);
  ~mqtt_publisher();
  mqtt_publisher(const mqtt_publisher&) = delete;
  mqtt_publisher& operator=(const mqtt_publisher&) = delete;

  void on_message(message_handler h) { on_message_ = std::move(h); }
  void start();
  // New rows were committed: publish them if the window allows.
  void wake();
  // A new birth and goodbye (after a config reload changed the hash): the birth is published
  // again at once when connected. The Last Will, fixed at CONNECT, changes on the next connect.
  void update_status(std::string birth, std::string goodbye);
  // Stops publishing, waits up to `drain` for in-flight acknowledgements, publishes the
  // goodbye status and disconnects (each step bounded), then calls `done`.
  void stop(std::chrono::milliseconds drain, std::function<void()> done);
  publisher_stats stats() const;
  // Outbox rows published and not yet deleted (awaiting PUBACK, or acknowledged and waiting for
  // the next batched delete): the quota must not drop them, they are delivered or on their way.
  std::vector<std::int64_t> unsettled_rows() const;

 private:
  class bridge;
  void connect();
  void on_connected();
  void on_connect_failed(const std::string& why);
  void on_connection_lost(const std::string& why);
  void on_published(std::uintptr_t tag);
  void on_subscribed(const std::string& filter, bool ok, int code);
  void on_inbound(const std::string& topic, const std::string& payload);
  void on_publish_failed(std::uintptr_t tag, const std::string& why);
  void schedule_reconnect();
  void flush_acks();
  void retry_pump_soon();
  void publish_birth();  // throws mqtt::exception, like every Paho call
  void pump();
  // Publishes one row; false when the caller must stop (connection lost or Paho refused it,
  // in which case `cursor` is wound back so the row goes again).
  bool send(const outbox_row& r, bool historical, std::int64_t& cursor);
  // Publishes a message standing for outbox rows `ids` (deleted on its PUBACK); false when it did
  // not go (connection lost, or Paho's queue full: a retry is scheduled).
  bool publish_tracked(const std::string& topic, const std::string& payload, int qos, bool retain,
                       std::vector<std::int64_t> ids);
  // How many of `want` backlog rows the rate cap lets go now; 0 schedules a retry.
  std::size_t backfill_tokens(std::size_t want);
  bool send_batches(const std::vector<outbox_row>& rows, std::size_t& taken);
  void wait_for_drain(std::chrono::steady_clock::time_point deadline, std::function<void()> done);
  void say_goodbye();

  enum class state { idle, connecting, connected, stopped };

  boost::asio::any_io_executor ex_;
  outbox& outbox_;
  publisher_options options_;
  std::shared_ptr<spdlog::logger> log_;
  static constexpr std::size_t ack_batch = 512;
  static constexpr std::chrono::milliseconds ack_flush_delay{50};
  boost::asio::steady_timer timer_;
  boost::asio::steady_timer flush_timer_;
  boost::asio::steady_timer retry_timer_;
  bool retry_scheduled_ = false;
  core::backoff backoff_;
  state state_ = state::idle;
  bool stopping_ = false;
  // MQTT 5 configured but refused (RabbitMQ 3.10 drops a v5 CONNECT): after two failed v5
  // attempts one 3.1.1 attempt; if that connects, 3.1.1 it stays until the agent restarts.
  int configured_version_ = 4;
  int v5_failures_ = 0;
  bool version_switch_ = false;
  std::int64_t cursor_ = 0;           // live lane: highest outbox id sent on this connection
  std::int64_t backlog_end_ = 0;      // ids up to this were the backlog at connect
  std::int64_t backfill_cursor_ = 0;  // backfill lane: highest backlog id sent
  double backfill_tokens_ = 0;
  std::chrono::steady_clock::time_point backfill_refill_{};
  std::chrono::steady_clock::time_point backfill_started_{};
  std::int64_t backfill_sent_ = 0;  // on this connection, for the log line when the lane empties
  std::uintptr_t next_tag_ = 0;
  std::unordered_map<std::uintptr_t, std::vector<std::int64_t>> inflight_;  // publish tag -> outbox ids
  std::vector<std::int64_t> acked_;
  bool flush_scheduled_ = false;
  publisher_stats stats_;
  message_handler on_message_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::unique_ptr<bridge> bridge_;  // owns the Paho client; destroyed first
};

}  // namespace kelu::sync
