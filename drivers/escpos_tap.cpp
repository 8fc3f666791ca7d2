// SPDX-License-Identifier: Apache-2.0
#include "escpos_tap.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/serial_port.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include <array>

#include <functional>

namespace kelu::drivers {

namespace asio = boost::asio;

escpos_tap_options escpos_tap_options_for(const config::config& c, const core::time_zone& store_zone,
                                          receipt_layout layout) {
  const auto& e = c.sources.escpos;
  escpos_tap_options o;
  o.store_id = c.store.id;
  o.source_id = e.source_id;
  o.listen = e.listen;
  o.port = static_cast<std::uint16_t>(e.port);
  if (!e.printer.empty()) {
    const auto colon = e.printer.rfind(':');  // checked by the config loader
    o.printer_host = e.printer.substr(0, colon);
    o.printer_port = static_cast<std::uint16_t>(std::stoi(e.printer.substr(colon + 1)));
  }
  o.serial_device = e.serial_device;
  o.serial_printer_device = e.serial_printer_device;
  o.serial_baud = static_cast<unsigned>(e.serial_baud);
  o.max_job_bytes = static_cast<std::size_t>(e.max_job_bytes);
  o.connect_timeout = std::chrono::seconds(e.connect_timeout_s);
  o.layout = std::move(layout);
  o.default_currency = c.store.currency;
  o.zone = store_zone;
  return o;
}
using tcp = asio::ip::tcp;

namespace {
// After the till closes, how long the printer may keep its side open (status replies).
constexpr std::chrono::seconds printer_linger{5};
constexpr std::chrono::seconds serial_reopen{5};
constexpr std::chrono::seconds store_retry{1};
constexpr std::size_t receipts_per_commit = 500;
}  // namespace

class escpos_tap::capture {
 public:
  capture(escpos_tap& owner) : owner_(owner) {}

  void feed(const char* data, std::size_t n) {
    if (overflow_) return;
    buf_.append(data, n);
    auto scan = scan_escpos(buf_, false);
    buf_.erase(0, scan.consumed);
    for (auto& r : scan.receipts) owner_.on_receipt(std::move(r));
    if (buf_.size() > owner_.options_.max_job_bytes) {
      // Printing goes on; only our copy stops until the job ends.
      overflow_ = true;
      ++owner_.stats_.oversized_jobs;
      owner_.health_.failed("a print job outgrew sources.escpos.max_job_bytes; it printed but was not read",
                            owner_.clock_.now_utc());
      std::string().swap(buf_);
    }
  }

  void finish() {
    if (!overflow_)
      for (auto& r : scan_escpos(buf_, true).receipts) owner_.on_receipt(std::move(r));
    std::string().swap(buf_);
    overflow_ = false;
  }

 private:
  escpos_tap& owner_;
  std::string buf_;
  bool overflow_ = false;
};

class escpos_tap::tcp_job : public std::enable_shared_from_this<tcp_job> {
 public:
  tcp_job(escpos_tap& owner, tcp::socket till)
      : owner_(owner),
        alive_(owner.alive_),
        till_(std::move(till)),
        printer_(till_.get_executor()),
        resolver_(till_.get_executor()),
        timer_(till_.get_executor()),
        capture_(owner) {}

