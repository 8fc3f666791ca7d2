#include "chat_notifier.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include "chat_webhook.hpp"

namespace kelu {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::use_awaitable;

struct url_parts {
  bool tls = false;
  std::string host;
  std::string port;
  std::string target;
};

bool split_url(const std::string& url, url_parts& out) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return false;
  const auto scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return false;
  out.tls = scheme == "https";
  const auto rest = url.substr(scheme_end + 3);
  const auto slash = rest.find('/');
  const auto authority = rest.substr(0, slash);
  out.target = slash == std::string::npos ? "/" : rest.substr(slash);
  const auto colon = authority.rfind(':');
  out.host = colon == std::string::npos ? authority : authority.substr(0, colon);
  out.port = colon == std::string::npos ? (out.tls ? "443" : "80") : authority.substr(colon + 1);
  return !out.host.empty();
}

struct answer {
  int status = 0;
  std::string body;
};

template <class Stream>
asio::awaitable<answer> exchange(Stream& stream, const url_parts& u, const std::string& body) {
  http::request<http::string_body> req{http::verb::post, u.target, 11};
  req.set(http::field::host, u.host);
  req.set(http::field::user_agent, "kelu");
  req.set(http::field::content_type, "application/json; charset=utf-8");
  req.body() = body;
  req.prepare_payload();
  co_await http::async_write(stream, req, use_awaitable);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024);
  co_await http::async_read(stream, buffer, parser, use_awaitable);
  co_return answer{static_cast<int>(parser.get().result_int()), parser.get().body()};
}

// One POST with one deadline for all of it: resolve, connect, TLS, write, read.
asio::awaitable<answer> post(asio::any_io_executor ex, asio::ssl::context& tls, url_parts u, std::string body,
                             std::chrono::seconds timeout) {
  asio::ip::tcp::resolver resolver{ex};
  beast::tcp_stream tcp{ex};
  tcp.expires_after(timeout);
  const auto endpoints = co_await resolver.async_resolve(u.host, u.port, use_awaitable);
  co_await tcp.async_connect(endpoints, use_awaitable);
  if (!u.tls) co_return co_await exchange(tcp, u, body);
  beast::ssl_stream<beast::tcp_stream> stream{std::move(tcp), tls};
  // SSL_set_tlsext_host_name, spelled out: the macro's C cast trips our warnings.
  if (!SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                static_cast<void*>(u.host.data())))
    throw std::runtime_error("cannot set TLS server name " + u.host);
  stream.set_verify_callback(asio::ssl::host_name_verification(u.host));
  co_await stream.async_handshake(asio::ssl::stream_base::client, use_awaitable);
  co_return co_await exchange(stream, u, body);
}

}  // namespace

chat_notifier::chat_notifier(boost::asio::any_io_executor ex, config::notify_config cfg, const core::clock& clock,
                             std::shared_ptr<spdlog::logger> log)
    : ex_(ex),
      cfg_(std::move(cfg)),
      clock_(clock),
      log_(std::move(log)),
      tls_(asio::ssl::context::tls_client),
      retry_timer_(ex),
      backoff_(std::chrono::seconds(2), std::chrono::seconds(300), 0x6b656c75) {
  tls_.set_default_verify_paths();
  tls_.set_verify_mode(asio::ssl::verify_peer);
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
  url_parts u;
  if (!split_url(req.url, u)) {
    on_done(0, "", "notify." + m.channel + ".url is not an http(s) URL");
    return;
  }
  asio::co_spawn(ex_, post(ex_, tls_, u, req.body, std::chrono::seconds(cfg_.timeout_s)),
                 [this, alive = alive_](std::exception_ptr ep, answer a) {
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

}  // namespace kelu
