// SPDX-License-Identifier: Apache-2.0
#include "pos_tcp_source.hpp"

#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "pos_json_line.hpp"

namespace kelu::drivers {

pos_tcp_options pos_tcp_options_for(const config::config& c, const core::time_zone& store_zone) {
  const auto& p = c.sources.pos_tcp;
  pos_tcp_options o;
  o.store_id = c.store.id;
  o.source_id = p.source_id;
  o.listen = p.listen;
  o.port = static_cast<std::uint16_t>(p.port);
  o.max_line_bytes = static_cast<std::size_t>(p.max_line_bytes);
  o.max_connections = static_cast<std::size_t>(p.max_connections);
  o.idle_timeout = std::chrono::seconds(p.idle_timeout_s);
  o.default_currency = c.store.currency;
  o.zone = store_zone;
  return o;
}

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using nlohmann::json;

class pos_tcp_source::session : public std::enable_shared_from_this<session> {
 public:
  session(pos_tcp_source& owner, tcp::socket socket)
      : owner_(owner),
        alive_(owner.alive_),
        socket_(std::move(socket)),
        buffer_(owner.options_.max_line_bytes + 1),
        timer_(socket_.get_executor()) {}

  void start() {
    // Answers are small writes a till waits for: Nagle plus delayed ACKs would add 40 ms each.
    boost::system::error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
    read();
  }

  void close() {
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    timer_.cancel();
  }

 private:
  // One deadline per phase: idle while reading, write_timeout while writing, none while the box
  // stores what the till sent (the ingest always answers; its time is the box's, not the till's).
  void arm(std::chrono::seconds limit) {
    timer_.expires_after(limit);
    timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      auto self = weak.lock();
      // A wait already queued to run when the deadline was moved is not a deadline that passed.
      if (!self || self->timer_.expiry() > asio::steady_timer::clock_type::now()) return;
      self->close();
    });
  }
  void disarm() { timer_.expires_at(asio::steady_timer::time_point::max()); }

  void read() {
    arm(owner_.options_.idle_timeout);
    asio::async_read_until(socket_, buffer_, '\n',
                           [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                             self->on_read(ec);
                           });
  }

  void on_read(boost::system::error_code ec) {
    if (!*alive_) return;
    if (ec == asio::error::not_found) {
      // The line outgrew max_line_bytes: answer once and hang up, since the framing is lost.
      ++owner_.stats_.rejected;
      owner_.health_.rejected(peer() + ": line longer than max_line_bytes", owner_.clock_.now_utc());
      out_ = json{{"ok", false},
                  {"line", line_no_ + 1},
                  {"error", "line longer than " + std::to_string(owner_.options_.max_line_bytes) + " bytes"},
                  {"retry", false}}
                 .dump() +
             "\n";
      arm(owner_.options_.write_timeout);
      asio::async_write(socket_, asio::buffer(out_),
                        [self = shared_from_this()](boost::system::error_code, std::size_t) { self->finish(); });
      return;
    }
    if (ec) return finish();
    // The till spoke. Until its answers are written it is waiting on the box: a commit queued behind
    // others, analytics on this thread. Left armed, the idle deadline set before the line came hung
    // up on a till mid-batch whenever that took longer than what was left of it (a 300 s default
    // leaves a quiet till's sale a fraction of a second).
    disarm();
    drain_available();
    handle_lines();
  }

  // async_read_until stops at the first newline, a few hundred bytes in; whatever else the
  // till has already sent joins this batch, so a burst shares one commit instead of many.
  void drain_available() {
    boost::system::error_code ec;
    for (;;) {
      const auto available = socket_.available(ec);
      const auto room = buffer_.max_size() - buffer_.size();
      if (ec || available == 0 || room == 0) return;
      const auto n = socket_.read_some(buffer_.prepare(std::min(available, room)), ec);
      if (ec) return;  // the next async read reports it
      buffer_.commit(n);
    }
  }

  void handle_lines() {
    // Take every complete line already buffered: lines that arrive together commit together.
    answers_.clear();
    std::vector<core::event> batch;
    std::vector<std::size_t> answer_of;  // batch index -> answers_ index
    const auto now = owner_.clock_.now_utc();
    for (;;) {
      const auto data = buffer_.data();
      const std::string_view view(static_cast<const char*>(data.data()), data.size());
      const auto nl = view.find('\n');
      if (nl == std::string_view::npos) break;
      std::string_view line = view.substr(0, nl);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      ++line_no_;
      if (line.find_first_not_of(" \t") != std::string_view::npos) {
        auto parsed = parse_pos_json_line(line, owner_.options_.default_currency, owner_.options_.zone);
        if (!parsed) {
          ++owner_.stats_.rejected;
          owner_.health_.rejected(peer() + " line " + std::to_string(line_no_) + ": " + parsed.error_message(), now);
          // A till stuck sending garbage must not fill the SD card with log lines.
          if (++rejected_logged_ <= max_logged_rejections)
            owner_.log_->warn("pos-tcp {} line {}: {}{}", peer(), line_no_, parsed.error_message(),
                              rejected_logged_ == max_logged_rejections
                                  ? " (further bad lines on this connection are counted, not logged)"
                                  : "");
          answers_.push_back(json{{"ok", false}, {"line", line_no_}, {"error", parsed.error_message()}, {"retry", false}});
        } else {
          auto e = make_pos_event(std::move(*parsed), {owner_.options_.store_id, owner_.options_.source_id, now},
                                  owner_.options_.zone);
          answer_of.push_back(answers_.size());
          answers_.push_back(json{{"line", line_no_}});
          batch.push_back(std::move(e));
        }
      }
      buffer_.consume(nl + 1);
    }
    if (batch.empty()) return write_answers();
    std::vector<std::pair<std::string, std::string>> ids;
    for (const auto& e : batch) {
      std::visit(
          [&](const auto& rec) {
            if constexpr (requires { rec.transaction_id; }) {
              ids.emplace_back(rec.terminal, rec.transaction_id);
              owner_.observe_till_clock(rec.terminal, e.observed_at, now);
            }
          },
          e.body);
    }
    owner_.ingest_.submit(std::move(batch), [self = shared_from_this(), answer_of = std::move(answer_of),
                                             ids = std::move(ids)](core::result<std::vector<core::commit_outcome>> r) {
      if (!*self->alive_) return;
      self->on_committed(r, answer_of, ids);
    });
  }

  void on_committed(const core::result<std::vector<core::commit_outcome>>& r, const std::vector<std::size_t>& answer_of,
                    const std::vector<std::pair<std::string, std::string>>& ids) {
    if (!r)
      owner_.report_store_failure(answer_of.size(), r.error_message());
    else
      owner_.health_.committed(*r, owner_.clock_.now_utc());
    for (std::size_t i = 0; i < answer_of.size(); ++i) {
      auto& a = answers_[answer_of[i]];
      a["terminal"] = ids[i].first;
      a["transaction_id"] = ids[i].second;
      if (!r) {
        ++owner_.stats_.retry_later;
        a["ok"] = false;
        a["error"] = r.error_message();
        a["retry"] = true;
        continue;
      }
      const auto& o = (*r)[i];
      ++owner_.stats_.accepted;
      a["ok"] = true;
      a["seq"] = o.seq;
      if (o.duplicate) {
        ++owner_.stats_.duplicates;
        a["duplicate"] = true;
      }
    }
    write_answers();
  }

  void write_answers() {
    out_.clear();
    for (const auto& a : answers_) out_ += a.dump() + "\n";
    if (out_.empty()) return read();
    arm(owner_.options_.write_timeout);
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                        if (ec || !*self->alive_) return self->finish();
                        self->read();
                      });
  }

  std::string peer() const {
    boost::system::error_code ec;
    const auto ep = socket_.remote_endpoint(ec);
    return ec ? std::string("?") : ep.address().to_string() + ":" + std::to_string(ep.port());
  }

  void finish() {
    close();
    if (!*alive_) return;
    owner_.sessions_.erase(shared_from_this());
  }

  pos_tcp_source& owner_;
  std::shared_ptr<bool> alive_;
  tcp::socket socket_;
  asio::streambuf buffer_;
  asio::steady_timer timer_;
  static constexpr int max_logged_rejections = 10;
  std::int64_t line_no_ = 0;
  int rejected_logged_ = 0;
  std::vector<json> answers_;
  std::string out_;
};

