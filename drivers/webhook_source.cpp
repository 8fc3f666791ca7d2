// SPDX-License-Identifier: Apache-2.0
#include "webhook_source.hpp"

#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <fstream>
#include <optional>

#include "core/hex.hpp"
#include "pos_json_line.hpp"

namespace kelu::drivers {

webhook_options webhook_options_for(const config::config& c, const core::time_zone& store_zone) {
  const auto& w = c.sources.webhook;
  webhook_options o;
  o.store_id = c.store.id;
  o.source_id = w.source_id;
  o.listen = w.listen;
  o.port = static_cast<std::uint16_t>(w.port);
  o.path = w.path;
  o.secrets_file = w.secrets_file;
  o.max_body_bytes = static_cast<std::size_t>(w.max_body_bytes);
  o.max_connections = static_cast<std::size_t>(w.max_connections);
  o.max_connections_per_client = static_cast<std::size_t>(w.max_connections_per_client);
  o.rate_per_s = static_cast<double>(w.rate_per_s);
  o.rate_burst = static_cast<double>(w.rate_burst);
  o.timeout = std::chrono::seconds(w.timeout_s);
  o.require_timestamp = w.require_timestamp;
  o.timestamp_tolerance = std::chrono::seconds(w.timestamp_tolerance_s);
  o.default_currency = c.store.currency;
  o.zone = store_zone;
  return o;
}

namespace asio = boost::asio;
namespace http = boost::beast::http;
using nlohmann::json;

namespace {

constexpr std::size_t max_tracked_addresses = 4096;
constexpr std::size_t max_v1_terminals_warned = 256;

std::string hmac_hex(std::string_view secret, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), mac, &len);
  return core::to_hex({reinterpret_cast<const char*>(mac), len});
}

bool same(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// Decimal Unix seconds, as senders write them: digits only, no sign, at most 12 of them.
std::optional<std::int64_t> unix_seconds(std::string_view s) {
  if (s.empty() || s.size() > 12) return std::nullopt;
  std::int64_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

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
  return "sha256=" + hmac_hex(secret, body);
}

std::string webhook_signature_v2(std::string_view secret, std::string_view timestamp, std::string_view body) {
  std::string signed_text;
  signed_text.reserve(timestamp.size() + 1 + body.size());
  signed_text.append(timestamp).append(".").append(body);
  return "v2=" + hmac_hex(secret, signed_text);
}

webhook_check check_webhook_signature(std::string_view secret, std::string_view signature, std::string_view timestamp,
                                      std::string_view body, core::utc_time now, std::chrono::seconds tolerance,
                                      bool require_timestamp) {
  const auto refused = [](std::string why) { return webhook_refusal{false, std::move(why)}; };
  if (signature.empty()) return refused("missing X-Kelu-Signature");
  if (signature.starts_with("sha256=")) {
    if (require_timestamp)
      return refused("a v1 signature (sha256=, no X-Kelu-Timestamp) is refused here "
                     "(sources.webhook.require_timestamp): sign v2");
    if (!same(signature, webhook_signature(secret, body))) return refused("bad X-Kelu-Signature");
    return webhook_signing::v1;
  }
  if (!signature.starts_with("v2=")) return refused("X-Kelu-Signature is neither v2= nor sha256=");
  if (timestamp.empty()) return refused("a v2 signature needs X-Kelu-Timestamp");
  const auto sent_s = unix_seconds(timestamp);
  if (!sent_s) return refused("X-Kelu-Timestamp is not decimal Unix seconds");
  if (!same(signature, webhook_signature_v2(secret, timestamp, body))) return refused("bad X-Kelu-Signature");
  const auto sent = core::utc_time(std::chrono::seconds(*sent_s));
  const auto skew = std::chrono::duration_cast<std::chrono::seconds>(now - sent);
  if (std::chrono::abs(skew) > tolerance)
    return webhook_refusal{
        true, "X-Kelu-Timestamp " + core::format_iso8601(sent) + " is " + std::to_string(std::chrono::abs(skew).count()) +
                  " s " + (skew.count() < 0 ? "ahead of" : "behind") + " the box's clock (" +
                  core::format_iso8601(now) + "), outside the window of " + std::to_string(tolerance.count()) +
                  " s (sources.webhook.timestamp_tolerance_s): a replayed delivery, or the sender's clock is off"};
  return webhook_signing::v2;
}

namespace {

http_answer json_answer(http::status status, const json& body,
                        std::vector<std::pair<std::string, std::string>> headers = {}) {
  return {status, "application/json", body.dump(-1, ' ', false, json::error_handler_t::replace), std::move(headers),
          false};
}

}  // namespace

webhook_source::webhook_source(asio::any_io_executor ex, core::event_ingest& ingest, const core::clock& clock,
                               webhook_options options, std::shared_ptr<spdlog::logger> log)
    : ingest_(ingest),
      clock_(clock),
      options_(std::move(options)),
      log_(std::move(log)),
      listener_(ex,
                {.listen = options_.listen,
                 .port = options_.port,
                 .config_section = "sources.webhook",
                 .max_connections = options_.max_connections,
                 .max_connections_per_client = options_.max_connections_per_client,
                 .max_body_bytes = options_.max_body_bytes,
                 .timeout = options_.timeout},
                [this](std::shared_ptr<http_exchange> x) { on_request(x); },
                [this](const std::string&) {
                  ++stats_.too_large;
                  return json_answer(http::status::payload_too_large,
                                     {{"ok", false},
                                      {"error", "body larger than " + std::to_string(options_.max_body_bytes) + " bytes"}});
                }),
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
  auto port = listener_.start();
  if (!port) return core::error{port.error_message()};
  port_ = *port;
  log_->info("{}: accepting signed POS webhooks on http://{}:{}{}", options_.source_id, options_.listen, port_,
             options_.path);
  return core::ok();
}

