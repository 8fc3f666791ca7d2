// SPDX-License-Identifier: Apache-2.0
#pragma once
// POS transactions pushed over HTTP (Boost.Beast): POST {path} with one JSON object in the
// JSON-lines form (docs/pos-jsonl.md) or an array of them, signed per terminal, v2:
//
//   X-Kelu-Terminal: T1
//   X-Kelu-Timestamp: 1764946800      (Unix seconds, the sender's clock)
//   X-Kelu-Signature: v2=<hex HMAC-SHA256 of "<timestamp>.<raw body>" with T1's secret>
//
// or v1, `X-Kelu-Signature: sha256=<hex HMAC-SHA256 of the raw body>`, refused when
// require_timestamp is set. Why v2: a repeated delivery is a duplicate only while its sale is
// still stored; a v1 delivery captured on the LAN and replayed after retention has deleted the
// sale would be stored again. A v2 delivery is refused once its timestamp is more than
// timestamp_tolerance (at most 12 h) from the box's clock, and retention is at least a day.
//
// Answers (JSON bodies): 200 when every record is stored (duplicates included, flagged),
// 422 when some records are malformed (the others are stored; each is listed), 401 for a
// missing or wrong signature, an unknown terminal or a timestamp outside the window (counted), 400 for a body that is not
// JSON or names another terminal than the signed one, 404/405 for other paths and methods,
// 413 past max_body_bytes, 429 past the per-address rate, 503 with Retry-After when the
// store cannot commit now. 2xx only after commit; a repeated delivery is stored once.
// Bounded: connections, body size, per-address token bucket, a deadline on every read/write.
// All methods on the io_context thread.
#include <boost/asio/any_io_executor.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <vector>
#include <string>
#include <variant>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/event_ingest.hpp"
#include "core/time_zone.hpp"
#include "health_recorder.hpp"
#include "http_listener.hpp"
#include "source.hpp"

namespace spdlog {
class logger;
}

namespace kelu::drivers {

// Built by webhook_options_for(): the values, defaults included, are the key table's
// (sources.webhook.*, config/schema.cpp), never this struct's own.
struct webhook_options {
  std::string store_id;
  std::string source_id;
  std::string listen;
  std::uint16_t port = 0;  // 0: any free port (tests)
  std::string path;
  std::string secrets_file;
  std::size_t max_body_bytes = 0;
  std::size_t max_connections = 0;
  std::size_t max_connections_per_client = 0;
  double rate_per_s = 0;
  double rate_burst = 0;
  std::chrono::seconds timeout{};
  bool require_timestamp = false;
  std::chrono::seconds timestamp_tolerance{};
  std::string default_currency;
  core::time_zone zone = core::time_zone::utc();
};

webhook_options webhook_options_for(const config::config& c, const core::time_zone& store_zone);

struct webhook_stats {
  std::int64_t requests = 0;
  std::int64_t unauthorized = 0;   // 401
  std::int64_t stale = 0;          // of which a v2 timestamp outside the window
  std::int64_t v1_signed = 0;      // deliveries accepted on a v1 signature (no timestamp)
  std::int64_t rate_limited = 0;   // 429
  std::int64_t too_large = 0;      // 413
  std::int64_t bad_requests = 0;   // 400, 404, 405, 422
  std::int64_t retry_later = 0;    // 503
  std::int64_t refused_connections = 0;  // 503 at connect: max_connections or max_connections_per_client
  std::int64_t refused_per_client = 0;   // of which their address held max_connections_per_client
};

// "terminal secret" per line; "*" is any terminal without its own line; '#' starts a comment.
// Errors name the file and line.
core::result<std::map<std::string, std::string>> load_webhook_secrets(const std::string& path);

// v1: "sha256=" + lowercase hex of HMAC-SHA256(secret, body).
std::string webhook_signature(std::string_view secret, std::string_view body);
// v2: "v2=" + lowercase hex of HMAC-SHA256(secret, timestamp + "." + body), `timestamp` the
// decimal Unix seconds sent as X-Kelu-Timestamp.
std::string webhook_signature_v2(std::string_view secret, std::string_view timestamp, std::string_view body);

enum class webhook_signing { v1, v2 };
struct webhook_refusal {
  bool stale = false;  // a good v2 signature whose timestamp is outside the window
  std::string why;     // for the sender: what is missing or wrong, never the expected signature
};
using webhook_check = std::variant<webhook_signing, webhook_refusal>;

// What a delivery's X-Kelu-Signature (`signature`) and X-Kelu-Timestamp (`timestamp`, empty when
// absent) prove for `body` under `secret` at the box's time `now`: the version it was signed
// with, or why it is refused (missing, malformed, wrong, v1 while v1 is refused, or a v2
// timestamp more than `tolerance` from `now`, the skew named). Pure; signatures are compared in
// constant time. The window is checked after the signature, so only a holder of the secret learns
// the box's clock.
webhook_check check_webhook_signature(std::string_view secret, std::string_view signature, std::string_view timestamp,
                                      std::string_view body, core::utc_time now, std::chrono::seconds tolerance,
                                      bool require_timestamp);

class webhook_source final : public source {
 public:
  webhook_source(boost::asio::any_io_executor ex, core::event_ingest& ingest, const core::clock& clock,
                 webhook_options options, std::shared_ptr<spdlog::logger> log);
  ~webhook_source() override;

  // Reads the secrets file and binds; errors name the config key.
  core::status start() override;
  void stop() override;
  core::source_health health() const override { return health_.snapshot(); }
  std::uint16_t port() const { return port_; }
  webhook_stats stats() const {
    auto s = stats_;
    s.refused_connections = listener_.refused_connections();
    s.refused_per_client = listener_.refused_per_client();
    return s;
  }

 private:
  struct bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point last{};
  };
  void on_request(const std::shared_ptr<http_exchange>& x);
  void take(const std::shared_ptr<http_exchange>& x, const std::string& terminal, core::utc_time now);
  void on_committed(const std::shared_ptr<http_exchange>& x, nlohmann::json& results,
                    const std::vector<std::size_t>& slots, const core::result<std::vector<core::commit_outcome>>& r);
  void answer_records(const std::shared_ptr<http_exchange>& x, const nlohmann::json& results,
                      const std::vector<std::size_t>& slots);
  void unauthorized(const std::shared_ptr<http_exchange>& x, const std::string& why, core::utc_time now);
  void note_v1(const std::string& terminal);
  bool take_token(const std::string& address);

  core::event_ingest& ingest_;
  const core::clock& clock_;
  webhook_options options_;
  std::shared_ptr<spdlog::logger> log_;
  http_listener listener_;
  std::uint16_t port_ = 0;
  std::map<std::string, std::string> secrets_;
  std::map<std::string, bucket> buckets_;
  std::set<std::string> v1_terminals_;  // warned about once each (bounded)
  webhook_stats stats_;
  health_recorder health_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace kelu::drivers
