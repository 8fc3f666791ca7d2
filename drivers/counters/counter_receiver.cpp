// SPDX-License-Identifier: Apache-2.0
#include "counter_receiver.hpp"

#include <spdlog/spdlog.h>

#include "hikvision_counting.hpp"
#include "xovis_counting.hpp"

namespace kelu::drivers {

namespace http = boost::beast::http;

counter_receiver_options counter_receiver_options_for(const config::config& c, const core::time_zone& store_zone) {
  const auto& p = c.sources.counter_push;
  counter_receiver_options o;
  o.listen = p.listen;
  o.port = static_cast<std::uint16_t>(p.port);
  o.max_body_bytes = static_cast<std::size_t>(p.max_body_bytes);
  o.timeout = std::chrono::seconds(p.timeout_s);
  o.zone = store_zone;
  return o;
}

namespace {

constexpr std::string_view prefix = "/counters/";

http_answer text(http::status status, std::string body, std::vector<std::pair<std::string, std::string>> headers = {}) {
  return {status, "text/plain", std::move(body), std::move(headers), false};
}

}  // namespace

counter_receiver::counter_receiver(boost::asio::any_io_executor ex, core::event_ingest& ingest, const core::clock& clock,
                                   counter_receiver_options options,
                                   std::map<std::string, std::shared_ptr<push_counter>> counters,
                                   std::shared_ptr<spdlog::logger> log)
    : ingest_(ingest),
      clock_(clock),
      options_(std::move(options)),
      counters_(std::move(counters)),
      log_(std::move(log)),
      listener_(ex,
                {.listen = options_.listen,
                 .port = options_.port,
                 .config_section = "sources.counter_push",
                 .max_connections = options_.max_connections,
                 .max_connections_per_client = options_.max_connections_per_client,
                 .max_body_bytes = options_.max_body_bytes,
                 .timeout = options_.timeout},
                [this](std::shared_ptr<http_exchange> x) { on_request(x); },
                [this](const std::string& peer) {
                  ++stats_.too_large;
                  const auto why = "push larger than " + std::to_string(options_.max_body_bytes) + " bytes";
                  health_.rejected(peer + ": " + why, clock_.now_utc());
                  return text(http::status::payload_too_large, why + "\n");
                }) {}

counter_receiver::~counter_receiver() {
  *alive_ = false;
  stop();
}

core::status counter_receiver::start() {
  auto port = listener_.start();
  if (!port) return core::error{port.error_message()};
  port_ = *port;
  for (const auto& [id, c] : counters_)
    log_->info("{}: {} pushes accepted at http://{}:{}{}{} ({} auth)", c->emitter.source_id(), c->vendor,
               options_.listen, port_, prefix, id, c->auth.mode());
  return core::ok();
}

void counter_receiver::stop() { listener_.stop(); }

void counter_receiver::on_request(const std::shared_ptr<http_exchange>& x) {
  ++stats_.requests;
  const auto now = clock_.now_utc();
  const auto& req = x->request();
  const std::string target{req.target()};
  const auto path = std::string_view(target).substr(0, target.find('?'));
  const auto it = path.rfind(prefix, 0) == 0 ? counters_.find(std::string(path.substr(prefix.size()))) : counters_.end();
  if (it == counters_.end()) {
    ++stats_.bad_requests;
    health_.rejected(x->peer() + ": no counter at " + std::string(path.substr(0, 80)), now);
    return x->answer(text(http::status::not_found, "no counter here: POST to /counters/{id}\n"));
  }
  const auto& counter = it->second;
  if (req.method() != http::verb::post && req.method() != http::verb::put) {
    ++stats_.bad_requests;
    return x->answer(text(http::status::method_not_allowed, "POST the alert\n"));
  }
  const auto authorization = req[http::field::authorization];
  const auto method = req.method_string();
  const auto& mode = counter->auth.mode();
  if (authorization.empty() && (mode == "digest" || mode == "basic")) {
    // Digest's first leg: the device learns the challenge and answers it. Not a failure.
    ++stats_.challenged;
    return x->answer(text(http::status::unauthorized, "credentials required\n",
                          {{"WWW-Authenticate", counter->auth.challenge(std::chrono::system_clock::now())}}));
  }
  if (!counter->auth.verify(std::string_view(method.data(), method.size()), target,
                            std::string_view(authorization.data(), authorization.size()), now))
    return unauthorized(x, *counter, "wrong credentials (" + std::string(authorization.substr(0, authorization.find(' '))) + ")",
                        now);
  take(x, counter, now);
}

void counter_receiver::take(const std::shared_ptr<http_exchange>& x, const std::shared_ptr<push_counter>& counter,
                            core::utc_time now) {
  const auto& body = x->request().body();
  auto readings = counter->vendor == "xovis" ? parse_xovis_push(body, options_.zone)
                                             : parse_hikvision_alert(body, options_.zone);
  if (!readings) {
    ++stats_.bad_requests;
    counter->health.rejected(x->peer() + ": " + readings.error_message(), now);
    log_->warn("{}: push from {} refused: {}", counter->emitter.source_id(), x->peer(), readings.error_message());
    return x->answer(text(http::status::bad_request, readings.error_message() + "\n"));
  }
  auto taken = counter->emitter.take(*readings, now);
  counter->other_channel += taken.other_channel;
  if (taken.events.empty()) {
    ++stats_.no_counts;
    return x->answer(text(http::status::ok, "ok\n"));
  }
  ingest_.submit(std::move(taken.events),
                 [this, alive = alive_, x, counter, steps = std::move(taken.steps)](
                     core::result<std::vector<core::commit_outcome>> r) {
                   if (*alive) on_committed(x, counter, steps, r);
                 });
}

void counter_receiver::on_committed(const std::shared_ptr<http_exchange>& x, const std::shared_ptr<push_counter>& counter,
                                    const std::vector<counter_emitter::step>& steps,
                                    const core::result<std::vector<core::commit_outcome>>& r) {
  const auto now = clock_.now_utc();
  if (!r) {
    ++stats_.retry_later;
    counter->emitter.not_stored(steps);
    counter->health.failed("not stored, device told to retry: " + r.error_message(), now);
    return x->answer(text(http::status::service_unavailable, "not stored now, send again\n", {{"Retry-After", "5"}}));
  }
  counter->health.committed(*r, now);
  ++stats_.stored;
  x->answer(text(http::status::ok, "ok\n"));
}

void counter_receiver::unauthorized(const std::shared_ptr<http_exchange>& x, push_counter& counter,
                                    const std::string& why, core::utc_time now) {
  ++stats_.unauthorized;
  ++counter.unauthorized;
  counter.health.rejected(x->peer() + ": 401, " + why, now);
  log_->warn("{}: 401 from {}: {}", counter.emitter.source_id(), x->peer(), why);
  x->answer(text(http::status::unauthorized, "credentials required\n",
                 {{"WWW-Authenticate", counter.auth.challenge(std::chrono::system_clock::now())}}));
}

}  // namespace kelu::drivers