void webhook_source::stop() { listener_.stop(); }

void webhook_source::on_request(const std::shared_ptr<http_exchange>& x) {
  ++stats_.requests;
  const auto now = clock_.now_utc();
  const auto& req = x->request();
  if (!take_token(x->peer())) {
    ++stats_.rate_limited;
    return x->answer(json_answer(http::status::too_many_requests, {{"ok", false}, {"error", "rate limit exceeded"}},
                                 {{"Retry-After", "1"}}));
  }
  const auto raw_target = req.target();
  std::string_view target(raw_target.data(), raw_target.size());
  target = target.substr(0, target.find('?'));
  if (target != options_.path) {
    ++stats_.bad_requests;
    return x->answer(json_answer(http::status::not_found, {{"ok", false}, {"error", "POST to " + options_.path}}));
  }
  if (req.method() != http::verb::post) {
    ++stats_.bad_requests;
    return x->answer(json_answer(http::status::method_not_allowed, {{"ok", false}, {"error", "only POST"}},
                                 {{"Allow", "POST"}}));
  }
  const std::string terminal{req["X-Kelu-Terminal"]};
  auto secret = secrets_.find(terminal);
  if (secret == secrets_.end()) secret = secrets_.find("*");
  if (terminal.empty() || secret == secrets_.end())
    return unauthorized(x, terminal.empty() ? "missing X-Kelu-Terminal" : "unknown terminal \"" + terminal + "\"", now);
  const auto header = [&](const char* name) {
    const auto v = req[name];
    return std::string_view(v.data(), v.size());
  };
  const auto signing = check_webhook_signature(secret->second, header("X-Kelu-Signature"), header("X-Kelu-Timestamp"),
                                               req.body(), now, options_.timestamp_tolerance, options_.require_timestamp);
  if (const auto* no = std::get_if<webhook_refusal>(&signing)) {
    if (no->stale) ++stats_.stale;
    return unauthorized(x, "terminal \"" + terminal + "\": " + no->why, now);
  }
  if (std::get<webhook_signing>(signing) == webhook_signing::v1) note_v1(terminal);
  take(x, terminal, now);
}

void webhook_source::note_v1(const std::string& terminal) {
  ++stats_.v1_signed;
  if (v1_terminals_.size() >= max_v1_terminals_warned || !v1_terminals_.insert(terminal).second) return;
  log_->warn("{}: terminal \"{}\" signs v1 (no X-Kelu-Timestamp): a delivery captured on the LAN could be stored "
             "again once retention has deleted its sale; move it to v2, then set sources.webhook.require_timestamp",
             options_.source_id, terminal);
}

