// SPDX-License-Identifier: Apache-2.0
#pragma once
// The dashboard's HTTP routes as a function of the request: no sockets, so every route, every
// refusal and every limit is tested directly (tests/dashboard/router_test.cpp).
//
// Store manager (the QR token):
//   GET /?t=TOKEN          sets the session cookie and redirects to / (the token leaves the URL bar)
//   GET /                  the store manager's page (the token in the cookie); its language from
//                          Accept-Language until the page's own toggle is used
//   GET /api/v1/today      today so far                     GET /api/v1/health   data health
//   GET /api/v1/buckets?day=YYYY-MM-DD                      a past day's hourly buckets
//   GET /api/v1/events?day=YYYY-MM-DD&hour=HH:MM            the raw events behind an hour
//   GET /api/v1/heatmap    today's heat grid per camera
//   GET /api/v1/stream     Server-Sent Events: `today` now and whenever it changes
//   GET /metrics           Prometheus text, for fleet operations
//   GET /assets/NAME       the pages' embedded scripts and styles (no token: nothing private),
//                          gzip when the client takes it
// Technician (dashboard.technician_password; off when unset):
//   GET  /tech             the technician's page (no data in it)
//   POST /tech/login       {"password"} -> session cookie      POST /tech/logout
//   GET  /tech/api/state   cameras with lines, zones, live counts; POS sources; broker
//   GET  /tech/api/config  the running configuration, secrets masked
//   GET  /tech/api/snapshot?camera=ID      the camera's next frame, JPEG (waits for it)
//   POST /tech/api/geometry?camera=ID      {"lines", "zones"}: validated, applied, kept
//   POST /tech/api/test?target=broker|source:ID                 a connection test (waits for it)
//   GET  /tech/api/settings          every setting: value, origin, type, range, default, description
//   POST /tech/api/settings/preview  {"set", "reset"}: what it would change, or its errors
//   POST /tech/api/settings/apply    {"set", "reset"}: made and judged by the health gate (waits for
//                                    the verdict: 200 applied or saved, 422 refused or undone, 409 busy)
//   POST /tech/api/audit?camera=ID&seconds=N   start an accuracy audit (records a clip)
//   GET  /tech/api/audit?id=A                  its state; /tech/api/audit/clip?id=A its frames
//   POST /tech/api/audit/finish?id=A           {"taps": [...]}: judged, stored, clip deleted
//   POST /tech/api/audit/cancel?id=A           clip deleted
//
// The manager's token comes as the `kelu_t` cookie, `Authorization: Bearer`, or `?t=`; it does
// not open technician routes, nor a technician session the manager's. Missing or bad: 401; too
// many bad tokens or passwords from one address: 429. A POST whose Origin is not this box's own
// is refused (403), on top of the SameSite cookies. HEAD works wherever GET does; other methods
// get 405. Nothing is read from the filesystem, so a path cannot escape anything; odd paths (dot
// segments, backslashes, NUL, encoded slashes) get 404 all the same.
#include <chrono>
#include <map>
#include <string>
#include <string_view>

#include "access_token.hpp"
#include "core/attempt_limiter.hpp"
#include "dashboard_source.hpp"
#include "technician_sessions.hpp"
#include "technician_source.hpp"
#include "net/http_message.hpp"

namespace kelu::dashboard {

using net::client_info;
using net::deferred;
using net::request;
using net::response;
using net::routed;
using net::sse_event;

// Embedded files: name -> (content type, bytes).
using asset_map = std::map<std::string, std::pair<std::string, std::string_view>, std::less<>>;

struct router_stats {
  std::int64_t requests = 0;
  std::int64_t unauthorized = 0;
  std::int64_t rate_limited = 0;
  std::int64_t not_found = 0;
};

// The technician's half; both null leave it off (404).
struct technician_parts {
  technician_source* source = nullptr;
  technician_sessions* sessions = nullptr;
};

class router {
 public:
  router(dashboard_source& source, const token_key& key, std::string tenant, std::string store,
         const asset_map& assets, core::attempt_limiter& limiter, technician_parts technician = {});

  routed handle(const request& req, const client_info& client);
  const router_stats& stats() const { return stats_; }

 private:
  routed route(const request& req, const client_info& client, std::string_view path,
               const std::map<std::string, std::string>& query);
  routed route_technician(const request& req, const client_info& client, std::string_view path,
                          const std::map<std::string, std::string>& query);
  response route_audit(const request& req, std::string_view path, const std::map<std::string, std::string>& query);
  routed route_settings(const request& req, std::string_view path);
  response asset(const request& req, std::string_view name);

  dashboard_source& source_;
  const token_key& key_;
  std::string tenant_;
  std::string store_;
  const asset_map& assets_;
  std::map<std::string, std::string, std::less<>> gzipped_;  // name -> gzip of the asset, once asked for
  core::attempt_limiter& limiter_;
  technician_parts technician_;
  router_stats stats_;
};

// "a=1&b=%E4%B8%AD" -> {a: 1, b: 中}; nullopt for a bad percent escape.
std::optional<std::map<std::string, std::string>> parse_query(std::string_view query);
// The page's language from an Accept-Language header: "zh" or "en", by the client's order of
// preference; "zh" when it names neither.
std::string_view preferred_language(std::string_view accept_language);
// RFC 1952 gzip of `data`.
std::string gzip(std::string_view data);

}  // namespace kelu::dashboard
