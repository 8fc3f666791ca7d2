// SPDX-License-Identifier: Apache-2.0
#include "outbox_pump.hpp"

#include <spdlog/spdlog.h>

#include "batch_codec.hpp"
#include "core/event.hpp"

namespace kelu::sync {

namespace {

bool marked(message_kind k) { return k != message_kind::message; }

}  // namespace

outbox_pump::outbox_pump(boost::asio::any_io_executor ex, outbox& out, mqtt_link& link, pump_options options,
                         std::shared_ptr<spdlog::logger> log)
    : outbox_(out),
      link_(link),
      options_(std::move(options)),
      log_(std::move(log)),
      flush_timer_(ex),
      retry_timer_(ex),
      drain_timer_(ex) {}

outbox_pump::~outbox_pump() { *alive_ = false; }

void outbox_pump::on_link_up() {
  flush_acks();
  // Lanes are set at each connect: what waited longer than the live window is the backlog.
  const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  backlog_end_ = outbox_.last_id_created_before(now - options_.live_window);
  backfill_cursor_ = 0;
  cursor_ = backlog_end_;
  backfill_.tokens = std::max(1.0, options_.backfill_rate_per_s);  // a second's worth to start
  backfill_.refilled = backfill_.started = std::chrono::steady_clock::now();
  backfill_.sent = 0;
  failed_in_a_row_ = 0;
  log_->info("mqtt: {} rows waiting, backlog up to row {}", outbox_.stats().rows, backlog_end_);
  pump();
}

void outbox_pump::on_link_down(const std::string& why) {
  log_->warn("mqtt: {}; {} messages were unacknowledged and will be sent again", why,
             inflight_.size() + failed_in_a_row_);
  clear_inflight();
  flush_acks();  // acknowledged rows must be gone before the cursor starts over
  cursor_ = 0;
}

void outbox_pump::wake() { pump(); }

void outbox_pump::pump() {
  if (!link_.up() || stopping_) return;
  // The live lane first: every free slot of the window.
  while (window_open()) {
    // Never below the backlog's end: those rows belong to the other lane.
    auto rows = outbox_.peek(std::max(cursor_, backlog_end_), options_.max_inflight - inflight_.size());
    if (rows.empty()) break;
    for (const auto& r : rows)
      if (!window_open() || !send(r, false, cursor_)) return;
  }
  pump_backlog();
}

bool outbox_pump::window_open() const {
  if (inflight_.size() >= options_.max_inflight) return false;
  return inflight_.empty() || options_.max_inflight_bytes == 0 || inflight_bytes_ < options_.max_inflight_bytes;
}

void outbox_pump::settle(inflight_map::iterator it) {
  inflight_bytes_ -= it->second.bytes;
  inflight_.erase(it);
}

void outbox_pump::clear_inflight() {
  inflight_.clear();  // their callbacks, if any still come, find no tag and are ignored
  inflight_bytes_ = 0;
}

void outbox_pump::pump_backlog() {
  const std::size_t per_pass = std::max<std::size_t>(1, options_.backfill_batch);
  while (window_open()) {
    auto rows = outbox_.peek_backlog(backfill_cursor_, per_pass, backlog_end_);
    if (rows.empty()) {
      if (backfill_.sent > 0)
        log_->info("mqtt: backlog of {} messages sent in {} s", backfill_.sent,
                   std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                                    backfill_.started)
                       .count());
      backfill_.sent = 0;
      return;
    }
    const auto granted = backfill_tokens(rows.size());
    if (granted == 0) return;
    rows.resize(granted);
    if (backfill_.sent == 0) backfill_.started = std::chrono::steady_clock::now();
    std::size_t taken = 0;
    bool go_on = false;
    if (per_pass > 1) {
      go_on = send_batches(rows, taken);
    } else {
      go_on = send(rows.front(), true, backfill_cursor_);
      taken = go_on ? 1 : 0;
    }
    backfill_.tokens += static_cast<double>(granted - taken);  // what did not fit in the window
    stats_.historical += static_cast<std::int64_t>(taken);
    backfill_.sent += static_cast<std::int64_t>(taken);
    if (!go_on) return;
  }
}