  void start() {
    ++owner_.stats_.jobs;
    boost::system::error_code ignored;
    till_.set_option(asio::socket_base::linger(true, 0), ignored);  // a reset if we die before end_cleanly()
    timer_.expires_after(owner_.options_.connect_timeout);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec && *self->alive_ && !self->connected_) self->printer_.close(ec);  // the deadline: abandon the attempt
    });
    resolver_.async_resolve(owner_.options_.printer_host, std::to_string(owner_.options_.printer_port),
                            [self = shared_from_this()](boost::system::error_code ec, tcp::resolver::results_type r) {
                              if (!*self->alive_) return;
                              if (ec) return self->unreachable(ec.message());
                              asio::async_connect(self->printer_, r,
                                                  [self](boost::system::error_code ec2, const tcp::endpoint&) {
                                                    if (!*self->alive_) return;
                                                    if (ec2) return self->unreachable(ec2.message());
                                                    self->connected_ = true;
                                                    self->timer_.cancel();
                                                    self->read_till();
                                                    self->read_printer();
                                                  });
                            });
  }

  void close() {
    boost::system::error_code ec;
    till_.close(ec);
    printer_.close(ec);
    timer_.cancel();
  }

  // At the agent's stop: a job whose receipts are all read and stored ends as usual; any other is
  // reset, for the till to print it again.
  void stop() {
    if (till_eof_ && owner_.pending_.stored >= receipts_up_to_) return end_cleanly();
    done();
  }

  // Ends the job for the till once both ends have closed and its receipts are stored; the tap
  // calls it again after each commit.
  void release() {
    if (finished_ || !till_eof_ || !printer_eof_ || owner_.pending_.stored < receipts_up_to_) return;
    end_cleanly();
  }

 private:
  void end_cleanly() {
    boost::system::error_code ignored;
    till_.set_option(asio::socket_base::linger(false, 0), ignored);
    till_.shutdown(tcp::socket::shutdown_send, ignored);
    done();
  }

  void unreachable(const std::string& why) {
    // Without the printer there is no printing to protect: the till sees what it would see
    // without us, a printer that does not answer.
    ++owner_.stats_.printer_unreachable;
    const auto msg = "printer " + owner_.options_.printer_host + ":" + std::to_string(owner_.options_.printer_port) +
                     " unreachable: " + why;
    owner_.health_.failed(msg, owner_.clock_.now_utc());
    owner_.log_->error("{}: {}", owner_.options_.source_id, msg);
    done();
  }

  void read_till() {
    till_.async_read_some(asio::buffer(up_), [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
      if (!*self->alive_) return;
      if (n > 0) {
        // Forward first; our copy is read after the bytes are on their way.
        asio::async_write(self->printer_, asio::buffer(self->up_.data(), n),
                          [self, n](boost::system::error_code wec, std::size_t) {
                            if (!*self->alive_) return;
                            if (wec) return self->done();
                            self->owner_.stats_.bytes_to_printer += static_cast<std::int64_t>(n);
                            self->capture_.feed(self->up_.data(), n);
                            self->read_till();
                          });
        return;
      }
      if (ec) self->till_closed(ec);
    });
  }

  void till_closed(boost::system::error_code ec) {
    capture_.finish();
    receipts_up_to_ = owner_.pending_.queued;
    if (ec != asio::error::eof) return done();
    boost::system::error_code ignored;
    printer_.shutdown(tcp::socket::shutdown_send, ignored);
    till_eof_ = true;
    release();
    if (finished_) return;
    // The printer may keep its side open, or the store fail: the till is let go regardless.
    timer_.expires_after(printer_linger);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code tec) {
      if (!tec && *self->alive_ && !self->finished_) self->end_cleanly();
    });
  }

  void read_printer() {
    printer_.async_read_some(asio::buffer(down_), [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
      if (!*self->alive_) return;
      if (n > 0) {
        asio::async_write(self->till_, asio::buffer(self->down_.data(), n),
                          [self, n](boost::system::error_code wec, std::size_t) {
                            if (!*self->alive_) return;
                            if (wec) return self->done();
                            self->owner_.stats_.bytes_to_till += static_cast<std::int64_t>(n);
                            self->read_printer();
                          });
        return;
      }
      if (!ec) return;
      self->printer_eof_ = true;
      if (ec != asio::error::eof) return self->done();
      if (self->till_eof_) return self->release();
      boost::system::error_code ignored;  // the printer closed first: the till may still be sending
      self->till_.shutdown(tcp::socket::shutdown_send, ignored);
    });
  }

  void done() {
    if (finished_) return;
    finished_ = true;
    close();
    owner_.jobs_.erase(shared_from_this());
  }

  escpos_tap& owner_;
  std::shared_ptr<bool> alive_;
  tcp::socket till_;
  tcp::socket printer_;
  tcp::resolver resolver_;
  asio::steady_timer timer_;
  capture capture_;
  std::array<char, 16384> up_{};
  std::array<char, 4096> down_{};
  bool connected_ = false, till_eof_ = false, printer_eof_ = false, finished_ = false;
  std::int64_t receipts_up_to_ = 0;  // this job's receipts are stored once pending_.stored reaches it
};

class escpos_tap::serial_relay : public std::enable_shared_from_this<serial_relay> {
 public:
  explicit serial_relay(escpos_tap& owner)
      : owner_(owner),
        alive_(owner.alive_),
        till_(owner.ex_),
        printer_(owner.ex_),
        gap_(owner.ex_),
        reopen_(owner.ex_),
        capture_(owner) {}

