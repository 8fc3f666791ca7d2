// SPDX-License-Identifier: Apache-2.0
#include "router.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <zlib.h>

#include <charconv>
#include <optional>
#include <stdexcept>


namespace kelu::dashboard {

namespace http = boost::beast::http;

namespace {

constexpr std::string_view cookie_name = "kelu_t";
constexpr std::string_view technician_cookie = "kelu_s";
// A camera has up to 1 s between frames it analyses, a connection test a 3 s connect deadline.
constexpr std::chrono::milliseconds snapshot_deadline{5000};
constexpr std::chrono::milliseconds test_deadline{6000};
// A settings change is judged by the health gate, fleet.gate_s (at most 600 s) after it is made.
constexpr std::chrono::milliseconds settings_deadline{630000};

response reply(const request& req, http::status status, std::string_view type, std::string body) {
  response res{status, req.version()};
  res.set(http::field::content_type, std::string(type));
  // The page is the store's own: nothing from elsewhere, no framing, no token in a Referer.
  res.set(http::field::cache_control, "no-store");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
  res.set("X-Frame-Options", "DENY");
  res.set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
  res.keep_alive(req.keep_alive());
  if (req.method() != http::verb::head) {
    res.body() = std::move(body);
  }
  res.prepare_payload();
  if (req.method() == http::verb::head) res.content_length(body.size());
  return res;
}

response json_reply(const request& req, http::status status, const nlohmann::json& body) {
  return reply(req, status, "application/json; charset=utf-8", body.dump());
}

response error_reply(const request& req, http::status status, const std::string& message) {
  return json_reply(req, status, nlohmann::json{{"error", message}});
}

std::string_view cookie_value(const request& req, std::string_view name) {
  const auto header = req[http::field::cookie];
  std::string_view rest(header.data(), header.size());
  while (!rest.empty()) {
    const auto semi = rest.find(';');
    auto pair = rest.substr(0, semi);
    rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.starts_with(name) && pair.size() > name.size() && pair[name.size()] == '=')
      return pair.substr(name.size() + 1);
  }
  return {};
}

std::string_view bearer(const request& req) {
  const auto header = req[http::field::authorization];
  const std::string_view h(header.data(), header.size());
  return h.starts_with("Bearer ") ? h.substr(7) : std::string_view{};
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool odd_path(std::string_view path) {
  return path.empty() || path.front() != '/' || path.find("/.") != std::string_view::npos ||
         path.find('\\') != std::string_view::npos || path.find('%') != std::string_view::npos ||
         path.find('\0') != std::string_view::npos || path.find("//") != std::string_view::npos;
}

response forbidden(const request& req, const std::string& message) {
  return error_reply(req, http::status::forbidden, message);
}

// A POST from a page this box did not serve (a browser sends Origin with every POST).
bool foreign_origin(const request& req) {
  const auto origin = req[http::field::origin];
  if (origin.empty()) return false;  // not a browser: curl, tests
  const std::string_view o(origin.data(), origin.size());
  const auto host = req[http::field::host];
  const std::string_view h(host.data(), host.size());
  const auto scheme = o.find("://");
  return scheme == std::string_view::npos || o.substr(scheme + 3) != h;
}

std::string html_with_language(std::string_view page, std::string_view lang) {
  std::string out(page);
  constexpr std::string_view marker = "<html lang=\"zh\"";
  if (const auto at = out.find(marker); at != std::string::npos && lang != "zh")
    out.replace(at, marker.size(), "<html lang=\"" + std::string(lang) + "\"");
  return out;
}

}  // namespace

std::string gzip(std::string_view data) {
  z_stream z{};
  // 15 + 16: a gzip wrapper, which every browser takes as Content-Encoding: gzip.
  if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) throw std::runtime_error("deflateInit2");
  std::string out(deflateBound(&z, static_cast<uLong>(data.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) throw std::runtime_error("deflate");
  return out;
}

std::string_view preferred_language(std::string_view header) {
  // "en-GB,en;q=0.9,zh-CN;q=0.8": the first zh* or en* with the highest q.
  std::string_view best = "zh";
  double best_q = -1;
  while (!header.empty()) {
    const auto comma = header.find(',');
    auto item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    double q = 1;
    if (const auto semi = item.find(';'); semi != std::string_view::npos) {
      const auto params = item.substr(semi + 1);
      item = item.substr(0, semi);
      if (const auto qat = params.find("q="); qat != std::string_view::npos) {
        try {
          q = std::stod(std::string(params.substr(qat + 2, 5)));
        } catch (const std::exception&) {
          q = 0;
        }
      }
    }
    const auto lower2 = item.size() >= 2 ? std::string{static_cast<char>(item[0] | 0x20), static_cast<char>(item[1] | 0x20)}
                                         : std::string{};
    if ((lower2 == "zh" || lower2 == "en") && q > best_q) {
      best = lower2 == "zh" ? "zh" : "en";
      best_q = q;
    }
  }
  return best;
}

std::optional<std::map<std::string, std::string>> parse_query(std::string_view query) {
  std::map<std::string, std::string> out;
  const auto decode = [](std::string_view in) -> std::optional<std::string> {
    std::string s;
    for (std::size_t i = 0; i < in.size(); ++i) {
      if (in[i] == '+') {
        s += ' ';
      } else if (in[i] == '%') {
        if (i + 2 >= in.size()) return std::nullopt;
        const int hi = hex_value(in[i + 1]);
        const int lo = hex_value(in[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        s += static_cast<char>(hi * 16 + lo);
        i += 2;
      } else {
        s += in[i];
      }
    }
    return s;
  };
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    auto key = decode(pair.substr(0, eq));
    auto value = decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    if (!key || !value) return std::nullopt;
    out[*key] = *value;
  }
  return out;
}

router::router(dashboard_source& source, const token_key& key, std::string tenant, std::string store,
               const asset_map& assets, core::attempt_limiter& limiter, technician_parts technician)
    : source_(source),
      key_(key),
      tenant_(std::move(tenant)),
      store_(std::move(store)),
      assets_(assets),
      limiter_(limiter),
      technician_(technician) {}

routed router::handle(const request& req, const client_info& client) {
  ++stats_.requests;
  const std::string_view target(req.target().data(), req.target().size());
  const auto mark = target.find('?');
  const auto path = target.substr(0, mark);
  const bool post_route = path == "/tech/login" || path == "/tech/logout" || path == "/tech/api/geometry" ||
                          path == "/tech/api/test" || path == "/tech/api/audit/finish" ||
                          path == "/tech/api/audit/cancel" || path == "/tech/api/settings/preview" ||
                          path == "/tech/api/settings/apply";
  const bool both = path == "/tech/api/audit";  // POST starts one, GET asks how it goes
  const bool is_get = req.method() == http::verb::get || req.method() == http::verb::head;
  const bool is_post = req.method() == http::verb::post;
  const bool allowed = both ? is_get || is_post : post_route ? is_post : is_get;
  if (!allowed) {
    auto res = error_reply(req, http::status::method_not_allowed,
                           both ? "only GET, HEAD and POST" : post_route ? "only POST" : "only GET and HEAD");
    res.set(http::field::allow, both ? "GET, HEAD, POST" : post_route ? "POST" : "GET, HEAD");
    return res;
  }
  if (odd_path(path)) {
    ++stats_.not_found;
    return error_reply(req, http::status::not_found, "no such page");
  }
  const auto query = parse_query(mark == std::string_view::npos ? std::string_view{} : target.substr(mark + 1));
  if (!query) return error_reply(req, http::status::bad_request, "bad percent escape in the query");
  if (path == "/tech" || path.starts_with("/tech/")) return route_technician(req, client, path, *query);
  return route(req, client, path, *query);
}

response router::asset(const request& req, std::string_view name) {
  const auto it = assets_.find(name);
  if (it == assets_.end()) {
    ++stats_.not_found;
    return error_reply(req, http::status::not_found, "no such asset");
  }
  const auto accept = req[http::field::accept_encoding];
  const bool gz = !name.ends_with(".html") &&
                  std::string_view(accept.data(), accept.size()).find("gzip") != std::string_view::npos;
  // Compressed at the first request that takes gzip, then kept: the chart library is 51 KB as it
  // comes, 22 KB gzipped, on store Wi-Fi; compressing every asset at start cost the agent's start-up
  // a fifth of its time, for pages that may not be opened that day.
  auto packed = gzipped_.end();
  if (gz) {
    packed = gzipped_.find(name);
    if (packed == gzipped_.end()) packed = gzipped_.emplace(std::string(name), gzip(it->second.second)).first;
  }
  auto res = reply(req, http::status::ok, it->second.first, gz ? packed->second : std::string(it->second.second));
  if (gz) res.set(http::field::content_encoding, "gzip");
  res.set(http::field::vary, "Accept-Encoding");
  res.set(http::field::cache_control, "public, max-age=86400");  // named by version at build time
  return res;
}

routed router::route(const request& req, const client_info& client, std::string_view path,
                     const std::map<std::string, std::string>& query) {
  if (path.starts_with("/assets/")) return asset(req, path.substr(8));

  const bool known = path == "/" || path == "/metrics" || path == "/api/v1/today" || path == "/api/v1/health" ||
                     path == "/api/v1/events" || path == "/api/v1/stream" || path == "/api/v1/buckets" ||
                     path == "/api/v1/heatmap";
  if (!known) {
    ++stats_.not_found;
    return error_reply(req, http::status::not_found, "no such page");
  }

  // Every other route needs the token.
  const auto in_query = query.find("t");
  std::string_view token = in_query != query.end() ? std::string_view(in_query->second) : bearer(req);
  if (token.empty()) token = cookie_value(req, cookie_name);
  if (!limiter_.allowed(client.address, client.now)) {
    ++stats_.rate_limited;
    auto res = error_reply(req, http::status::too_many_requests, "too many bad codes from this address; wait a minute");
    res.set(http::field::retry_after, "60");
    return res;
  }
  const auto verdict = check_token(key_, tenant_, store_, token);
  if (verdict != token_verdict::ok) {
    ++stats_.unauthorized;
    if (verdict != token_verdict::missing) limiter_.failed(client.address, client.now);
    auto res = error_reply(req, http::status::unauthorized,
                           verdict == token_verdict::revoked
                               ? "this code was replaced; scan the store's current QR code"
                               : "scan the store's QR code to open the dashboard");
    res.set(http::field::www_authenticate, "Bearer realm=\"kelu\"");
    return res;
  }

  if (path == "/") {
    if (in_query != query.end()) {
      // From the QR code: keep the token in a cookie and take it out of the address bar.
      auto res = reply(req, http::status::see_other, "text/plain; charset=utf-8", "");
      res.set(http::field::location, "/");
      res.set(http::field::set_cookie, std::string(cookie_name) + "=" + std::string(token) +
                                           "; Path=/; HttpOnly; SameSite=Strict; Max-Age=31536000" +
                                           (client.secure ? "; Secure" : ""));
      return res;
    }
    const auto page = assets_.find("index.html");
    if (page == assets_.end()) return error_reply(req, http::status::not_found, "no page in this build");
    const auto accept = req[http::field::accept_language];
    auto res = reply(req, http::status::ok, page->second.first,
                     html_with_language(page->second.second,
                                        preferred_language(std::string_view(accept.data(), accept.size()))));
    res.set(http::field::vary, "Accept-Language");
    return res;
  }
  if (const auto why = source_.unavailable()) {
    auto res = error_reply(req, http::status::service_unavailable, *why);
    res.set(http::field::retry_after, "60");
    return res;
  }
  if (path == "/api/v1/today") return json_reply(req, http::status::ok, source_.today());
  if (path == "/api/v1/health") return json_reply(req, http::status::ok, source_.health());
  if (path == "/api/v1/heatmap") return json_reply(req, http::status::ok, source_.heatmap());
  // Server-Sent Events: today now, then each time it changes (http_server::publish).
  if (path == "/api/v1/stream") return reply(req, http::status::ok, "text/event-stream", sse_event("today", source_.today().dump()));
  if (path == "/metrics") return reply(req, http::status::ok, "text/plain; version=0.0.4; charset=utf-8", source_.metrics());
  const auto day = query.find("day");
  if (path == "/api/v1/buckets") {
    if (day == query.end()) return error_reply(req, http::status::bad_request, "give day=YYYY-MM-DD");
    auto buckets = source_.buckets(day->second);
    if (!buckets) return error_reply(req, http::status::bad_request, buckets.error_message());
    return json_reply(req, http::status::ok, *buckets);
  }
  // /api/v1/events
  const auto hour = query.find("hour");
  if (day == query.end() || hour == query.end())
    return error_reply(req, http::status::bad_request, "give day=YYYY-MM-DD and hour=HH:MM");
  auto events = source_.events(day->second, hour->second);
  if (!events) return error_reply(req, http::status::bad_request, events.error_message());
  return json_reply(req, http::status::ok, *events);
}

routed router::route_technician(const request& req, const client_info& client, std::string_view path,
                                const std::map<std::string, std::string>& query) {
  auto* source = technician_.source;
  auto* sessions = technician_.sessions;
  const bool known = path == "/tech" || path == "/tech/login" || path == "/tech/logout" || path == "/tech/api/state" ||
                     path == "/tech/api/config" || path == "/tech/api/snapshot" || path == "/tech/api/geometry" ||
                     path == "/tech/api/test" || path.starts_with("/tech/api/audit") ||
                     path.starts_with("/tech/api/settings");
  if (!known || source == nullptr || sessions == nullptr) {
    ++stats_.not_found;
    return error_reply(req, http::status::not_found, "no such page");
  }
  if (path == "/tech") {
    const auto page = assets_.find("tech.html");
    if (page == assets_.end()) return error_reply(req, http::status::not_found, "no page in this build");
    const auto accept = req[http::field::accept_language];
    return reply(req, http::status::ok, page->second.first,
                 html_with_language(page->second.second,
                                    preferred_language(std::string_view(accept.data(), accept.size()))));
  }
  if (!sessions->enabled())
    return forbidden(req, "the technician page is off: set dashboard.technician_password (`kelu passwd`)");
  if (req.method() == http::verb::post && foreign_origin(req))
    return forbidden(req, "this request came from a page the box did not serve");

  if (path == "/tech/login") {
    if (!limiter_.allowed(client.address, client.now)) {
      ++stats_.rate_limited;
      auto res = error_reply(req, http::status::too_many_requests, "too many wrong passwords from this address; wait a minute");
      res.set(http::field::retry_after, "60");
      return res;
    }
    const auto body = nlohmann::json::parse(req.body(), nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("password") || !body["password"].is_string())
      return error_reply(req, http::status::bad_request, "expected {\"password\": \"...\"}");
    const auto session = sessions->sign_in(body["password"].get<std::string>(), client.now);
    if (!session) {
      ++stats_.unauthorized;
      limiter_.failed(client.address, client.now);
      return error_reply(req, http::status::unauthorized, "wrong password");
    }
    auto res = json_reply(req, http::status::ok, nlohmann::json{{"signed_in", true}});
    res.set(http::field::set_cookie, std::string(technician_cookie) + "=" + *session +
                                         "; Path=/tech; HttpOnly; SameSite=Strict; Max-Age=" +
                                         std::to_string(sessions->lifetime().count() * 60) +
                                         (client.secure ? "; Secure" : ""));
    return res;
  }
  const auto session = cookie_value(req, technician_cookie);
  if (path == "/tech/logout") {
    sessions->sign_out(session);
    auto res = json_reply(req, http::status::ok, nlohmann::json{{"signed_in", false}});
    res.set(http::field::set_cookie, std::string(technician_cookie) + "=; Path=/tech; HttpOnly; SameSite=Strict; Max-Age=0");
    return res;
  }
  if (!sessions->valid(session, client.now)) {
    ++stats_.unauthorized;
    return error_reply(req, http::status::unauthorized, "sign in with the technician password");
  }

  if (path == "/tech/api/state") return json_reply(req, http::status::ok, source->state());
  if (path == "/tech/api/config") return json_reply(req, http::status::ok, source->config());
  const auto camera = query.find("camera");
  if (path == "/tech/api/geometry") {
    if (camera == query.end()) return error_reply(req, http::status::bad_request, "give camera=ID");
    const auto body = nlohmann::json::parse(req.body(), nullptr, false);
    if (body.is_discarded()) return error_reply(req, http::status::bad_request, "the body is not JSON");
    auto saved = source->save_geometry(camera->second, body);
    if (!saved) return error_reply(req, http::status::unprocessable_entity, saved.error_message());
    return json_reply(req, http::status::ok, *saved);
  }
  if (path.starts_with("/tech/api/audit")) return route_audit(req, path, query);
  if (path.starts_with("/tech/api/settings")) return route_settings(req, path);
  // A deferred answer is made from a copy of what it needs of the request: the request is gone by then.
  auto shell = std::make_shared<request>(req.method(), req.target(), req.version());
  shell->keep_alive(req.keep_alive());
  if (path == "/tech/api/snapshot") {
    if (camera == query.end()) return error_reply(req, http::status::bad_request, "give camera=ID");
    return deferred{[source, shell, id = camera->second](std::function<void(response)> done) {
                      source->snapshot(id, [shell, done](core::result<std::string> jpeg) {
                        if (!jpeg) {
                          done(error_reply(*shell, http::status::not_found, jpeg.error_message()));
                          return;
                        }
                        done(reply(*shell, http::status::ok, "image/jpeg", std::move(jpeg).value()));
                      });
                    },
                    snapshot_deadline};
  }
  // /tech/api/test
  const auto what = query.find("target");
  if (what == query.end()) return error_reply(req, http::status::bad_request, "give target=broker or target=source:ID");
  return deferred{[source, shell, target = what->second](std::function<void(response)> done) {
                    source->test(target, [shell, done](nlohmann::json result) {
                      done(json_reply(*shell, http::status::ok, result));
                    });
                  },
                  test_deadline};
}

// The settings editor's routes, inside a technician session (docs/dashboard.md, "Settings").
routed router::route_settings(const request& req, std::string_view path) {
  auto* source = technician_.source;
  if (path == "/tech/api/settings") return json_reply(req, http::status::ok, source->settings());
  if (path != "/tech/api/settings/preview" && path != "/tech/api/settings/apply") {
    ++stats_.not_found;
    return error_reply(req, http::status::not_found, "no such page");
  }
  auto edit = nlohmann::json::parse(req.body(), nullptr, false);
  if (edit.is_discarded()) return error_reply(req, http::status::bad_request, "the body is not JSON");
  if (path == "/tech/api/settings/preview")
    return json_reply(req, http::status::ok, source->preview_settings(edit));
  auto shell = std::make_shared<request>(req.method(), req.target(), req.version());
  shell->keep_alive(req.keep_alive());
  return deferred{[source, shell, edit = std::move(edit)](std::function<void(response)> done) {
                    source->apply_settings(edit, [shell, done](nlohmann::json verdict) {
                      const auto state = verdict.value("state", "");
                      const bool held = state == "applied" || state == "restarting" || state == "saved";
                      const auto status = held               ? http::status::ok
                                          : state == "busy" ? http::status::conflict
                                                            : http::status::unprocessable_entity;
                      done(json_reply(*shell, status, verdict));
                    });
                  },
                  settings_deadline};
}

// The accuracy audit's routes, inside a technician session (docs/dashboard.md, "Accuracy audit").
// The clip is answered like every reply here, with Cache-Control: no-store.
response router::route_audit(const request& req, std::string_view path,
                             const std::map<std::string, std::string>& query) {
  auto* source = technician_.source;
  const auto arg = [&](const char* name) -> std::optional<std::string> {
    const auto it = query.find(name);
    return it == query.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  const auto answer = [&](const core::result<nlohmann::json>& r, http::status refusal) {
    return r ? json_reply(req, http::status::ok, *r) : error_reply(req, refusal, r.error_message());
  };
  if (path == "/tech/api/audit" && req.method() == http::verb::post) {
    const auto camera = arg("camera");
    const auto seconds = arg("seconds").value_or("60");
    if (!camera) return error_reply(req, http::status::bad_request, "give camera=ID");
    std::int64_t n = 0;
    const auto [end, ec] = std::from_chars(seconds.data(), seconds.data() + seconds.size(), n);
    if (ec != std::errc{} || end != seconds.data() + seconds.size())
      return error_reply(req, http::status::bad_request, "seconds: expected a whole number");
    return answer(source->start_audit(*camera, n), http::status::conflict);
  }
  const auto id = arg("id");
  if (!id) return error_reply(req, http::status::bad_request, "give id=AUDIT");
  if (path == "/tech/api/audit") return answer(source->audit(*id), http::status::not_found);
  if (path == "/tech/api/audit/clip") {
    auto bytes = source->audit_clip(*id);
    if (!bytes) return error_reply(req, http::status::not_found, bytes.error_message());
    return reply(req, http::status::ok, "application/octet-stream", std::move(bytes).value());
  }
  if (path == "/tech/api/audit/finish") {
    const auto body = nlohmann::json::parse(req.body(), nullptr, false);
    if (body.is_discarded()) return error_reply(req, http::status::bad_request, "the body is not JSON");
    return answer(source->finish_audit(*id, body), http::status::unprocessable_entity);
  }
  if (path == "/tech/api/audit/cancel") {
    const auto done = source->cancel_audit(*id);
    return done ? json_reply(req, http::status::ok, nlohmann::json{{"cancelled", true}})
                : error_reply(req, http::status::not_found, done.error_message());
  }
  ++stats_.not_found;
  return error_reply(req, http::status::not_found, "no such page");
}

}  // namespace kelu::dashboard
