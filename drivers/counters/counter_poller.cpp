// SPDX-License-Identifier: Apache-2.0
#include "counter_poller.hpp"

#include <spdlog/spdlog.h>

#include "axis_counting.hpp"
#include "dahua_counting.hpp"
#include "http_get.hpp"

namespace kelu::drivers {

counter_poller_options counter_poller_options_for(const config::config& c, const config::counter_config& k) {
  counter_poller_options o;
  o.id = {c.store.id, k.id, k.line, k.channel};
  o.vendor = k.vendor;
  o.url = k.url;
  o.channel = k.channel;
  o.username = k.username;
  o.password = k.password;
  o.interval = std::chrono::seconds(k.interval_s);
  o.timeout = std::chrono::seconds(k.timeout_s);
  return o;
}

counter_poller::counter_poller(boost::asio::any_io_executor ex, core::event_ingest& ingest, const core::clock& clock,
                               counter_poller_options options, std::shared_ptr<spdlog::logger> log)
    : ex_(ex),
      ingest_(ingest),
      clock_(clock),
      options_(std::move(options)),
      log_(std::move(log)),
      emitter_([this] {
        auto id = options_.id;
        id.channel.clear();
        return id;
      }()),
      timer_(ex),
      health_(emitter_.source_id(), options_.vendor) {}

counter_poller::~counter_poller() {
  *alive_ = false;
  stop();
}

std::string counter_poller::poll_url() const {
  auto base = options_.url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (options_.vendor == "dahua")
    return base + "/cgi-bin/videoStatServer.cgi?action=getSummary&channel=" +
           (options_.channel.empty() ? std::string("1") : options_.channel);
  return base + "/local/tvpc/.api?live-sum.json";
}

core::status counter_poller::start() {
  log_->info("{}: reading {} every {} s", emitter_.source_id(), poll_url(), options_.interval.count());
  do_poll();  // the baseline now, so the first period ends at the next multiple of the interval
  return core::ok();
}

void counter_poller::stop() {
  *alive_ = false;
  timer_.cancel();
}

void counter_poller::do_wait() {
  // On the clock's multiples of the interval, so periods fall inside the funnel's quarters.
  const auto period = std::chrono::duration_cast<std::chrono::milliseconds>(options_.interval);
  const auto since_epoch = clock_.now_utc().time_since_epoch();
  const auto wait = period - since_epoch % period;
  timer_.expires_after(wait);
  timer_.async_wait([this, alive = alive_](boost::system::error_code ec) {
    if (ec || !*alive) return;
    do_poll();
  });
}

void counter_poller::do_poll() {
  if (in_flight_) return do_wait();  // the last one has not finished within its deadline: skip
  in_flight_ = true;
  ++stats_.polls;
  http_get_request r;
  r.url = poll_url();
  r.username = options_.username;
  r.password = options_.password;
  r.timeout = options_.timeout;
  r.max_body_bytes = 64 * 1024;
  http_get(ex_, std::move(r), [this, alive = alive_](core::result<std::string> body) {
    if (!*alive) return;
    in_flight_ = false;
    on_answer(std::move(body));
  });
  do_wait();
}

void counter_poller::on_answer(core::result<std::string> body) {
  const auto now = clock_.now_utc();
  if (!body) {
    ++stats_.failures;
    health_.failed(body.error_message(), now);
    log_->warn("{}: {}", emitter_.source_id(), body.error_message());
    return;
  }
  auto reading = options_.vendor == "dahua" ? parse_dahua_summary(*body, now) : parse_axis_live_sum(*body, now);
  if (!reading) {
    ++stats_.malformed;
    health_.rejected(poll_url() + ": " + reading.error_message(), now);
    log_->warn("{}: answer refused: {}", emitter_.source_id(), reading.error_message());
    return;
  }
  auto taken = emitter_.take({*reading}, now);
  stats_.baselines += taken.baselines;
  if (taken.events.empty()) return;
  ingest_.submit(std::move(taken.events),
                 [this, alive = alive_, steps = std::move(taken.steps)](
                     core::result<std::vector<core::commit_outcome>> r) mutable {
                   if (*alive) on_committed(r, std::move(steps));
                 });
}

void counter_poller::on_committed(const core::result<std::vector<core::commit_outcome>>& r,
                                  std::vector<counter_emitter::step> steps) {
  if (!r) {
    emitter_.not_stored(steps);
    health_.failed("not stored, the next reading covers it: " + r.error_message(), clock_.now_utc());
    return;
  }
  stats_.stored += static_cast<std::int64_t>(r->size());
  health_.committed(*r, clock_.now_utc());
}

}  // namespace kelu::drivers