  // Opens both ports; an error names the device. Later failures reopen on their own.
  core::status open() {
    for (auto [port, dev] : {std::pair{&till_, &owner_.options_.serial_device},
                             std::pair{&printer_, &owner_.options_.serial_printer_device}}) {
      boost::system::error_code ec;
      port->open(*dev, ec);
      if (!ec) port->set_option(asio::serial_port::baud_rate(owner_.options_.serial_baud), ec);
      if (!ec) port->set_option(asio::serial_port::character_size(8), ec);
      if (!ec) port->set_option(asio::serial_port::parity(asio::serial_port::parity::none), ec);
      if (!ec) port->set_option(asio::serial_port::stop_bits(asio::serial_port::stop_bits::one), ec);
      if (!ec) port->set_option(asio::serial_port::flow_control(asio::serial_port::flow_control::none), ec);
      if (ec) {
        close();
        return core::error{"cannot open serial port " + *dev + ": " + ec.message()};
      }
    }
    read_till();
    read_printer();
    return core::ok();
  }

  void start() {
    if (auto st = open(); !st) fail(st.error_message());
  }

  void close() {
    boost::system::error_code ec;
    till_.close(ec);
    printer_.close(ec);
    gap_.cancel();
  }

  void stop() {
    close();
    reopen_.cancel();
  }

 private:
  void fail(const std::string& why) {
    close();
    capture_.finish();
    owner_.health_.failed(why, owner_.clock_.now_utc());
    owner_.log_->error("{}: {}; retrying in {} s", owner_.options_.source_id, why, serial_reopen.count());
    reopen_.expires_after(serial_reopen);
    reopen_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec && *self->alive_) self->start();
    });
  }

  void read_till() {
    till_.async_read_some(asio::buffer(up_), [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
      if (!*self->alive_ || ec == asio::error::operation_aborted) return;
      if (ec) return self->fail("serial port " + self->owner_.options_.serial_device + ": " + ec.message());
      asio::async_write(self->printer_, asio::buffer(self->up_.data(), n), [self, n](boost::system::error_code wec, std::size_t) {
        if (!*self->alive_ || wec == asio::error::operation_aborted) return;
        if (wec) return self->fail("serial port " + self->owner_.options_.serial_printer_device + ": " + wec.message());
        if (!self->in_job_) {
          ++self->owner_.stats_.jobs;
          self->in_job_ = true;
        }
        self->owner_.stats_.bytes_to_printer += static_cast<std::int64_t>(n);
        self->capture_.feed(self->up_.data(), n);
        // A serial line never closes: silence ends the job.
        self->gap_.expires_after(self->owner_.options_.serial_job_gap);
        self->gap_.async_wait([self](boost::system::error_code gec) {
          if (gec || !*self->alive_) return;
          self->capture_.finish();
          self->in_job_ = false;
        });
        self->read_till();
      });
    });
  }

  void read_printer() {
    printer_.async_read_some(asio::buffer(down_), [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
      if (!*self->alive_ || ec == asio::error::operation_aborted) return;
      if (ec) return self->fail("serial port " + self->owner_.options_.serial_printer_device + ": " + ec.message());
      asio::async_write(self->till_, asio::buffer(self->down_.data(), n), [self, n](boost::system::error_code wec, std::size_t) {
        if (!*self->alive_ || wec == asio::error::operation_aborted) return;
        if (wec) return self->fail("serial port " + self->owner_.options_.serial_device + ": " + wec.message());
        self->owner_.stats_.bytes_to_till += static_cast<std::int64_t>(n);
        self->read_printer();
      });
    });
  }

  escpos_tap& owner_;
  std::shared_ptr<bool> alive_;
  asio::serial_port till_;
  asio::serial_port printer_;
  asio::steady_timer gap_;
  asio::steady_timer reopen_;
  capture capture_;
  std::array<char, 4096> up_{};
  std::array<char, 1024> down_{};
  bool in_job_ = false;
};

escpos_tap::escpos_tap(asio::any_io_executor ex, core::event_ingest& ingest, const core::clock& clock,
                       escpos_tap_options options, std::shared_ptr<spdlog::logger> log)
    : ex_(ex),
      ingest_(ingest),
      clock_(clock),
      options_(std::move(options)),
      log_(std::move(log)),
      // Print jobs at once: a till prints one at a time, so this is a whole store's tills sharing a
      // printer with room to spare. Past it a connection is closed with nothing said (the printer
      // protocol has no "busy"), and the till's driver retries the job.
      listener_(ex, {options_.listen, options_.port, "sources.escpos", max_print_jobs, ""},
                [this] { return jobs_.size(); }, [this](tcp::socket socket) { on_connection(std::move(socket)); },
                log_),
      retry_timer_(ex),
      health_(options_.source_id, "escpos") {}