// Backlog rows from the backfill cursor on, in as few messages as mqtt.backfill_batch allows:
// each stream's events together in compressed messages on backfill/{stream} (always there, even
// one alone, so HQ finds the backlog in one place), every other row (health, metrics, ...) on its
// own. Takes rows in order while the window has a slot for the message each needs; `taken` says
// how many. False when the caller must stop; the cursor then
// stays where it was, so all of this pass goes again (HQ dedupes what was already sent).
bool outbox_pump::send_batches(const std::vector<outbox_row>& rows, std::size_t& taken) {
  struct message {
    std::string topic;  // backfill/{stream}; empty for a row sent on its own
    std::vector<const outbox_row*> rows;
    std::size_t bytes = 0;
  };
  std::vector<message> messages;
  // Under a byte bound one message a pass, its compressed size counted before the next (pump_backlog
  // loops while the window is open); otherwise every free slot.
  const std::size_t slots = options_.max_inflight_bytes > 0 ? 1 : options_.max_inflight - inflight_.size();
  taken = 0;
  for (const auto& r : rows) {
    auto topic = r.kind == message_kind::event ? options_.backfill_root + r.stream : std::string{};
    const std::size_t size = r.payload.size() + core::historical_mark_size() + 1;
    if (size > options_.max_payload_bytes) topic.clear();  // alone, to be dropped and counted by send()
    message* open = nullptr;
    if (!topic.empty())
      for (auto it = messages.rbegin(); it != messages.rend() && !open; ++it)
        if (it->topic == topic && it->rows.size() < options_.backfill_batch &&
            it->bytes + size <= options_.max_payload_bytes)
          open = &*it;
    if (open) {
      open->rows.push_back(&r);
      open->bytes += size;
    } else {
      if (messages.size() == slots) break;
      messages.push_back({std::move(topic), {&r}, size});
    }
    ++taken;
  }
  if (taken == 0) return false;
  for (const auto& m : messages) {
    std::int64_t unused = 0;
    if (m.topic.empty()) {
      if (!send(*m.rows.front(), true, unused)) return false;
      continue;
    }
    std::vector<std::string> lines;
    std::vector<std::int64_t> ids;
    for (const auto* r : m.rows) {
      lines.push_back(core::mark_historical(r->payload));
      ids.push_back(r->id);
    }
    if (!publish_tracked(m.topic, deflate_batch(lines), 1, false, std::move(ids))) return false;
    ++stats_.batches;
  }
  backfill_cursor_ = std::max(backfill_cursor_, rows[taken - 1].id);
  return true;
}

std::size_t outbox_pump::backfill_tokens(std::size_t want) {
  if (options_.backfill_rate_per_s <= 0) return want;
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - backfill_.refilled).count();
  backfill_.refilled = now;
  // A burst of at most a second's worth, and never less than one batch (or nothing would go).
  const double burst = std::max({1.0, options_.backfill_rate_per_s, static_cast<double>(options_.backfill_batch)});
  backfill_.tokens = std::min(burst, backfill_.tokens + elapsed * options_.backfill_rate_per_s);
  if (backfill_.tokens >= 1.0) {
    const auto n = std::min(want, static_cast<std::size_t>(backfill_.tokens));
    backfill_.tokens -= static_cast<double>(n);
    return n;
  }
  // Come back when the next token is due (live rows still wake the pump on their own).
  const auto wait = std::chrono::duration<double>((1.0 - backfill_.tokens) / options_.backfill_rate_per_s);
  retry_pump_soon(std::chrono::duration_cast<std::chrono::milliseconds>(wait) + std::chrono::milliseconds(1));
  return 0;
}

bool outbox_pump::send(const outbox_row& r, bool historical, std::int64_t& cursor) {
  const bool flag = historical && marked(r.kind);
  const auto size = r.payload.size() + (flag ? core::historical_mark_size() : 0);
  if (size > options_.max_payload_bytes) {
    log_->error("mqtt: dropped outbox row {} for {}: {} bytes, over mqtt.max_payload_bytes ({})", r.id, r.topic, size,
                options_.max_payload_bytes);
    stats_.last_error.set("dropped an oversized message");
    outbox_.drop_oversize(r.id, r.payload.size());
    cursor = r.id;
    return true;
  }
  // Set first: a lost connection inside publish_tracked starts the cursors over, and that stands.
  cursor = r.id - 1;
  const bool ok =
      publish_tracked(r.topic, flag ? core::mark_historical(r.payload) : r.payload, r.qos, r.retain, {r.id});
  if (ok) cursor = r.id;
  return ok;
}

