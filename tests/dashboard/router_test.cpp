// Every route, every refusal and the limits, without sockets.
#include <gtest/gtest.h>

#include <boost/beast/http/field.hpp>

#include "agent/dashboard/router.hpp"
#include "support/temp_dir.hpp"

namespace kelu::dashboard {
namespace {

namespace http = boost::beast::http;
using namespace std::chrono_literals;
using nlohmann::json;

struct fake_source : dashboard_source {
  json today() override { return {{"visitors", 42}}; }
  json health() override { return {{"cameras", json::array()}}; }
  core::result<json> events(std::string_view day, std::string_view hour) override {
    asked = std::string(day) + " " + std::string(hour);
    if (hour != "10:00") return core::error{"hour: expected HH:00"};
    return json{{"events", json::array({1, 2})}};
  }
  std::string metrics() override { return "kelu_up 1\n"; }
  std::string asked;
};

struct router_fixture : testing::Test {
  test::temp_dir dir;
  token_key key = load_or_create_key(dir.file("dashboard.key")).value();
  std::string token = make_token(key, "acme", "sh-001");
  fake_source source;
  asset_map assets{{"index.html", {"text/html; charset=utf-8", "<!doctype html><title>kelu</title>"}},
                   {"app.js", {"text/javascript; charset=utf-8", "console.log(1)"}}};
  attempt_limiter limiter{5, 12s, 100};
  router r{source, key, "acme", "sh-001", assets, limiter};
  std::chrono::steady_clock::time_point now{};

  response get(const std::string& target, const std::string& auth = "", const std::string& from = "10.0.0.5",
               http::verb verb = http::verb::get) {
    request req{verb, target, 11};
    if (!auth.empty()) req.set(http::field::authorization, "Bearer " + auth);
    return r.handle(req, {from, now});
  }
  static json body(const response& res) { return json::parse(res.body()); }
};

TEST_F(router_fixture, the_qr_link_sets_the_cookie_and_takes_the_token_out_of_the_address_bar) {
  const auto res = get("/?t=" + token);
  EXPECT_EQ(res.result(), http::status::see_other);
  EXPECT_EQ(res[http::field::location], "/");
  const std::string cookie(res[http::field::set_cookie]);
  EXPECT_EQ(cookie.find("kelu_t=" + token + ";"), 0u) << cookie;
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);

