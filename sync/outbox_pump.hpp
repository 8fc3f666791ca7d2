// SPDX-License-Identifier: Apache-2.0
#pragma once
// Sends outbox rows over an mqtt_link, in outbox order, with at most `max_inflight` messages
// unacknowledged, and no new one while `max_inflight_bytes` of payload or more are (so at most
// that plus one message; one always goes). The byte bound is for slow uplinks: on a 64 kbit/s
// line with a 16 KB modem queue, 64 messages of 600 bytes in flight overflowed the queue and TCP
// carried a quarter of the line's rate (docs/RELIABILITY.md, Network faults). A row is deleted
// only after its PUBACK; after a lost connection everything unacknowledged is sent again from
// the outbox (HQ dedupes on (source, seq)).
//
// Two lanes, set at each connect. The backlog is the history rows (outbox_lane::history) and
// every row that waited longer than `live_window`: it goes out oldest first, at most
// `backfill_rate_per_s` a second (0: no cap), in the window slots the live lane leaves free,
// its events and health marked historical (core::mark_historical). Everything else is live and
// goes first. A row's lane and kind are read from the row (outbox_address.hpp), never guessed
// from its topic.
//
// Threading: every public method on the io_context thread; the link calls it on that thread.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "mqtt_link.hpp"
#include "outbox.hpp"

namespace spdlog {
class logger;
}

namespace kelu::sync {

// The mqtt.* keys' values come from publisher_options_for() (mqtt_publisher.hpp), defaults
// included: the key table (config/schema.cpp) is where they are declared, not this struct.
struct pump_options {
  std::size_t max_inflight = 0;
  std::size_t max_inflight_bytes = 0;  // 0: no byte bound
  // An outgoing message larger than this is dropped (counted, logged): brokers refuse or
  // disconnect on oversized publishes (AWS IoT 128 KiB, EMQX 1 MiB by default), and a row
  // that can never go would hold its lane forever.
  std::size_t max_payload_bytes = 0;
  std::chrono::seconds live_window{};
  double backfill_rate_per_s = 0;  // 0: no cap
  // Above 1: up to this many backlog events of one stream go as one zlib-compressed message on
  // `backfill_root` + stream (sync/batch_codec.hpp), one PUBACK deleting them all. HQ must read
  // backfill/, so it is off (0) unless configured. The rate cap still counts events.
  std::size_t backfill_batch = 0;
  std::string backfill_root;  // topics::backfill_root(); needed when backfill_batch > 1
};

struct pump_stats {
  std::int64_t published = 0;     // MQTT messages
  std::int64_t acknowledged = 0;  // outbox rows whose PUBACK came (a batch acknowledges several)
  std::int64_t batches = 0;       // compressed backlog messages published
  std::int64_t inflight = 0;
  std::int64_t inflight_bytes_peak = 0;  // the most payload bytes ever unacknowledged at once
  std::int64_t historical = 0;  // backlog rows published (marked historical), batched or not
  error_note last_error;  // the pump's own (an oversized row dropped); failed deliveries are the link's
};

class outbox_pump final : public link_listener {
 public:
  // `link` and `out` are not owned and must outlive the pump.
  outbox_pump(boost::asio::any_io_executor ex, outbox& out, mqtt_link& link, pump_options options,
              std::shared_ptr<spdlog::logger> log);
  ~outbox_pump() override;
  outbox_pump(const outbox_pump&) = delete;
  outbox_pump& operator=(const outbox_pump&) = delete;

  // New rows were committed: publish them if the window allows.
  void wake();
  // Stops publishing, waits up to `drain` for in-flight acknowledgements (while the link is
  // up), deletes what was acknowledged, then calls `done`.
  void stop(std::chrono::milliseconds drain, std::function<void()> done);
  // After the link closed: what is still unacknowledged stays in the outbox.
  void forget_inflight();
  pump_stats stats() const;
  // Outbox rows published and not yet deleted (awaiting PUBACK, or acknowledged and waiting for
  // the next batched delete): the quota must not drop them, they are delivered or on their way.
  std::vector<std::int64_t> unsettled_rows() const;

  void on_link_up() override;
  void on_link_down(const std::string& why) override;
  void on_delivered(std::uintptr_t tag) override;
  void on_delivery_failed(std::uintptr_t tag, const std::string& why) override;

 private:
  struct inflight_message {
    std::vector<std::int64_t> ids;  // the outbox rows it stands for
    std::size_t bytes = 0;          // its payload
  };
  using inflight_map = std::unordered_map<std::uintptr_t, inflight_message>;  // by publish tag

  void pump();
  // Whether another message may go now: a free slot, and (once one is in flight) bytes to spare.
  bool window_open() const;
  // Forgets a message in flight (acknowledged, failed, refused), its bytes with it.
  void settle(inflight_map::iterator it);
  void clear_inflight();
  // The backlog lane, in the window slots the live lane left, within the rate cap.
  void pump_backlog();
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
  void flush_acks();
  void retry_pump_soon(std::chrono::milliseconds delay = std::chrono::milliseconds(50));
  void wait_for_drain(std::chrono::steady_clock::time_point deadline, std::function<void()> done);

  static constexpr std::size_t ack_batch = 512;
  static constexpr std::chrono::milliseconds ack_flush_delay{50};

  outbox& outbox_;
  mqtt_link& link_;
  pump_options options_;
  std::shared_ptr<spdlog::logger> log_;
  boost::asio::steady_timer flush_timer_;
  boost::asio::steady_timer retry_timer_;  // a refused publish, the rate cap
  boost::asio::steady_timer drain_timer_;
  std::size_t failed_in_a_row_ = 0;  // deliveries failed since the last success or connect
  bool retry_scheduled_ = false;
  bool flush_scheduled_ = false;
  bool stopping_ = false;
  std::int64_t cursor_ = 0;        // live lane: highest outbox id sent on this connection
  std::int64_t backlog_end_ = 0;   // ids up to this were the backlog at connect
  std::int64_t backfill_cursor_ = 0;  // backfill lane: highest backlog id sent
  struct backfill_pace {
    double tokens = 0;
    std::chrono::steady_clock::time_point refilled{};
    std::chrono::steady_clock::time_point started{};
    std::int64_t sent = 0;  // on this connection, for the log line when the lane empties
  } backfill_;
  std::uintptr_t next_tag_ = 0;
  inflight_map inflight_;
  std::size_t inflight_bytes_ = 0;
  std::vector<std::int64_t> acked_;
  pump_stats stats_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace kelu::sync
