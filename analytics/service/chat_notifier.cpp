// SPDX-License-Identifier: Apache-2.0
#include "chat_notifier.hpp"

#include <boost/asio/co_spawn.hpp>
#include <spdlog/spdlog.h>

#include "chat_webhook.hpp"
#include "net/http_post.hpp"

namespace kelu::analytics {

namespace {
namespace asio = boost::asio;
}  // namespace

chat_notifier::chat_notifier(boost::asio::any_io_executor ex, config::notify_config cfg, const core::clock& clock,
                             std::shared_ptr<spdlog::logger> log)
    : ex_(ex),
      cfg_(std::move(cfg)),
      clock_(clock),
      log_(std::move(log)),
      retry_timer_(ex),
      backoff_(std::chrono::seconds(2), std::chrono::seconds(300), 0x6b656c75) {}

asio::ssl::context& chat_notifier::tls() {
  // Made at the first message, not at start: reading the system's CA bundle costs a start-up
  // ~27 ms and 1 MB on every box, most of which never post to a chat robot (docs/BENCHMARKS.md).
  if (!tls_) {
    tls_.emplace(asio::ssl::context::tls_client);
    tls_->set_default_verify_paths();
    tls_->set_verify_mode(asio::ssl::verify_peer);
  }
  return *tls_;
}

chat_notifier::~chat_notifier() { *alive_ = false; }

void chat_notifier::update(config::notify_config cfg) { cfg_ = std::move(cfg); }

const config::chat_webhook_config& chat_notifier::robot(const std::string& channel) const {
  return channel == "wecom" ? cfg_.wecom : channel == "dingtalk" ? cfg_.dingtalk : cfg_.feishu;
}

void chat_notifier::send(const analytics::alert& a) {
  if (stopped_) return;
  const auto text = cfg_.language == "zh"   ? a.message_zh
                    : cfg_.language == "en" ? a.message_en
                                            : a.message_zh + "\n" + a.message_en;
  for (const auto& channel : a.notify) {
    if (robot(channel).url.empty()) {
      log_->warn("alert {}: notify lists {} but notify.{}.url is empty", a.rule, channel, channel);
      continue;
    }
    if (static_cast<std::int64_t>(queue_.size()) >= cfg_.max_queued) {
      // The head may be in flight; drop the oldest one that is not.
      queue_.erase(queue_.begin() + (busy_ ? 1 : 0));
      ++stats_.dropped_queue;
    }
    queue_.push_back({channel, text, 0});
  }
  stats_.queued = static_cast<std::int64_t>(queue_.size());
  pump();
}

void chat_notifier::stop() {
  stopped_ = true;
  retry_timer_.cancel();
}

void chat_notifier::pump() {
  if (busy_ || stopped_ || queue_.empty()) return;
  busy_ = true;
  auto& m = queue_.front();
  ++m.attempts;
  const auto now_ms = core::to_unix_ms(clock_.now_utc());
  const auto& c = robot(m.channel);
  const auto req = m.channel == "wecom"      ? wecom_request(c.url, m.text)
                   : m.channel == "dingtalk" ? dingtalk_request(c.url, c.secret, m.text, now_ms)
                                             : feishu_request(c.url, c.secret, m.text, now_ms);
  net::http_url u;
  if (!net::split_url(req.url, u)) {
    on_done(0, "", "notify." + m.channel + ".url is not an http(s) URL");
    return;
  }
  asio::co_spawn(ex_, net::http_post(ex_, tls(), u, req.body, std::chrono::seconds(cfg_.timeout_s)),
                 [this, alive = alive_](std::exception_ptr ep, net::http_answer a) {
                   if (!*alive) return;
                   std::string error;
                   if (ep) {
                     try {
                       std::rethrow_exception(ep);
                     } catch (const std::exception& ex) {
                       error = ex.what();
                     }
                   }
                   on_done(a.status, a.body, error);
                 });
}

void chat_notifier::on_done(int status, const std::string& body, const std::string& error) {
  busy_ = false;
  if (queue_.empty()) return;
  auto& m = queue_.front();
  const auto outcome = error.empty() ? judge_chat_answer(status, body) : chat_outcome::retry;
  if (outcome == chat_outcome::ok) {
    ++stats_.sent;
    backoff_.reset();
    queue_.pop_front();
  } else {
    const auto why = !error.empty() ? error : "HTTP " + std::to_string(status) + " " + body.substr(0, 200);
    stats_.last_error = m.channel + ": " + why;
    ++stats_.failed_attempts;
    if (outcome == chat_outcome::drop || m.attempts >= cfg_.max_attempts) {
      log_->error("alert to {} dropped after {} attempts: {}", m.channel, m.attempts, why);
      ++(outcome == chat_outcome::drop ? stats_.dropped_refused : stats_.dropped_attempts);
      queue_.pop_front();
    } else {
      log_->warn("alert to {} failed (attempt {}): {}", m.channel, m.attempts, why);
      stats_.queued = static_cast<std::int64_t>(queue_.size());
      retry_timer_.expires_after(backoff_.next());
      retry_timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
        if (!ec && *alive) pump();
      });
      return;
    }
  }
  stats_.queued = static_cast<std::int64_t>(queue_.size());
  pump();
}

}  // namespace kelu::analytics