  request page{http::verb::get, "/", 11};
  page.set(http::field::cookie, "other=1; kelu_t=" + token);
  const auto res2 = r.handle(page, {"10.0.0.5", now});
  EXPECT_EQ(res2.result(), http::status::ok);
  EXPECT_EQ(res2.body(), "<!doctype html><title>kelu</title>");
  EXPECT_EQ(res2[http::field::content_type], "text/html; charset=utf-8");
  EXPECT_NE(std::string(res2["Content-Security-Policy"]).find("default-src 'self'"), std::string::npos);
  EXPECT_EQ(res2["Referrer-Policy"], "no-referrer");
}

TEST_F(router_fixture, the_api_answers_with_the_sources_figures) {
  auto res = get("/api/v1/today", token);
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(body(res)["visitors"], 42);
  EXPECT_EQ(res[http::field::cache_control], "no-store");
  EXPECT_EQ(res[http::field::content_type], "application/json; charset=utf-8");
  EXPECT_EQ(get("/api/v1/health", token).result(), http::status::ok);

  res = get("/api/v1/events?day=2026-11-27&hour=10%3A00", token);
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(source.asked, "2026-11-27 10:00");
  EXPECT_EQ(body(res)["events"].size(), 2u);
  res = get("/api/v1/events?day=2026-11-27&hour=10:30", token);
  EXPECT_EQ(res.result(), http::status::bad_request);
  EXPECT_EQ(body(res)["error"], "hour: expected HH:00");
  EXPECT_EQ(get("/api/v1/events?day=2026-11-27", token).result(), http::status::bad_request);
  EXPECT_EQ(get("/api/v1/events?day=%zz&hour=10:00", token).result(), http::status::bad_request);

  res = get("/metrics", token);
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res.body(), "kelu_up 1\n");
  EXPECT_EQ(res[http::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
}

TEST_F(router_fixture, without_a_good_token_nothing_private_is_served) {
  test::temp_dir other_dir;
  const auto other_key = load_or_create_key(other_dir.file("k")).value();
  for (const auto& bad : {std::string{}, std::string("nonsense"), make_token(key, "acme", "sh-002"),
                          make_token(other_key, "acme", "sh-001"),
                          token.substr(0, token.size() - 1) + (token.back() == 'A' ? "B" : "A")}) {
    for (const char* path : {"/", "/api/v1/today", "/api/v1/health", "/metrics", "/api/v1/events?day=x&hour=y"}) {
      const auto res = get(path, bad, "10.0.0." + std::to_string(bad.size()));
      EXPECT_EQ(res.result(), http::status::unauthorized) << path << " with " << bad;
      EXPECT_EQ(res[http::field::www_authenticate], "Bearer realm=\"kelu\"");
      EXPECT_EQ(res.body().find("42"), std::string::npos);
      limiter = attempt_limiter{5, 12s, 100};  // this test is about the verdict, not the limit
    }
  }
  EXPECT_TRUE(source.asked.empty());
  // A code made under an earlier key says so.
  EXPECT_NE(body(get("/api/v1/today", make_token(other_key, "acme", "sh-001")))["error"].get<std::string>().find(
                "replaced"),
            std::string::npos);
}

TEST_F(router_fixture, guessing_tokens_is_slowed_per_address) {
  for (int i = 0; i < 5; ++i) EXPECT_EQ(get("/api/v1/today", "x" + std::to_string(i)).result(), http::status::unauthorized);
  // Over the limit: refused before the token is looked at, even a good one.
  auto res = get("/api/v1/today", token);
  EXPECT_EQ(res.result(), http::status::too_many_requests);
  EXPECT_EQ(res[http::field::retry_after], "60");
  // Another address is not affected, and a missing token (a first visit) costs nothing.
  EXPECT_EQ(get("/api/v1/today", token, "10.0.0.6").result(), http::status::ok);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(get("/", "", "10.0.0.7").result(), http::status::unauthorized);
  EXPECT_EQ(get("/api/v1/today", token, "10.0.0.7").result(), http::status::ok);
  // One more try every 12 s.
  now += 12s;
  EXPECT_EQ(get("/api/v1/today", token).result(), http::status::ok);
  EXPECT_EQ(r.stats().rate_limited, 1);
  EXPECT_EQ(limiter.refused(), 1);
}

TEST_F(router_fixture, assets_are_served_without_a_token_and_odd_paths_are_not_found) {
  auto res = get("/assets/app.js");
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res.body(), "console.log(1)");
  EXPECT_EQ(res[http::field::content_type], "text/javascript; charset=utf-8");
  EXPECT_EQ(res[http::field::cache_control], "public, max-age=86400");
  for (const char* path : {"/assets/missing.js", "/assets/../dashboard.key", "/assets/%2e%2e/x", "/..", "/./",
                           "//etc/passwd", "/assets/a\\b", "/admin", "/api/v1/todayx", "/api/v2/today", "relative",
                           "/assets/"}) {
    EXPECT_EQ(get(path, token).result(), http::status::not_found) << path;
  }
  request nul{http::verb::get, std::string("/assets/app.js\0x", 16), 11};
  EXPECT_EQ(r.handle(nul, {"10.0.0.5", now}).result(), http::status::not_found);
}

TEST_F(router_fixture, only_get_and_head_and_head_has_no_body) {
  for (const auto verb : {http::verb::post, http::verb::put, http::verb::delete_, http::verb::options}) {
    const auto res = get("/api/v1/today", token, "10.0.0.5", verb);
    EXPECT_EQ(res.result(), http::status::method_not_allowed);
    EXPECT_EQ(res[http::field::allow], "GET, HEAD");
  }
  const auto head = get("/api/v1/today", token, "10.0.0.5", http::verb::head);
  EXPECT_EQ(head.result(), http::status::ok);
  EXPECT_TRUE(head.body().empty());
  EXPECT_EQ(head[http::field::content_length], std::to_string(json{{"visitors", 42}}.dump().size()));
}

TEST(query, decodes_percent_and_plus_and_refuses_bad_escapes) {
  const auto q = parse_query("a=1&b=%E4%B8%AD+x&&c&d=");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->at("a"), "1");
  EXPECT_EQ(q->at("b"), "中 x");
  EXPECT_EQ(q->at("c"), "");
  EXPECT_EQ(q->at("d"), "");
  EXPECT_FALSE(parse_query("a=%4"));
  EXPECT_FALSE(parse_query("a=%"));
  EXPECT_FALSE(parse_query("a=%g0"));
}

}  // namespace
}  // namespace kelu::dashboard
