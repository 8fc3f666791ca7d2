// SPDX-License-Identifier: Apache-2.0
// Every route, every refusal and the limits, without sockets.
#include <gtest/gtest.h>

#include <boost/beast/http/field.hpp>

#include "dashboard/password_hash.hpp"
#include "dashboard/router.hpp"
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
  core::result<json> buckets(std::string_view day) override {
    if (day != "2026-11-26") return core::error{"day: no such day"};
    return json{{"day", "2026-11-26"}, {"hours", json::array()}};
  }
  json heatmap() override { return {{"cameras", json::array({{{"camera", "door"}}})}}; }
  std::string metrics() override { return "kelu_up 1\n"; }
  std::optional<std::string> unavailable() override { return why_unavailable; }
  std::string asked;
  std::optional<std::string> why_unavailable;
};

// The technician's side, answering later (on "the io_context") where the real one waits.
struct fake_technician : technician_source {
  json state() override { return {{"cameras", json::array({{{"id", "door"}}})}}; }
  json config() override { return {{"mqtt", {{"password", "***"}}}}; }
  void snapshot(std::string_view camera, std::function<void(core::result<std::string>)> done) override {
    if (camera != "door") {
      done(core::error{"no running camera"});
      return;
    }
    later = [done] { done(std::string("\xff\xd8jpeg")); };
  }
  core::result<json> save_geometry(std::string_view camera, const json& body) override {
    saved = std::string(camera) + " " + body.dump();
    if (!body.contains("lines")) return core::error{"cameras[door]: expected lines"};
    return body;
  }
  void test(std::string_view target, std::function<void(json)> done) override {
    later = [done, target = std::string(target)] { done({{"target", target}, {"ok", true}}); };
  }
  core::result<json> start_audit(std::string_view camera, std::int64_t seconds) override {
    if (camera != "door") return core::error{"camera: no camera " + std::string(camera)};
    return json{{"id", "a1"}, {"state", "recording"}, {"seconds", seconds}};
  }
  core::result<json> audit(std::string_view id) override {
    if (id != "a1") return core::error{"no audit"};
    return json{{"id", "a1"}, {"state", "ready"}};
  }
  core::result<std::string> audit_clip(std::string_view id) override {
    if (id != "a1") return core::error{"no audit"};
    return std::string("\xff\xd8" "clip");
  }
  core::result<json> finish_audit(std::string_view id, const json& body) override {
    if (id != "a1") return core::error{"no audit"};
    if (!body.contains("taps")) return core::error{"expected {\"taps\": [...]}"};
    return json{{"lines", json::array()}};
  }
  core::status cancel_audit(std::string_view id) override {
    if (id != "a1") return core::error{"no audit"};
    return core::ok();
  }
  json settings() override { return {{"keys", json::array({{{"key", "mqtt.uri"}, {"origin", "file"}}})}}; }
  json preview_settings(const json& edit) override { return {{"ok", true}, {"edit", edit}}; }
  void apply_settings(const json& edit, std::function<void(json)> done) override {
    later = [done, state = edit.value("state", "applied")] { done({{"state", state}}); };
  }
  std::function<void()> later;
  std::string saved;
};

struct router_fixture : testing::Test {
  test::temp_dir dir;
  token_key key = load_or_create_key(dir.file("dashboard.key")).value();
  std::string token = make_token(key, "acme", "sh-001");
  fake_source source;
  asset_map assets{{"index.html", {"text/html; charset=utf-8", "<!doctype html><title>kelu</title>"}},
                   {"app.js", {"text/javascript; charset=utf-8", "console.log(1)"}}};
  core::attempt_limiter limiter{5, 12s, 100};
  fake_technician technician;
  technician_sessions sessions{hash_password("right-password", 10000)};
  router r{source, key, "acme", "sh-001", assets, limiter, {&technician, &sessions}};
  std::chrono::steady_clock::time_point now{};

