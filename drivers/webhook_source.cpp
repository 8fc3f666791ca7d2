#include "webhook_source.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <fstream>
#include <optional>

#include "listen.hpp"
#include "pos_json_line.hpp"

namespace kelu::drivers {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using nlohmann::json;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t max_tracked_addresses = 4096;

}  // namespace

core::result<std::map<std::string, std::string>> load_webhook_secrets(const std::string& path) {
  std::ifstream in(path);
  if (!in) return core::error{path + ": cannot read the webhook secrets file"};
  std::map<std::string, std::string> out;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (const auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    const auto b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos) continue;
    const auto sep = line.find_first_of(" \t", b);
    const auto rest = sep == std::string::npos ? std::string::npos : line.find_first_not_of(" \t", sep);
    if (rest == std::string::npos)
      return core::error{path + ":" + std::to_string(n) + ": expected \"terminal secret\""};
    auto secret = line.substr(rest);
    while (!secret.empty() && (secret.back() == ' ' || secret.back() == '\t' || secret.back() == '\r')) secret.pop_back();
    if (secret.size() < 16)
      return core::error{path + ":" + std::to_string(n) + ": the secret is shorter than 16 characters"};
    if (!out.emplace(line.substr(b, sep - b), secret).second)
      return core::error{path + ":" + std::to_string(n) + ": terminal \"" + line.substr(b, sep - b) + "\" is listed twice"};
  }
  if (out.empty()) return core::error{path + ": no secrets; every request would be refused"};
  return out;
}

std::string webhook_signature(std::string_view secret, std::string_view body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(body.data()),
       body.size(), mac, &len);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "sha256=";
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[mac[i] >> 4];
    out += hex[mac[i] & 0xF];
  }
  return out;
}

class webhook_source::session : public std::enable_shared_from_this<session> {
 public:
  session(webhook_source& owner, tcp::socket socket)
      : owner_(owner), alive_(owner.alive_), stream_(std::move(socket)) {
    boost::system::error_code ec;
    const auto ep = stream_.socket().remote_endpoint(ec);
    address_ = ec ? std::string("?") : ep.address().to_string();
  }

  void start() { read(); }
  void close() {
    boost::system::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

 private:
  void read() {
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
      return respond(http::status::payload_too_large,
                     {{"ok", false},
                      {"error", "body larger than " + std::to_string(owner_.options_.max_body_bytes) + " bytes"}},
                     true);
    }
    if (ec) return finish();  // closed, reset, or past the deadline
    request_ = parser_->release();
    handle();
  }

  void handle() {
    ++owner_.stats_.requests;
    const auto now = owner_.clock_.now_utc();
    if (!owner_.take_token(address_)) {
      ++owner_.stats_.rate_limited;
      res_extra_ = {{"Retry-After", "1"}};
      return respond(http::status::too_many_requests, {{"ok", false}, {"error", "rate limit exceeded"}});
    }
    const auto raw_target = request_.target();
    std::string_view target(raw_target.data(), raw_target.size());
    target = target.substr(0, target.find('?'));
    if (target != owner_.options_.path) {
      ++owner_.stats_.bad_requests;
      return respond(http::status::not_found, {{"ok", false}, {"error", "POST to " + owner_.options_.path}});
    }
    if (request_.method() != http::verb::post) {
      ++owner_.stats_.bad_requests;
      res_extra_ = {{"Allow", "POST"}};
      return respond(http::status::method_not_allowed, {{"ok", false}, {"error", "only POST"}});
    }
    const std::string terminal{request_["X-Kelu-Terminal"]};
    const std::string signature{request_["X-Kelu-Signature"]};
    auto secret = owner_.secrets_.find(terminal);
    if (secret == owner_.secrets_.end()) secret = owner_.secrets_.find("*");
    const auto& body = request_.body();
    if (terminal.empty() || secret == owner_.secrets_.end()) {
      return unauthorized(terminal.empty() ? "missing X-Kelu-Terminal" : "unknown terminal \"" + terminal + "\"", now);
    }
    const auto expected = webhook_signature(secret->second, body);
    // Constant time: the comparison must not tell an attacker how many characters matched.
    if (signature.size() != expected.size() || CRYPTO_memcmp(signature.data(), expected.data(), expected.size()) != 0)
      return unauthorized("bad or missing X-Kelu-Signature for terminal \"" + terminal + "\"", now);

    json parsed;
    try {
      parsed = json::parse(body);
    } catch (const json::exception& e) {
      ++owner_.stats_.bad_requests;
      owner_.health_.rejected(address_ + ": body is not JSON", now);
      return respond(http::status::bad_request, {{"ok", false}, {"error", std::string("body is not JSON: ") + e.what()}});
    }
    if (!parsed.is_array()) parsed = json::array({std::move(parsed)});
    results_ = json::array();
    std::vector<core::event> batch;
    slots_.clear();
    for (std::size_t i = 0; i < parsed.size(); ++i) {
      json result{{"index", i}};
      auto rec = parse_pos_json_line(parsed[i].dump(), owner_.options_.default_currency, owner_.options_.zone);
      std::string error;
      if (!rec) {
        error = rec.error_message();
      } else {
        const auto rec_terminal = std::visit([](const auto& r) { return r.terminal; }, rec->record);
        if (rec_terminal != terminal)
          error = "terminal: \"" + rec_terminal + "\" is not the signed terminal \"" + terminal + "\"";
      }
      if (!error.empty()) {
        owner_.health_.rejected(address_ + " record " + std::to_string(i) + ": " + error, now);
        result["ok"] = false;
        result["error"] = error;
      } else {
        std::visit(
            [&](const auto& r) {
              result["terminal"] = r.terminal;
              result["transaction_id"] = r.transaction_id;
            },
            rec->record);
        slots_.push_back(i);
        batch.push_back(make_pos_event(std::move(*rec), {owner_.options_.store_id, owner_.options_.source_id, now},
                                       owner_.options_.zone));
      }
      results_.push_back(std::move(result));
    }
    if (batch.empty()) return answer_records();
    owner_.ingest_.submit(std::move(batch), [self = shared_from_this()](core::result<std::vector<core::commit_outcome>> r) {
      if (!*self->alive_) return;
      self->on_committed(r);
    });
  }

