// SPDX-License-Identifier: Apache-2.0
#pragma once
// The receipt-printer tap: the till prints to us, we print to the real printer. Every byte
// goes through unchanged in both directions (printer status replies included) before we
// look at it; what we read from the copy never delays, alters or stops printing. A copy of
// the till's bytes is cut into receipts (scan_escpos) and each receipt with a total becomes
// a pos.transaction. Receipts carry no acknowledgement channel, so a receipt the store
// cannot take now waits in a bounded queue and is retried; past the bound it is dropped and
// counted.
//
// Network: listen on `port` (9100, the raw printing port), connect to `printer` per job; the
// job ends when the till closes. The tap closes the till's connection after the printer closes
// its side and the job's receipts are stored (or printer_linger, 5 s, has passed: printing is
// never held up by the store). Until then the connection is set to be reset if the agent dies
// (SO_LINGER 0): a till that waits for the close sees a crash as a reset and a power cut as no
// answer, never as a job that went through, and prints it again; the reprint is the same sale,
// stored once. Serial (RS-232): relay between two serial ports; a job ends at a cut, or after
// `serial_job_gap` of silence.
// All methods on the io_context thread.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <set>
#include <string>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/event_ingest.hpp"
#include "core/time_zone.hpp"
#include "escpos_receipt.hpp"
#include "health_recorder.hpp"
#include "tcp_listener.hpp"
#include "source.hpp"

namespace spdlog {
class logger;
}

namespace kelu::drivers {

// Built by escpos_tap_options_for(): the values, defaults included, are the key table's
// (sources.escpos.*, config/schema.cpp), never this struct's own.
struct escpos_tap_options {
  std::string store_id;
  std::string source_id;
  std::string listen;
  std::uint16_t port = 0;        // 0: any free port (tests)
  std::string printer_host;      // empty: no network tap
  std::uint16_t printer_port = 0;
  std::string serial_device;     // empty: no serial tap
  std::string serial_printer_device;
  unsigned serial_baud = 0;
  std::size_t max_job_bytes = 0;
  std::chrono::seconds connect_timeout{};
  std::chrono::milliseconds serial_job_gap{2000};
  std::size_t max_pending_receipts = 256;
  receipt_layout layout;
  std::string default_currency;
  core::time_zone zone = core::time_zone::utc();
};

// `layout` is the receipt layout the format options read (sources.escpos.layout and its preset).
escpos_tap_options escpos_tap_options_for(const config::config& c, const core::time_zone& store_zone,
                                          receipt_layout layout);

struct escpos_tap_stats {
  std::int64_t jobs = 0;
  std::int64_t bytes_to_printer = 0;
  std::int64_t bytes_to_till = 0;
  std::int64_t receipts = 0;          // with a total, submitted
  std::int64_t other_prints = 0;      // no total line: reports, test pages
  std::int64_t unparsed = 0;          // a receipt the patterns could not read (error logged)
  std::int64_t oversized_jobs = 0;    // past max_job_bytes: printed, not read
  std::int64_t dropped_receipts = 0;  // the retry queue was full
  std::int64_t printer_unreachable = 0;
  std::int64_t refused_jobs = 0;  // connections past max_print_jobs (tcp_listener.hpp)
};

// Print jobs the network tap relays at once.
inline constexpr std::size_t max_print_jobs = 16;

class escpos_tap final : public source {
 public:
  escpos_tap(boost::asio::any_io_executor ex, core::event_ingest& ingest, const core::clock& clock,
             escpos_tap_options options, std::shared_ptr<spdlog::logger> log);
  ~escpos_tap() override;

  core::status start() override;
  void stop() override;
  core::source_health health() const override { return health_.snapshot(); }
  std::uint16_t port() const { return port_; }
  escpos_tap_stats stats() const;

  class capture;  // one job's copy, cut into receipts

 private:
  class tcp_job;
  class serial_relay;
  void on_connection(boost::asio::ip::tcp::socket socket);
  void on_receipt(std::string raw_text);
  void submit_pending();

  boost::asio::any_io_executor ex_;
  core::event_ingest& ingest_;
  const core::clock& clock_;
  escpos_tap_options options_;
  std::shared_ptr<spdlog::logger> log_;
  std::optional<receipt_parser> parser_;
  std::set<std::shared_ptr<tcp_job>> jobs_;  // before listener_, which counts them
  tcp_listener listener_;
  std::uint16_t port_ = 0;
  std::shared_ptr<serial_relay> serial_;
  // Receipts read and not yet stored, in order; counted so that a job can tell when its own are.
  struct {
    std::deque<core::event> events;
    bool submitting = false;
    std::int64_t queued = 0;  // ever put in `events`
    std::int64_t stored = 0;  // ever committed, in queue order
  } pending_;
  bool stopped_ = false;
  boost::asio::steady_timer retry_timer_;
  escpos_tap_stats stats_;
  health_recorder health_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace kelu::drivers