  response get(const std::string& target, const std::string& auth = "", const std::string& from = "10.0.0.5",
               http::verb verb = http::verb::get) {
    request req{verb, target, 11};
    if (!auth.empty()) req.set(http::field::authorization, "Bearer " + auth);
    return std::get<response>(r.handle(req, {from, now}));
  }
  response post(const std::string& target, const std::string& payload, const std::string& cookie = "",
                const std::string& origin = "") {
    request req{http::verb::post, target, 11};
    req.set(http::field::host, "box:8080");
    if (!cookie.empty()) req.set(http::field::cookie, cookie);
    if (!origin.empty()) req.set(http::field::origin, origin);
    req.body() = payload;
    req.prepare_payload();
    return std::get<response>(r.handle(req, {"10.0.0.9", now}));
  }
  // Signs in and returns the cookie to send back.
  std::string sign_in() {
    const auto res = post("/tech/login", R"({"password": "right-password"})");
    EXPECT_EQ(res.result(), http::status::ok);
    const std::string set(res[http::field::set_cookie]);
    return set.substr(0, set.find(';'));
  }
  static json body(const response& res) { return json::parse(res.body()); }
};

TEST_F(router_fixture, an_accuracy_audit_is_the_technicians_alone_and_its_clip_is_never_cached) {
  const auto with_cookie = [&](http::verb verb, const std::string& target, const std::string& cookie) {
    request req{verb, target, 11};
    if (!cookie.empty()) req.set(http::field::cookie, cookie);
    return std::get<response>(r.handle(req, {"10.0.0.9", now}));
  };
  // Neither without a session nor with the manager's token.
  EXPECT_EQ(post("/tech/api/audit?camera=door&seconds=30", "").result(), http::status::unauthorized);
  EXPECT_EQ(get("/tech/api/audit/clip?id=a1", token).result(), http::status::unauthorized);
  EXPECT_EQ(get("/tech/api/audit?id=a1").result(), http::status::unauthorized);
  const auto cookie = sign_in();
  auto res = post("/tech/api/audit?camera=door&seconds=30", "", cookie);
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(body(res)["seconds"], 30);
  EXPECT_EQ(post("/tech/api/audit?camera=door&seconds=half", "", cookie).result(), http::status::bad_request);
  res = post("/tech/api/audit?camera=back&seconds=30", "", cookie);
  EXPECT_EQ(res.result(), http::status::conflict);
  EXPECT_NE(body(res)["error"].get<std::string>().find("no camera back"), std::string::npos);
  EXPECT_EQ(with_cookie(http::verb::get, "/tech/api/audit?id=a1", cookie).result(), http::status::ok);
  EXPECT_EQ(with_cookie(http::verb::get, "/tech/api/audit?id=zz", cookie).result(), http::status::not_found);
  res = with_cookie(http::verb::get, "/tech/api/audit/clip?id=a1", cookie);
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res[http::field::content_type], "application/octet-stream");
  EXPECT_EQ(res[http::field::cache_control], "no-store");  // the browser keeps no copy
  EXPECT_EQ(with_cookie(http::verb::get, "/tech/api/audit/finish?id=a1", cookie).result(),
            http::status::method_not_allowed);
  EXPECT_EQ(post("/tech/api/audit/finish?id=a1", "{", cookie).result(), http::status::bad_request);
  EXPECT_EQ(post("/tech/api/audit/finish?id=a1", "{}", cookie).result(), http::status::unprocessable_entity);
  EXPECT_EQ(post("/tech/api/audit/finish?id=a1", R"({"taps": []})", cookie).result(), http::status::ok);
  // From a page the box did not serve, refused like every technician POST.
  EXPECT_EQ(post("/tech/api/audit/cancel?id=a1", "", cookie, "http://evil.example").result(), http::status::forbidden);
  EXPECT_EQ(post("/tech/api/audit/cancel?id=a1", "", cookie).result(), http::status::ok);
  EXPECT_EQ(post("/tech/api/audit/cancel", "", cookie).result(), http::status::bad_request);
  EXPECT_EQ(with_cookie(http::verb::get, "/tech/api/audit/other?id=a1", cookie).result(), http::status::not_found);
}