pos_tcp_source::pos_tcp_source(asio::any_io_executor ex, core::event_ingest& ingest, const core::clock& clock,
                               pos_tcp_options options, std::shared_ptr<spdlog::logger> log)
    : ex_(ex), ingest_(ingest), clock_(clock), options_(std::move(options)),
      log_(std::move(log)),
      listener_(ex,
                {options_.listen, options_.port, "sources.pos_tcp", options_.max_connections,
                 // What a till gets when the source is full: the same answer as a busy store, so it retries.
                 json{{"ok", false},
                      {"error", "too many connections (" + std::to_string(options_.max_connections) + ")"},
                      {"retry", true}}
                         .dump() +
                     "\n"},
                [this] { return sessions_.size(); }, [this](tcp::socket socket) { on_connection(std::move(socket)); },
                log_),
      health_(options_.source_id, "pos-tcp") {}

pos_tcp_source::~pos_tcp_source() {
  *alive_ = false;
  stop();
}

core::status pos_tcp_source::start() {
  auto port = listener_.start();
  if (!port) return core::error{port.error_message()};
  port_ = *port;
  log_->info("pos-tcp: listening on {}:{}", options_.listen, port_);
  return core::ok();
}

void pos_tcp_source::on_connection(tcp::socket socket) {
  auto s = std::make_shared<session>(*this, std::move(socket));
  sessions_.insert(s);
  s->start();
}

pos_tcp_stats pos_tcp_source::stats() const {
  auto s = stats_;
  s.connections = static_cast<std::int64_t>(sessions_.size());
  s.refused_connections = listener_.stats().refused;
  return s;
}

void pos_tcp_source::observe_till_clock(const std::string& terminal, core::utc_time stamped, core::utc_time now) {
  if (const auto offset_s = health_.observed(terminal, stamped, now))
    log_->warn("pos-tcp {}: {}", options_.source_id, till_clock_change(terminal, *offset_s));
}

void pos_tcp_source::report_store_failure(std::size_t lines, const std::string& why) {
  // A full disk fails every batch: say it once per interval, with how many went unstored since.
  unstored_since_log_ += static_cast<std::int64_t>(lines);
  health_.failed("not stored, tills told to retry: " + why, clock_.now_utc());
  const auto now = clock_.now_steady();
  if (now - last_failure_log_ < std::chrono::seconds(10)) return;
  log_->error("pos-tcp: {} lines not stored, tills told to retry: {}", unstored_since_log_, why);
  unstored_since_log_ = 0;
  last_failure_log_ = now;
}

void pos_tcp_source::stop() {
  listener_.stop();
  auto sessions = std::move(sessions_);
  sessions_.clear();
  for (const auto& s : sessions) s->close();
}

}  // namespace kelu::drivers