void webhook_source::take(const std::shared_ptr<http_exchange>& x, const std::string& terminal, core::utc_time now) {
  json parsed;
  try {
    parsed = json::parse(x->request().body());
  } catch (const json::exception& e) {
    ++stats_.bad_requests;
    health_.rejected(x->peer() + ": body is not JSON", now);
    return x->answer(
        json_answer(http::status::bad_request, {{"ok", false}, {"error", std::string("body is not JSON: ") + e.what()}}));
  }
  if (!parsed.is_array()) parsed = json::array({std::move(parsed)});
  auto results = std::make_shared<json>(json::array());
  std::vector<std::size_t> slots;  // results index of each submitted event
  std::vector<core::event> batch;
  for (std::size_t i = 0; i < parsed.size(); ++i) {
    json result{{"index", i}};
    auto rec = parse_pos_json_line(parsed[i].dump(), options_.default_currency, options_.zone);
    std::string error;
    if (!rec) {
      error = rec.error_message();
    } else {
      const auto rec_terminal = std::visit([](const auto& r) { return r.terminal; }, rec->record);
      if (rec_terminal != terminal)
        error = "terminal: \"" + rec_terminal + "\" is not the signed terminal \"" + terminal + "\"";
    }
    if (!error.empty()) {
      health_.rejected(x->peer() + " record " + std::to_string(i) + ": " + error, now);
      result["ok"] = false;
      result["error"] = error;
    } else {
      std::visit(
          [&](const auto& r) {
            result["terminal"] = r.terminal;
            result["transaction_id"] = r.transaction_id;
          },
          rec->record);
      slots.push_back(i);
      batch.push_back(make_pos_event(std::move(*rec), {options_.store_id, options_.source_id, now}, options_.zone));
      if (const auto offset_s = health_.observed(terminal, batch.back().observed_at, now))
        log_->warn("webhook {}: {}", options_.source_id, till_clock_change(terminal, *offset_s));
    }
    results->push_back(std::move(result));
  }
  if (batch.empty()) return answer_records(x, *results, slots);
  ingest_.submit(std::move(batch), [this, alive = alive_, x, results, slots = std::move(slots)](
                                       core::result<std::vector<core::commit_outcome>> r) {
    if (*alive) on_committed(x, *results, slots, r);
  });
}

void webhook_source::on_committed(const std::shared_ptr<http_exchange>& x, json& results,
                                  const std::vector<std::size_t>& slots,
                                  const core::result<std::vector<core::commit_outcome>>& r) {
  if (!r) {
    ++stats_.retry_later;
    health_.failed("not stored, POS told to retry: " + r.error_message(), clock_.now_utc());
    return x->answer(json_answer(http::status::service_unavailable,
                                 {{"ok", false}, {"error", r.error_message()}, {"retry", true}}, {{"Retry-After", "1"}}));
  }
  health_.committed(*r, clock_.now_utc());
  for (std::size_t k = 0; k < slots.size(); ++k) {
    auto& res = results[slots[k]];
    res["ok"] = true;
    res["seq"] = (*r)[k].seq;
    if ((*r)[k].duplicate) res["duplicate"] = true;
  }
  answer_records(x, results, slots);
}

void webhook_source::answer_records(const std::shared_ptr<http_exchange>& x, const json& results,
                                    const std::vector<std::size_t>& slots) {
  const bool all_ok = slots.size() == results.size();
  if (!all_ok) ++stats_.bad_requests;
  x->answer(json_answer(all_ok ? http::status::ok : http::status::unprocessable_entity,
                        {{"ok", all_ok}, {"results", results}}));
}

void webhook_source::unauthorized(const std::shared_ptr<http_exchange>& x, const std::string& why, core::utc_time now) {
  ++stats_.unauthorized;
  health_.rejected(x->peer() + ": " + why, now);
  log_->warn("{}: 401 from {}: {}", options_.source_id, x->peer(), why);
  x->answer(json_answer(http::status::unauthorized, {{"ok", false}, {"error", why}}, {{"WWW-Authenticate", "HMAC-SHA256"}}));
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


}  // namespace kelu::drivers
