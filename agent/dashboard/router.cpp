#include "router.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>

#include "http_server.hpp"

namespace kelu::dashboard {

namespace http = boost::beast::http;

namespace {

constexpr std::string_view cookie_name = "kelu_t";

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

}  // namespace

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
               const asset_map& assets, attempt_limiter& limiter)
    : source_(source),
      key_(key),
      tenant_(std::move(tenant)),
      store_(std::move(store)),
      assets_(assets),
      limiter_(limiter) {}

response router::handle(const request& req, const client_info& client) {
  ++stats_.requests;
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    auto res = error_reply(req, http::status::method_not_allowed, "only GET and HEAD");
    res.set(http::field::allow, "GET, HEAD");
    return res;
  }
  const std::string_view target(req.target().data(), req.target().size());
  const auto mark = target.find('?');
  const auto path = target.substr(0, mark);
  if (odd_path(path)) {
    ++stats_.not_found;
    return error_reply(req, http::status::not_found, "no such page");
  }
  const auto query = parse_query(mark == std::string_view::npos ? std::string_view{} : target.substr(mark + 1));
  if (!query) return error_reply(req, http::status::bad_request, "bad percent escape in the query");
  return route(req, client, path, *query);
}

response router::route(const request& req, const client_info& client, std::string_view path,
                       const std::map<std::string, std::string>& query) {
  if (path.starts_with("/assets/")) {
    const auto it = assets_.find(path.substr(8));
    if (it == assets_.end()) {
      ++stats_.not_found;
      return error_reply(req, http::status::not_found, "no such asset");
    }
    auto res = reply(req, http::status::ok, it->second.first, std::string(it->second.second));
    res.set(http::field::cache_control, "public, max-age=86400");  // named by version at build time
    return res;
  }

  const bool known = path == "/" || path == "/metrics" || path == "/api/v1/today" || path == "/api/v1/health" ||
                     path == "/api/v1/events" || path == "/api/v1/stream";
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
                                           "; Path=/; HttpOnly; SameSite=Strict; Max-Age=31536000");
      return res;
    }
    const auto page = assets_.find("index.html");
    if (page == assets_.end()) return error_reply(req, http::status::not_found, "no page in this build");
    return reply(req, http::status::ok, page->second.first, std::string(page->second.second));
  }
  if (path == "/api/v1/today") return json_reply(req, http::status::ok, source_.today());
  if (path == "/api/v1/health") return json_reply(req, http::status::ok, source_.health());
  // Server-Sent Events: today now, then each time it changes (http_server::publish).
  if (path == "/api/v1/stream") return reply(req, http::status::ok, "text/event-stream", sse_event("today", source_.today().dump()));
  if (path == "/metrics") return reply(req, http::status::ok, "text/plain; version=0.0.4; charset=utf-8", source_.metrics());
  // /api/v1/events
  const auto day = query.find("day");
  const auto hour = query.find("hour");
  if (day == query.end() || hour == query.end())
    return error_reply(req, http::status::bad_request, "give day=YYYY-MM-DD and hour=HH:MM");
  auto events = source_.events(day->second, hour->second);
  if (!events) return error_reply(req, http::status::bad_request, events.error_message());
  return json_reply(req, http::status::ok, *events);
}

}  // namespace kelu::dashboard
