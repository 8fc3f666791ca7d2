// SPDX-License-Identifier: Apache-2.0
// The dashboard's front door: any bytes a phone on the store's Wi-Fi sends, parsed as Beast parses
// them for the server (with its size limits), then routed. The router must answer every request
// with a status it documents, never serve a private route without a token or a session, and
// never crash; a deferred answer is answered at most once.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>

#include <cstdint>
#include <cstdlib>
#include <set>
#include <string_view>

#include "dashboard/password_hash.hpp"
#include "dashboard/router.hpp"

namespace {

namespace http = boost::beast::http;
using namespace kelu::dashboard;
using nlohmann::json;

struct source final : dashboard_source {
  json today() override { return {{"private", true}}; }
  json health() override { return {{"private", true}}; }
  kelu::core::result<json> events(std::string_view day, std::string_view) override {
    if (day.empty()) return kelu::core::error{"day: empty"};
    return json{{"private", true}};
  }
  kelu::core::result<json> buckets(std::string_view) override { return json{{"private", true}}; }
  json heatmap() override { return {{"private", true}}; }
  std::string metrics() override { return "private 1\n"; }
};

struct technician final : technician_source {
  json state() override { return {{"private", true}}; }
  json config() override { return {{"private", true}}; }
  void snapshot(std::string_view, std::function<void(kelu::core::result<std::string>)> done) override {
    done(std::string("private"));
  }
  kelu::core::result<json> save_geometry(std::string_view, const json&) override { return json{{"private", true}}; }
  void test(std::string_view, std::function<void(json)> done) override { done({{"private", true}}); }
  kelu::core::result<json> start_audit(std::string_view, std::int64_t) override { return json{{"private", true}}; }
  kelu::core::result<json> audit(std::string_view) override { return json{{"private", true}}; }
  kelu::core::result<std::string> audit_clip(std::string_view) override { return std::string("private"); }
  kelu::core::result<json> finish_audit(std::string_view, const json&) override { return json{{"private", true}}; }
  kelu::core::status cancel_audit(std::string_view) override { return kelu::core::ok(); }
  json settings() override { return {{"private", true}}; }
  json preview_settings(const json&) override { return {{"private", true}}; }
  void apply_settings(const json&, std::function<void(json)> done) override { done({{"private", true}}); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static source s;
  static technician tech;
  // Few iterations: hashing is not what is fuzzed here.
  static technician_sessions sessions{hash_password("right-password", 10000)};
  static const token_key key{"abcd", std::string(32, 'k')};
  static const asset_map assets{{"index.html", {"text/html; charset=utf-8", "<html lang=\"zh\">"}},
                                {"app.js", {"text/javascript; charset=utf-8", "1"}}};
  // Fresh per input: five bad tokens would otherwise turn every later input into a 429.
  kelu::core::attempt_limiter limiter{5, std::chrono::minutes(1), 64};
  router r{s, key, "acme", "sh-001", assets, limiter, {&tech, &sessions}};

  http::request_parser<http::string_body> parser;
  parser.header_limit(8 * 1024);
  parser.body_limit(64 * 1024);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec || !parser.is_done()) return 0;
  const auto& req = parser.get();
  const auto routed = r.handle(req, {"10.0.0.1", std::chrono::steady_clock::time_point{}});
  const response* res = std::get_if<response>(&routed);
  std::optional<response> later;
  int answers = 0;
  if (const auto* d = std::get_if<deferred>(&routed)) {
    d->start([&](response x) {
      ++answers;
      later = std::move(x);
    });
    if (answers > 1) std::abort();
    if (!later) return 0;
    res = &*later;
  }
  static const std::set<unsigned> documented{200, 303, 400, 401, 403, 404, 405, 422, 429};
  if (!documented.count(res->result_int())) std::abort();
  // Private figures only to a good token or session: the fuzzer knows neither.
  if (res->body().find("private") != std::string::npos) std::abort();
  return 0;
}
