#include "counter_receiver.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include <optional>

#include "drivers/listen.hpp"
#include "hikvision_counting.hpp"

namespace kelu::drivers {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::string_view prefix = "/counters/";

}  // namespace

class counter_receiver::session : public std::enable_shared_from_this<session> {
 public:
  session(counter_receiver& owner, tcp::socket socket) : owner_(owner), alive_(owner.alive_), stream_(std::move(socket)) {
    boost::system::error_code ec;
    const auto ep = stream_.socket().remote_endpoint(ec);
    address_ = ec ? std::string("?") : ep.address().to_string();
  }

  void start() { do_read(); }
  void close() {
    boost::system::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

 private:
  void do_read() {
    parser_.emplace();
    parser_->body_limit(owner_.options_.max_body_bytes);
    parser_->header_limit(16 * 1024);
    stream_.expires_after(owner_.options_.timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (!*alive_) return;
    if (ec == http::error::body_limit) {
      ++owner_.stats_.too_large;
      owner_.health_.rejected(address_ + ": push larger than " + std::to_string(owner_.options_.max_body_bytes) + " bytes",
                              owner_.clock_.now_utc());
      return do_respond(http::status::payload_too_large, "body too large\n", true);
    }
    if (ec) return finish();  // closed, reset, or past the deadline
    request_ = parser_->release();
    route();
  }

  void route() {
    ++owner_.stats_.requests;
    const auto now = owner_.clock_.now_utc();
    const std::string target{request_.target()};
    const auto path = std::string_view(target).substr(0, target.find('?'));
    const auto it = path.rfind(prefix, 0) == 0 ? owner_.counters_.find(std::string(path.substr(prefix.size())))
                                                : owner_.counters_.end();
    if (it == owner_.counters_.end()) {
      ++owner_.stats_.bad_requests;
      owner_.health_.rejected(address_ + ": no counter at " + std::string(path.substr(0, 80)), now);
      return do_respond(http::status::not_found, "no counter here: POST to /counters/{id}\n");
    }
    counter_ = it->second;
    if (request_.method() != http::verb::post && request_.method() != http::verb::put) {
      ++owner_.stats_.bad_requests;
      return do_respond(http::status::method_not_allowed, "POST the alert\n");
    }
    const auto authorization = request_[http::field::authorization];
    const auto method = request_.method_string();
    const auto& mode = counter_->auth.mode();
    if (authorization.empty() && (mode == "digest" || mode == "basic")) {
      // Digest's first leg: the device learns the challenge and answers it. Not a failure.
      ++owner_.stats_.challenged;
      extra_ = {"WWW-Authenticate", counter_->auth.challenge(std::chrono::system_clock::now())};
      return do_respond(http::status::unauthorized, "credentials required\n");
    }
    if (!counter_->auth.verify(std::string_view(method.data(), method.size()), target,
                               std::string_view(authorization.data(), authorization.size()), now)) {
      return unauthorized("wrong credentials (" + std::string(authorization.substr(0, authorization.find(' '))) + ")", now);
    }
    take(now);
  }

  void take(core::utc_time now) {
    auto readings = parse_hikvision_alert(request_.body(), owner_.options_.zone);
    if (!readings) {
      ++owner_.stats_.bad_requests;
      counter_->health.rejected(address_ + ": " + readings.error_message(), now);
      owner_.log_->warn("{}: push from {} refused: {}", counter_->emitter.source_id(), address_, readings.error_message());
      return do_respond(http::status::bad_request, readings.error_message() + "\n");
    }
    auto taken = counter_->emitter.take(*readings, now);
    counter_->other_channel += taken.other_channel;
    if (taken.events.empty()) {
      ++owner_.stats_.no_counts;
      return do_respond(http::status::ok, "ok\n");
    }
    steps_ = std::move(taken.steps);
    owner_.ingest_.submit(std::move(taken.events),
                          [self = shared_from_this()](core::result<std::vector<core::commit_outcome>> r) {
                            if (*self->alive_) self->on_committed(r);
                          });
  }

  void on_committed(const core::result<std::vector<core::commit_outcome>>& r) {
    const auto now = owner_.clock_.now_utc();
    if (!r) {
      ++owner_.stats_.retry_later;
      counter_->emitter.not_stored(steps_);
      counter_->health.failed("not stored, device told to retry: " + r.error_message(), now);
      extra_ = {"Retry-After", "5"};
      return do_respond(http::status::service_unavailable, "not stored now, send again\n");
    }
    counter_->health.committed(*r, now);
    ++owner_.stats_.stored;
    do_respond(http::status::ok, "ok\n");
  }

  void unauthorized(const std::string& why, core::utc_time now) {
    ++owner_.stats_.unauthorized;
    ++counter_->unauthorized;
    counter_->health.rejected(address_ + ": 401, " + why, now);
    owner_.log_->warn("{}: 401 from {}: {}", counter_->emitter.source_id(), address_, why);
    extra_ = {"WWW-Authenticate", counter_->auth.challenge(std::chrono::system_clock::now())};
    do_respond(http::status::unauthorized, "credentials required\n");
  }

  void do_respond(http::status status, std::string body, bool close_after = false) {
    response_ = {};
    response_.result(status);
    response_.version(request_.version() ? request_.version() : 11);
    response_.set(http::field::content_type, "text/plain");
    response_.set(http::field::server, "kelu");
    if (!extra_.first.empty()) response_.set(extra_.first, extra_.second);
    extra_ = {};
    response_.keep_alive(!close_after && request_.keep_alive());
    response_.body() = std::move(body);
    response_.prepare_payload();
    stream_.expires_after(owner_.options_.timeout);
    http::async_write(stream_, response_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(beast::error_code ec) {
    if (!*alive_) return;
    if (ec || !response_.keep_alive()) return finish();
    do_read();
  }

  void finish() {
    close();
    owner_.sessions_.erase(shared_from_this());
  }

  counter_receiver& owner_;
  std::shared_ptr<bool> alive_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
  std::pair<std::string, std::string> extra_;
  std::shared_ptr<push_counter> counter_;
  std::vector<counter_emitter::step> steps_;
  std::string address_;
};

counter_receiver::counter_receiver(asio::any_io_executor ex, core::event_ingest& ingest, const core::clock& clock,
                                   counter_receiver_options options,
                                   std::map<std::string, std::shared_ptr<push_counter>> counters,
                                   std::shared_ptr<spdlog::logger> log)
    : ex_(ex),
      ingest_(ingest),
      clock_(clock),
      options_(std::move(options)),
      counters_(std::move(counters)),
      log_(std::move(log)),
      acceptor_(ex) {}

counter_receiver::~counter_receiver() {
  *alive_ = false;
  stop();
}

core::status counter_receiver::start() {
  auto port = listen_on(acceptor_, options_.listen, options_.port, "sources.counter_push");
  if (!port) return core::error{port.error_message()};
  port_ = *port;
  for (const auto& [id, c] : counters_)
    log_->info("{}: Hikvision people counting accepted at http://{}:{}{}{} ({} auth)", c->emitter.source_id(),
               options_.listen, port_, prefix, id, c->auth.mode());
  do_accept();
  return core::ok();
}

void counter_receiver::do_accept() {
  acceptor_.async_accept([this, alive = alive_](boost::system::error_code ec, tcp::socket socket) {
    if (!*alive || !acceptor_.is_open()) return;
    on_accept(ec, std::move(socket));
  });
}

void counter_receiver::on_accept(boost::system::error_code ec, tcp::socket socket) {
  if (!ec) {
    if (sessions_.size() >= options_.max_connections) {
      ++stats_.refused_connections;
      boost::system::error_code ignored;
      socket.close(ignored);
    } else {
      auto s = std::make_shared<session>(*this, std::move(socket));
      sessions_.insert(s);
      s->start();
    }
  }
  do_accept();
}

void counter_receiver::stop() {
  boost::system::error_code ec;
  acceptor_.close(ec);
  for (const auto& s : sessions_) s->close();
  sessions_.clear();
}

}  // namespace kelu::drivers