bool outbox_pump::publish_tracked(const std::string& topic, const std::string& payload, int qos, bool retain,
                                  std::vector<std::int64_t> ids) {
  const auto tag = ++next_tag_ == 0 ? ++next_tag_ : next_tag_;  // 0 marks untracked messages
  inflight_.emplace(tag, inflight_message{std::move(ids), payload.size()});
  inflight_bytes_ += payload.size();
  stats_.inflight_bytes_peak = std::max(stats_.inflight_bytes_peak, static_cast<std::int64_t>(inflight_bytes_));
  const auto r = link_.publish(topic, payload, qos, retain, tag);
  switch (r) {
    case publish_result::sent:
      ++stats_.published;
      return true;
    case publish_result::link_lost:
    case publish_result::busy:
      // Not sent. A lost link has usually forgotten it already (on_link_down runs inside publish);
      // a refusal (Paho's queue is full) takes the rows back and retries shortly.
      if (const auto it = inflight_.find(tag); it != inflight_.end()) settle(it);
      if (r == publish_result::busy) retry_pump_soon();
      return false;
  }
  return false;
}

void outbox_pump::retry_pump_soon(std::chrono::milliseconds delay) {
  if (retry_scheduled_) return;
  retry_scheduled_ = true;
  retry_timer_.expires_after(delay);
  retry_timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (!*alive) return;
    retry_scheduled_ = false;
    if (!ec) pump();
  });
}

void outbox_pump::on_delivered(std::uintptr_t tag) {
  const auto it = inflight_.find(tag);
  if (it == inflight_.end()) return;
  const auto& ids = it->second.ids;
  acked_.insert(acked_.end(), ids.begin(), ids.end());
  stats_.acknowledged += static_cast<std::int64_t>(ids.size());
  failed_in_a_row_ = 0;
  settle(it);
  // The window refills at once (the cursor keeps acknowledged rows from going out again);
  // deletes are batched, since each transaction costs an fsync on the SD card.
  pump();
  if (acked_.size() >= ack_batch) {
    flush_acks();
  } else if (!flush_scheduled_) {
    flush_scheduled_ = true;
    flush_timer_.expires_after(ack_flush_delay);
    flush_timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
      if (!ec && *alive) flush_acks();
    });
  }
}

void outbox_pump::on_delivery_failed(std::uintptr_t tag, const std::string& why) {
  const auto it = inflight_.find(tag);
  if (it == inflight_.end()) return;
  const auto first = it->second.ids.front();  // a batch's rows are in id order
  // A lost connection fails the whole window at once (64 lines on every flap of a bad uplink, on an
  // SD card): the first of a run is logged, the run counted in the link-down line.
  if (failed_in_a_row_++ == 0) log_->warn("mqtt: {} for outbox row {}; resending from there", why, first);
  // Resend from the failed row: later rows may be sent twice, which HQ's dedupe absorbs.
  // Which lane it came from does not matter: each cursor only moves back, and a lane's
  // query skips the other lane's rows.
  backfill_cursor_ = std::min(backfill_cursor_, first - 1);
  cursor_ = std::min(cursor_, first - 1);
  settle(it);
  retry_pump_soon();
}

void outbox_pump::flush_acks() {
  if (flush_scheduled_) {
    flush_scheduled_ = false;
    flush_timer_.cancel();
  }
  if (acked_.empty()) return;
  try {
    outbox_.remove(acked_);
  } catch (const std::exception& e) {
    // The rows stay and are sent again later: a duplicate, never a loss.
    log_->error("mqtt: cannot delete acknowledged rows: {}", e.what());
  }
  acked_.clear();
}

void outbox_pump::stop(std::chrono::milliseconds drain, std::function<void()> done) {
  stopping_ = true;
  retry_timer_.cancel();
  wait_for_drain(std::chrono::steady_clock::now() + drain, std::move(done));
}

void outbox_pump::wait_for_drain(std::chrono::steady_clock::time_point deadline, std::function<void()> done) {
  if (link_.connected() && !inflight_.empty() && std::chrono::steady_clock::now() < deadline) {
    drain_timer_.expires_after(std::chrono::milliseconds(20));
    drain_timer_.async_wait(
        [this, alive = alive_, deadline, done = std::move(done)](const boost::system::error_code&) mutable {
          if (*alive) wait_for_drain(deadline, std::move(done));
        });
    return;
  }
  flush_acks();
  done();
}

void outbox_pump::forget_inflight() {
  if (!inflight_.empty()) log_->info("mqtt: {} messages unacknowledged at stop stay in the outbox", inflight_.size());
  clear_inflight();
}

pump_stats outbox_pump::stats() const {
  auto s = stats_;
  s.inflight = static_cast<std::int64_t>(inflight_.size());
  return s;
}

std::vector<std::int64_t> outbox_pump::unsettled_rows() const {
  std::vector<std::int64_t> out(acked_.begin(), acked_.end());
  for (const auto& [tag, m] : inflight_) out.insert(out.end(), m.ids.begin(), m.ids.end());
  return out;
}

}  // namespace kelu::sync