escpos_tap::~escpos_tap() {
  stop();
  *alive_ = false;
}

core::status escpos_tap::start() {
  auto parser = receipt_parser::create(options_.layout, options_.default_currency, options_.zone);
  if (!parser) return core::error{"sources." + parser.error_message()};
  parser_ = std::move(parser).value();
  if (options_.printer_host.empty() && options_.serial_device.empty())
    return core::error{"sources.escpos: set printer (network tap) or serial_device and serial_printer_device"};
  if (!options_.printer_host.empty()) {
    auto port = listener_.start();
    if (!port) return core::error{port.error_message()};
    port_ = *port;
    log_->info("{}: printer tap on port {} -> {}:{}", options_.source_id, port_, options_.printer_host,
               options_.printer_port);
  }
  if (!options_.serial_device.empty()) {
    if (options_.serial_printer_device.empty())
      return core::error{"sources.escpos.serial_printer_device: required with serial_device"};
    serial_ = std::make_shared<serial_relay>(*this);
    if (auto st = serial_->open(); !st) return core::error{"sources.escpos.serial_device: " + st.error_message()};
    log_->info("{}: serial printer tap {} -> {}", options_.source_id, options_.serial_device,
               options_.serial_printer_device);
  }
  return core::ok();
}

void escpos_tap::on_connection(tcp::socket socket) {
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  auto job = std::make_shared<tcp_job>(*this, std::move(socket));
  jobs_.insert(job);
  job->start();
}

escpos_tap_stats escpos_tap::stats() const {
  auto s = stats_;
  s.refused_jobs = listener_.stats().refused;
  return s;
}

void escpos_tap::on_receipt(std::string raw_text) {
  if (stopped_) return;  // a job torn down by stop(): nothing new reaches the store
  const auto now = clock_.now_utc();
  core::result<receipt_parse> parsed = core::error{"no parser"};
  try {
    parsed = parser_->parse(raw_text);
  } catch (const std::exception& e) {
    // std::regex can throw on pathological input; printing has already happened.
    parsed = core::error{std::string("pattern matching failed: ") + e.what()};
  }
  if (!parsed) {
    ++stats_.unparsed;
    health_.rejected("receipt " + parsed.error_message(), now);
    log_->warn("{}: receipt not read: {}", options_.source_id, parsed.error_message());
    return;
  }
  if (!parsed->record) {
    ++stats_.other_prints;
    return;
  }
  ++stats_.receipts;
  if (pending_.events.size() >= options_.max_pending_receipts) {
    ++stats_.dropped_receipts;
    health_.failed("receipt dropped: the store has not taken receipts for a while", now);
    return;
  }
  pending_.events.push_back(
      make_pos_event(std::move(*parsed->record), {options_.store_id, options_.source_id, now}, options_.zone));
  ++pending_.queued;
  submit_pending();
}

void escpos_tap::submit_pending() {
  if (pending_.submitting || pending_.events.empty()) return;
  pending_.submitting = true;
  const auto n = std::min(pending_.events.size(), receipts_per_commit);
  std::vector<core::event> batch(pending_.events.begin(), pending_.events.begin() + static_cast<std::ptrdiff_t>(n));
  ingest_.submit(std::move(batch), [this, n, alive = alive_](core::result<std::vector<core::commit_outcome>> r) {
    if (!*alive) return;
    pending_.submitting = false;
    if (!r) {
      health_.failed("receipts not stored yet, retrying: " + r.error_message(), clock_.now_utc());
      retry_timer_.expires_after(store_retry);
      retry_timer_.async_wait([this, alive](boost::system::error_code ec) {
        if (!ec && *alive) submit_pending();
      });
      return;
    }
    health_.committed(*r, clock_.now_utc());
    pending_.events.erase(pending_.events.begin(), pending_.events.begin() + static_cast<std::ptrdiff_t>(n));
    pending_.stored += static_cast<std::int64_t>(n);
    for (const auto& job : std::vector(jobs_.begin(), jobs_.end())) job->release();  // release() may erase it
    submit_pending();
  });
}

void escpos_tap::stop() {
  if (stopped_) return;
  stopped_ = true;
  listener_.stop();
  for (const auto& j : std::vector(jobs_.begin(), jobs_.end())) j->stop();  // each erases itself
  jobs_.clear();
  if (serial_) serial_->stop();
  retry_timer_.cancel();
  if (!pending_.events.empty())
    log_->warn("{}: {} receipts not stored at stop (receipts have no resend)", options_.source_id,
               pending_.events.size());
}

}  // namespace kelu::drivers
