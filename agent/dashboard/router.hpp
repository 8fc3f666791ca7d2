#pragma once
// The dashboard's HTTP routes as a function of the request: no sockets, so every route, every
// refusal and every limit is tested directly (tests/dashboard/router_test.cpp).
//
//   GET /?t=TOKEN          sets the session cookie and redirects to / (the token leaves the URL bar)
//   GET /                  the store manager's page (the token in the cookie)
//   GET /api/v1/today      today so far                     GET /api/v1/health   data health
//   GET /api/v1/events?day=YYYY-MM-DD&hour=HH:MM            the raw events behind an hour
//   GET /api/v1/stream     Server-Sent Events: `today` now and whenever it changes
//   GET /metrics           Prometheus text, for fleet operations
//   GET /assets/NAME       the page's embedded scripts and styles (no token: nothing private)
//
// The token (access_token.hpp) comes as the `kelu_t` cookie, `Authorization: Bearer`, or `?t=`.
// Missing or bad: 401; too many bad ones from one address: 429. HEAD works wherever GET does;
// other methods get 405. Nothing is read from the filesystem, so a path cannot escape anything;
// odd paths (dot segments, backslashes, NUL, encoded slashes) get 404 all the same.
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <map>
#include <string>
#include <string_view>

#include "access_token.hpp"
#include "attempt_limiter.hpp"
#include "dashboard_source.hpp"

namespace kelu::dashboard {

using request = boost::beast::http::request<boost::beast::http::string_body>;
using response = boost::beast::http::response<boost::beast::http::string_body>;

struct client_info {
  std::string address;
  std::chrono::steady_clock::time_point now;
};

// Embedded files: name -> (content type, bytes).
using asset_map = std::map<std::string, std::pair<std::string, std::string_view>, std::less<>>;

struct router_stats {
  std::int64_t requests = 0;
  std::int64_t unauthorized = 0;
  std::int64_t rate_limited = 0;
  std::int64_t not_found = 0;
};

class router {
 public:
  router(dashboard_source& source, const token_key& key, std::string tenant, std::string store,
         const asset_map& assets, attempt_limiter& limiter);

  response handle(const request& req, const client_info& client);
  const router_stats& stats() const { return stats_; }

 private:
  response route(const request& req, const client_info& client, std::string_view path,
                 const std::map<std::string, std::string>& query);

  dashboard_source& source_;
  const token_key& key_;
  std::string tenant_;
  std::string store_;
  const asset_map& assets_;
  attempt_limiter& limiter_;
  router_stats stats_;
};

// "a=1&b=%E4%B8%AD" -> {a: 1, b: 中}; nullopt for a bad percent escape.
std::optional<std::map<std::string, std::string>> parse_query(std::string_view query);

}  // namespace kelu::dashboard
