// SPDX-License-Identifier: Apache-2.0
#pragma once
// A people counter Kelu reads (Dahua videoStatServer getSummary, AXIS People Counter
// live-sum.json): every interval, on the clock's multiples of it, one GET with a deadline;
// the running totals it answers become counts per period (counter_emitter). A reading that
// fails loses nothing: the next difference covers the time since the last stored one. The
// first reading after start only sets the baseline; totals that went down (the device's
// midnight, a cleared counter) set a new one, and that interval is a coverage gap.
// All methods on the io_context thread.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/event_ingest.hpp"
#include "counter_emitter.hpp"
#include "drivers/health_recorder.hpp"
#include "drivers/source.hpp"

namespace spdlog {
class logger;
}

namespace kelu::drivers {

struct counter_poller_options {
  counter_identity id;      // id.channel is unused: the channel is asked for in the URL
  std::string vendor;       // "dahua" | "axis"
  std::string url;          // http://host[:port]
  std::string channel;      // dahua: the channel to ask for ("1" when empty)
  std::string username;
  std::string password;
  std::chrono::seconds interval{};  // counters[].interval_s
  std::chrono::seconds timeout{};   // counters[].timeout_s
};

// One polled counter of counters[], with the key table's values (config/counter_schema.cpp).
counter_poller_options counter_poller_options_for(const config::config& c, const config::counter_config& k);

struct counter_poller_stats {
  std::int64_t polls = 0;
  std::int64_t failures = 0;   // no answer, HTTP error, wrong credentials
  std::int64_t malformed = 0;  // an answer that is not the vendor's format
  std::int64_t stored = 0;     // periods committed
  std::int64_t baselines = 0;
};

class counter_poller final : public source {
 public:
  counter_poller(boost::asio::any_io_executor ex, core::event_ingest& ingest, const core::clock& clock,
                 counter_poller_options options, std::shared_ptr<spdlog::logger> log);
  ~counter_poller() override;

  core::status start() override;
  void stop() override;
  core::source_health health() const override { return health_.snapshot(); }
  const counter_poller_stats& stats() const { return stats_; }
  // The URL a reading asks for.
  std::string poll_url() const;

 private:
  void do_wait();
  void do_poll();
  void on_answer(core::result<std::string> body);
  void on_committed(const core::result<std::vector<core::commit_outcome>>& r, std::vector<counter_emitter::step> steps);

  boost::asio::any_io_executor ex_;
  core::event_ingest& ingest_;
  const core::clock& clock_;
  counter_poller_options options_;
  std::shared_ptr<spdlog::logger> log_;
  counter_emitter emitter_;
  boost::asio::steady_timer timer_;
  health_recorder health_;
  counter_poller_stats stats_;
  bool in_flight_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace kelu::drivers
