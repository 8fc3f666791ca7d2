// SPDX-License-Identifier: Apache-2.0
#pragma once
// POS transactions as JSON lines over TCP (docs/pos-jsonl.md). Every line gets exactly
// one answer line, in order: {"ok":true,...,"seq":N} only after the transaction is
// committed, {"ok":false,"error":...,"retry":bool} otherwise. A POS that resends after a
// timeout is safe: duplicates (same store, terminal, business day, transaction id) are answered ok with
// "duplicate":true and stored once.
//
// Lines that arrive together are committed together (one transaction per read), and
// answers are written after that commit. Bounded: connections, line length, idle time.
// All methods on the io_context thread.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <set>
#include <string>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/event_ingest.hpp"
#include "core/time_zone.hpp"
#include "health_recorder.hpp"
#include "tcp_listener.hpp"
#include "source.hpp"

namespace spdlog {
class logger;
}

namespace kelu::drivers {

// Built by pos_tcp_options_for(): the values, defaults included, are the key table's
// (sources.pos_tcp.*, config/schema.cpp), never this struct's own.
struct pos_tcp_options {
  std::string store_id;
  std::string source_id;
  std::string listen;
  std::uint16_t port = 0;  // 0: any free port (tests)
  std::size_t max_line_bytes = 0;
  std::size_t max_connections = 0;
  std::chrono::seconds idle_timeout{};
  std::chrono::seconds write_timeout{10};  // not a key: a till that reads nothing for 10 s is gone
  std::string default_currency;
  core::time_zone zone = core::time_zone::utc();  // for times sent without a zone
};

pos_tcp_options pos_tcp_options_for(const config::config& c, const core::time_zone& store_zone);

struct pos_tcp_stats {
  std::int64_t connections = 0;  // open now
  std::int64_t refused_connections = 0;
  std::int64_t accepted = 0;     // stored, duplicates included
  std::int64_t duplicates = 0;
  std::int64_t rejected = 0;     // bad lines
  std::int64_t retry_later = 0;  // lines answered "retry" (busy, storage error)
};

class pos_tcp_source final : public source {
 public:
  pos_tcp_source(boost::asio::any_io_executor ex, core::event_ingest& ingest, const core::clock& clock,
                 pos_tcp_options options, std::shared_ptr<spdlog::logger> log);
  ~pos_tcp_source() override;

  // Binds and starts accepting. An address in use or a bad address is an error value.
  core::status start() override;
  std::uint16_t port() const { return port_; }
  // Stops accepting and closes every connection; answers not yet written are dropped and
  // the POS resends them (the dedupe makes that safe).
  void stop() override;
  core::source_health health() const override { return health_.snapshot(); }
  pos_tcp_stats stats() const;

 private:
  class session;
  void on_connection(boost::asio::ip::tcp::socket socket);
  void report_store_failure(std::size_t lines, const std::string& why);
  // A sale stamped `stamped` by `terminal`'s clock arrived `now`: logs a till found off, once.
  void observe_till_clock(const std::string& terminal, core::utc_time stamped, core::utc_time now);

  boost::asio::any_io_executor ex_;
  core::event_ingest& ingest_;
  const core::clock& clock_;
  pos_tcp_options options_;
  std::shared_ptr<spdlog::logger> log_;
  std::set<std::shared_ptr<session>> sessions_;  // before listener_, which counts them
  tcp_listener listener_;
  std::uint16_t port_ = 0;
  pos_tcp_stats stats_;
  health_recorder health_;
  std::chrono::steady_clock::time_point last_failure_log_{};
  std::int64_t unstored_since_log_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace kelu::drivers