TEST_F(router_fixture, over_tls_the_cookies_are_marked_secure_so_no_plain_request_carries_them) {
  request link{http::verb::get, "/?t=" + token, 11};
  EXPECT_EQ(std::string(std::get<response>(r.handle(link, {"10.0.0.5", now})).at(http::field::set_cookie))
                .find("Secure"),
            std::string::npos);  // plain http: a Secure cookie would never come back
  const std::string manager(std::get<response>(r.handle(link, {"10.0.0.5", now, true})).at(http::field::set_cookie));
  EXPECT_TRUE(manager.ends_with("; Secure")) << manager;
  request login{http::verb::post, "/tech/login", 11};
  login.set(http::field::host, "box:8080");
  login.body() = R"({"password": "right-password"})";
  login.prepare_payload();
  const std::string tech(std::get<response>(r.handle(login, {"10.0.0.9", now, true})).at(http::field::set_cookie));
  EXPECT_TRUE(tech.ends_with("; Secure")) << tech;
  EXPECT_EQ(tech.find("kelu_s="), 0u);
}

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
  const auto res2 = std::get<response>(r.handle(page, {"10.0.0.5", now}));
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

  res = get("/api/v1/buckets?day=2026-11-26", token);
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(body(res)["day"], "2026-11-26");
  EXPECT_EQ(get("/api/v1/buckets?day=2026-13-01", token).result(), http::status::bad_request);
  EXPECT_EQ(get("/api/v1/buckets", token).result(), http::status::bad_request);
  EXPECT_EQ(body(get("/api/v1/heatmap", token))["cameras"][0]["camera"], "door");

  res = get("/metrics", token);
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res.body(), "kelu_up 1\n");
  EXPECT_EQ(res[http::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
}

TEST_F(router_fixture, a_box_with_no_figures_says_why_and_when_to_ask_again) {
  source.why_unavailable = "this box is being set up";
  const auto res = get("/api/v1/today", token);
  EXPECT_EQ(res.result(), http::status::service_unavailable);
  EXPECT_EQ(body(res)["error"], "this box is being set up");
  EXPECT_EQ(res[http::field::retry_after], "60");
  EXPECT_EQ(get("/api/v1/today").result(), http::status::unauthorized);  // the token first, still
  EXPECT_EQ(get("/?t=" + token).result(), http::status::see_other);      // the page itself loads
}

TEST_F(router_fixture, without_a_good_token_nothing_private_is_served) {
  test::temp_dir other_dir;
  const auto other_key = load_or_create_key(other_dir.file("k")).value();
  for (const auto& bad : {std::string{}, std::string("nonsense"), make_token(key, "acme", "sh-002"),
                          make_token(other_key, "acme", "sh-001"),
                          token.substr(0, token.size() - 1) + (token.back() == 'A' ? "B" : "A")}) {
    for (const char* path : {"/", "/api/v1/today", "/api/v1/health", "/metrics", "/api/v1/events?day=x&hour=y",
                             "/api/v1/buckets?day=2026-11-26", "/api/v1/heatmap", "/api/v1/stream"}) {
      const auto res = get(path, bad, "10.0.0." + std::to_string(bad.size()));
      EXPECT_EQ(res.result(), http::status::unauthorized) << path << " with " << bad;
      EXPECT_EQ(res[http::field::www_authenticate], "Bearer realm=\"kelu\"");
      EXPECT_EQ(res.body().find("42"), std::string::npos);
      limiter = core::attempt_limiter{5, 12s, 100};  // this test is about the verdict, not the limit
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
  EXPECT_EQ(std::get<response>(r.handle(nul, {"10.0.0.5", now})).result(), http::status::not_found);
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

TEST_F(router_fixture, assets_go_gzipped_to_clients_that_take_it) {
  request req{http::verb::get, "/assets/app.js", 11};
  req.set(http::field::accept_encoding, "gzip, deflate, br");
  const auto res = std::get<response>(r.handle(req, {"10.0.0.5", now}));
  EXPECT_EQ(res[http::field::content_encoding], "gzip");
  EXPECT_EQ(res[http::field::vary], "Accept-Encoding");
  EXPECT_EQ(res.body(), gzip("console.log(1)"));
  EXPECT_EQ(res.body().substr(0, 2), "\x1f\x8b");
  EXPECT_EQ(get("/assets/app.js")[http::field::content_encoding], "");
}

TEST_F(router_fixture, the_page_speaks_the_language_the_phone_asks_for) {
  EXPECT_EQ(preferred_language("en-GB,en;q=0.9,zh-CN;q=0.8"), "en");
  EXPECT_EQ(preferred_language("zh-CN,zh;q=0.9,en;q=0.8"), "zh");
  EXPECT_EQ(preferred_language("fr-FR,en;q=0.5,zh-TW;q=0.7"), "zh");
  EXPECT_EQ(preferred_language("de"), "zh");
  EXPECT_EQ(preferred_language(""), "zh");
  EXPECT_EQ(preferred_language("EN-us"), "en");
  EXPECT_EQ(preferred_language("en;q=abc,zh;q=0.1"), "zh");
  assets["index.html"].second = R"(<!doctype html><html lang="zh"><title>kelu</title>)";
  request req{http::verb::get, "/", 11};
  req.set(http::field::authorization, "Bearer " + token);
  req.set(http::field::accept_language, "en-US,en;q=0.9");
  auto res = std::get<response>(r.handle(req, {"10.0.0.5", now}));
  EXPECT_EQ(res.body(), R"(<!doctype html><html lang="en"><title>kelu</title>)");
  EXPECT_EQ(res[http::field::vary], "Accept-Language");
  req.set(http::field::accept_language, "zh-CN");
  res = std::get<response>(r.handle(req, {"10.0.0.5", now}));
  EXPECT_EQ(res.body(), R"(<!doctype html><html lang="zh"><title>kelu</title>)");
}

TEST_F(router_fixture, the_technician_signs_in_with_the_password_and_the_managers_token_is_not_enough) {
  // Without a session nothing is served, with the manager's token neither.
  for (const char* path : {"/tech/api/state", "/tech/api/config", "/tech/api/snapshot?camera=door"}) {
    EXPECT_EQ(get(path).result(), http::status::unauthorized) << path;
    EXPECT_EQ(get(path, token).result(), http::status::unauthorized) << path;
  }
  EXPECT_EQ(post("/tech/api/geometry?camera=door", R"({"lines": []})").result(), http::status::unauthorized);
  EXPECT_TRUE(technician.saved.empty());
  EXPECT_EQ(get("/tech").result(), http::status::not_found);  // no tech.html among these assets

  auto res = post("/tech/login", R"({"password": "wrong"})");
  EXPECT_EQ(res.result(), http::status::unauthorized);
  EXPECT_EQ(res[http::field::set_cookie], "");
  EXPECT_EQ(post("/tech/login", "not json").result(), http::status::bad_request);
  res = post("/tech/login", R"({"password": "right-password"})");
  const std::string set(res[http::field::set_cookie]);
  EXPECT_EQ(set.find("kelu_s="), 0u);
  EXPECT_NE(set.find("Path=/tech; HttpOnly; SameSite=Strict; Max-Age=28800"), std::string::npos) << set;
  const auto cookie = set.substr(0, set.find(';'));

  request state{http::verb::get, "/tech/api/state", 11};
  state.set(http::field::cookie, cookie);
  res = std::get<response>(r.handle(state, {"10.0.0.9", now}));
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(body(res)["cameras"][0]["id"], "door");
  state.target("/tech/api/config");
  EXPECT_EQ(body(std::get<response>(r.handle(state, {"10.0.0.9", now})))["mqtt"]["password"], "***");
  state.target("/tech/api/state");
  // The session does not open the manager's API.
  request today{http::verb::get, "/api/v1/today", 11};
  today.set(http::field::cookie, cookie);
  EXPECT_EQ(std::get<response>(r.handle(today, {"10.0.0.9", now})).result(), http::status::unauthorized);
  // Signed out, and after the session's lifetime, it is refused.
  EXPECT_EQ(post("/tech/logout", "", cookie).result(), http::status::ok);
  EXPECT_EQ(std::get<response>(r.handle(state, {"10.0.0.9", now})).result(), http::status::unauthorized);
  const auto second = sign_in();
  state.set(http::field::cookie, second);
  now += 8h;
  EXPECT_EQ(std::get<response>(r.handle(state, {"10.0.0.9", now})).result(), http::status::unauthorized);
}

TEST_F(router_fixture, wrong_passwords_are_slowed_and_foreign_pages_cannot_post) {
  for (int i = 0; i < 5; ++i) EXPECT_EQ(post("/tech/login", R"({"password": "guess"})").result(), http::status::unauthorized);
  EXPECT_EQ(post("/tech/login", R"({"password": "right-password"})").result(), http::status::too_many_requests);
  now += 12s;
  const auto cookie = sign_in();
  // A page on another origin cannot save lines even with the cookie (and SameSite would not send it).
  auto res = post("/tech/api/geometry?camera=door", R"({"lines": []})", cookie, "http://evil.example");
  EXPECT_EQ(res.result(), http::status::forbidden);
  EXPECT_TRUE(technician.saved.empty());
  res = post("/tech/api/geometry?camera=door", R"({"lines": []})", cookie, "http://box:8080");
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(technician.saved, R"(door {"lines":[]})");
  // GET on a POST route and POST on a GET route.
  EXPECT_EQ(get("/tech/api/geometry?camera=door").result(), http::status::method_not_allowed);
  EXPECT_EQ(post("/tech/api/state", "", cookie).result(), http::status::method_not_allowed);
}

TEST_F(router_fixture, saving_lines_answers_with_the_problem_and_waiting_routes_answer_later) {
  const auto cookie = sign_in();
  auto res = post("/tech/api/geometry?camera=door", R"({"zones": []})", cookie);
  EXPECT_EQ(res.result(), http::status::unprocessable_entity);
  EXPECT_EQ(body(res)["error"], "cameras[door]: expected lines");
  EXPECT_EQ(post("/tech/api/geometry?camera=door", "{", cookie).result(), http::status::bad_request);
  EXPECT_EQ(post("/tech/api/geometry", "{}", cookie).result(), http::status::bad_request);

  request snap{http::verb::get, "/tech/api/snapshot?camera=door", 11};
  snap.set(http::field::cookie, cookie);
  auto routed_snap = r.handle(snap, {"10.0.0.9", now});
  auto* later = std::get_if<deferred>(&routed_snap);
  ASSERT_NE(later, nullptr);
  EXPECT_EQ(later->deadline, 5000ms);
  std::optional<response> answer;
  later->start([&](response x) { answer = std::move(x); });
  EXPECT_FALSE(answer);  // the camera has not sent its frame yet
  technician.later();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->result(), http::status::ok);
  EXPECT_EQ((*answer)[http::field::content_type], "image/jpeg");
  EXPECT_EQ((*answer)[http::field::cache_control], "no-store");
  EXPECT_EQ(answer->body(), "\xff\xd8jpeg");

  snap.target("/tech/api/snapshot?camera=back");
  routed_snap = r.handle(snap, {"10.0.0.9", now});
  answer.reset();
  std::get<deferred>(routed_snap).start([&](response x) { answer = std::move(x); });
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->result(), http::status::not_found);

  request test{http::verb::post, "/tech/api/test?target=source%3Apos-tcp", 11};
  test.set(http::field::cookie, cookie);
  auto routed_test = r.handle(test, {"10.0.0.9", now});
  answer.reset();
  std::get<deferred>(routed_test).start([&](response x) { answer = std::move(x); });
  technician.later();
  ASSERT_TRUE(answer);
  EXPECT_EQ(body(*answer)["target"], "source:pos-tcp");
}

TEST_F(router_fixture, settings_are_the_technicians_and_an_apply_answers_with_the_gates_verdict) {
  EXPECT_EQ(get("/tech/api/settings", token).result(), http::status::unauthorized);  // the manager's token is not enough
  EXPECT_EQ(post("/tech/api/settings/apply", "{}").result(), http::status::unauthorized);
  const auto cookie = sign_in();
  request list{http::verb::get, "/tech/api/settings", 11};
  list.set(http::field::cookie, cookie);
  const auto listed = std::get<response>(r.handle(list, {"10.0.0.9", now}));
  EXPECT_EQ(body(listed)["keys"][0]["key"], "mqtt.uri");
  EXPECT_EQ(listed[http::field::cache_control], "no-store");
  auto res = post("/tech/api/settings/preview", R"({"set": {"log.level": "debug"}})", cookie);
  EXPECT_EQ(body(res)["edit"]["set"]["log.level"], "debug");
  EXPECT_EQ(post("/tech/api/settings/preview", "{", cookie).result(), http::status::bad_request);
  EXPECT_EQ(post("/tech/api/settings/apply", "{}", cookie, "http://evil.example").result(), http::status::forbidden);
  list.method(http::verb::post);
  list.target("/tech/api/settings/nothing");
  EXPECT_EQ(std::get<response>(r.handle(list, {"10.0.0.9", now})).result(), http::status::method_not_allowed);

  for (const auto& [state, status] : std::vector<std::pair<std::string, http::status>>{
           {"applied", http::status::ok},
           {"rolled_back", http::status::unprocessable_entity},
           {"rejected", http::status::unprocessable_entity},
           {"busy", http::status::conflict}}) {
    request apply{http::verb::post, "/tech/api/settings/apply", 11};
    apply.set(http::field::cookie, cookie);
    apply.body() = json{{"state", state}}.dump();
    auto routed = r.handle(apply, {"10.0.0.9", now});
    auto* waiting = std::get_if<deferred>(&routed);
    ASSERT_NE(waiting, nullptr);
    EXPECT_GE(waiting->deadline, 600s);  // the gate may take fleet.gate_s, up to 600 s
    std::optional<response> answer;
    waiting->start([&](response x) { answer = std::move(x); });
    EXPECT_FALSE(answer);  // not before the verdict
    technician.later();
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->result(), status) << state;
    EXPECT_EQ(body(*answer)["state"], state);
  }
}

TEST_F(router_fixture, without_a_password_the_technician_page_is_off) {
  technician_sessions none{""};
  router off{source, key, "acme", "sh-001", assets, limiter, {&technician, &none}};
  request req{http::verb::post, "/tech/login", 11};
  req.body() = R"({"password": ""})";
  const auto res = std::get<response>(off.handle(req, {"10.0.0.9", now}));
  EXPECT_EQ(res.result(), http::status::forbidden);
  EXPECT_NE(body(res)["error"].get<std::string>().find("dashboard.technician_password"), std::string::npos);
  router bare{source, key, "acme", "sh-001", assets, limiter};
  EXPECT_EQ(std::get<response>(bare.handle(req, {"10.0.0.9", now})).result(), http::status::not_found);
}

TEST(password_hash, verifies_only_the_right_password_and_names_a_malformed_hash) {
  const auto h = hash_password("s3cret-pass", 10000);
  EXPECT_EQ(h.rfind("pbkdf2-sha256$10000$", 0), 0u);
  EXPECT_TRUE(verify_password(h, "s3cret-pass"));
  EXPECT_FALSE(verify_password(h, "s3cret-pasS"));
  EXPECT_FALSE(verify_password(h, ""));
  EXPECT_NE(hash_password("s3cret-pass", 10000), h);  // salted
  EXPECT_TRUE(check_password_hash(h));
  EXPECT_FALSE(verify_password("s3cret-pass", "s3cret-pass"));  // a password pasted where the hash goes
  EXPECT_NE(check_password_hash("s3cret-pass").error_message().find("kelu passwd"), std::string::npos);
  EXPECT_NE(check_password_hash("pbkdf2-sha256$9$00112233445566778899aabbccddeeff$00").error_message().find("iterations"),
            std::string::npos);
  EXPECT_NE(check_password_hash("pbkdf2-sha256$10000$zz$" + std::string(64, '0')).error_message().find("salt"),
            std::string::npos);
  EXPECT_NE(check_password_hash("pbkdf2-sha256$10000$00112233445566778899aabbccddeeff$0011").error_message().find("hash"),
            std::string::npos);
}

TEST(technician_sessions, are_bounded_and_a_new_password_signs_everyone_out) {
  technician_sessions s{hash_password("pw-123456", 10000), std::chrono::minutes(60), 2};
  const std::chrono::steady_clock::time_point t0{};
  const auto a = s.sign_in("pw-123456", t0);
  const auto b = s.sign_in("pw-123456", t0 + 1s);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->size(), 64u);
  EXPECT_FALSE(s.sign_in("nope", t0));
  const auto c = s.sign_in("pw-123456", t0 + 2s);  // pushes out the oldest, a
  EXPECT_FALSE(s.valid(*a, t0 + 3s));
  EXPECT_TRUE(s.valid(*b, t0 + 3s));
  EXPECT_TRUE(s.valid(*c, t0 + 3s));
  EXPECT_FALSE(s.valid(*c, t0 + 2s + 60min));
  s.set_password_hash(hash_password("another-pw", 10000));
  EXPECT_FALSE(s.valid(*b, t0 + 4s));
  EXPECT_FALSE(s.sign_in("pw-123456", t0 + 5s));
  EXPECT_TRUE(s.sign_in("another-pw", t0 + 5s));
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