  void on_committed(const core::result<std::vector<core::commit_outcome>>& r) {
    if (!r) {
      ++owner_.stats_.retry_later;
      owner_.health_.failed("not stored, POS told to retry: " + r.error_message(), owner_.clock_.now_utc());
      res_extra_ = {{"Retry-After", "1"}};
      return respond(http::status::service_unavailable, {{"ok", false}, {"error", r.error_message()}, {"retry", true}});
    }
    owner_.health_.committed(*r, owner_.clock_.now_utc());
    for (std::size_t k = 0; k < slots_.size(); ++k) {
      auto& res = results_[slots_[k]];
      res["ok"] = true;
      res["seq"] = (*r)[k].seq;
      if ((*r)[k].duplicate) res["duplicate"] = true;
    }
    answer_records();
  }

  void answer_records() {
    const bool all_ok = slots_.size() == results_.size();
    if (!all_ok) ++owner_.stats_.bad_requests;
    respond(all_ok ? http::status::ok : http::status::unprocessable_entity, {{"ok", all_ok}, {"results", results_}});
  }

  void unauthorized(const std::string& why, core::utc_time now) {
    ++owner_.stats_.unauthorized;
    owner_.health_.rejected(address_ + ": " + why, now);
    owner_.log_->warn("{}: 401 from {}: {}", owner_.options_.source_id, address_, why);
    res_extra_ = {{"WWW-Authenticate", "HMAC-SHA256"}};
    respond(http::status::unauthorized, {{"ok", false}, {"error", why}});
  }

  void respond(http::status status, const json& body, bool close_after = false) {
    response_ = {};
    response_.result(status);
    response_.version(request_.version() ? request_.version() : 11);
    response_.set(http::field::content_type, "application/json");
    response_.set(http::field::server, "kelu");
    for (const auto& [k, v] : res_extra_) response_.set(k, v);
    res_extra_.clear();
    response_.keep_alive(!close_after && request_.keep_alive());
    response_.body() = body.dump(-1, ' ', false, json::error_handler_t::replace);
    response_.prepare_payload();
    stream_.expires_after(owner_.options_.timeout);
    http::async_write(stream_, response_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (!*self->alive_) return;
      if (ec || !self->response_.keep_alive()) return self->finish();
      self->read();
    });
  }

  void finish() {
    close();
    owner_.sessions_.erase(shared_from_this());
  }

  webhook_source& owner_;
  std::shared_ptr<bool> alive_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
  std::vector<std::pair<std::string, std::string>> res_extra_;
  json results_;
  std::vector<std::size_t> slots_;  // results_ index of each submitted event
  std::string address_;
};

webhook_source::webhook_source(asio::any_io_executor ex, core::event_ingest& ingest, const core::clock& clock,
                               webhook_options options, std::shared_ptr<spdlog::logger> log)
    : ex_(ex),
      ingest_(ingest),
      clock_(clock),
      options_(std::move(options)),
      log_(std::move(log)),
      acceptor_(ex),
      health_(options_.source_id, "webhook") {}

webhook_source::~webhook_source() {
  *alive_ = false;
  stop();
}

core::status webhook_source::start() {
  auto secrets = load_webhook_secrets(options_.secrets_file);
  if (!secrets) return core::error{"sources.webhook.secrets_file: " + secrets.error_message()};
  secrets_ = std::move(secrets).value();
  struct stat st {};
  if (::stat(options_.secrets_file.c_str(), &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
    log_->warn("{}: {} is readable by other users; chmod 600 it", options_.source_id, options_.secrets_file);
  auto port = listen_on(acceptor_, options_.listen, options_.port, "sources.webhook");
  if (!port) return core::error{port.error_message()};
  port_ = *port;
  log_->info("{}: accepting signed POS webhooks on http://{}:{}{}", options_.source_id, options_.listen, port_,
             options_.path);
  accept();
  return core::ok();
}

void webhook_source::accept() {
  acceptor_.async_accept([this, alive = alive_](boost::system::error_code ec, tcp::socket socket) {
    if (!*alive || !acceptor_.is_open()) return;
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
    accept();
  });
}

bool webhook_source::take_token(const std::string& address) {
  const auto now = std::chrono::steady_clock::now();
  auto it = buckets_.find(address);
  if (it == buckets_.end()) {
    // Bounded: many addresses (a scan) forget the idlest, which then starts with a full bucket.
    if (buckets_.size() >= max_tracked_addresses) {
      auto oldest = buckets_.begin();
      for (auto b = buckets_.begin(); b != buckets_.end(); ++b)
        if (b->second.last < oldest->second.last) oldest = b;
      buckets_.erase(oldest);
    }
    it = buckets_.emplace(address, bucket{options_.rate_burst, now}).first;
  }
  auto& b = it->second;
  const double elapsed = std::chrono::duration<double>(now - b.last).count();
  b.tokens = std::min(options_.rate_burst, b.tokens + elapsed * options_.rate_per_s);
  b.last = now;
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  return true;
}

void webhook_source::stop() {
  boost::system::error_code ec;
  acceptor_.close(ec);
  for (const auto& s : sessions_) s->close();
  sessions_.clear();
}

}  // namespace kelu::drivers
