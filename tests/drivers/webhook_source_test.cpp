// SPDX-License-Identifier: Apache-2.0
// The webhook over real HTTP (a Beast client on loopback) into a real SQLite store.
#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <fstream>
#include <future>
#include <thread>

#include "config/schema.hpp"
#include "drivers/webhook_source.hpp"
#include "support/flaky_ingest.hpp"
#include "support/io_helpers.hpp"
#include "support/store_fixture.hpp"
#include "support/temp_dir.hpp"
#include "sync/database.hpp"
#include "sync/event_store.hpp"
#include "sync/group_committer.hpp"
#include "sync/outbox.hpp"

namespace kelu::drivers {
namespace {

// The options a box with the key table's defaults gives the source.
webhook_options webhook_defaults() { return webhook_options_for(config::defaults(), core::time_zone::utc()); }

using namespace std::chrono_literals;
namespace beast = boost::beast;
namespace http = beast::http;
using nlohmann::json;

constexpr const char* t1_secret = "t1-secret-0123456789";
constexpr const char* any_secret = "fallback-secret-abcdef";

struct reply {
  int status = 0;
  json body;
  std::string retry_after;
};

// The source's clock: the system's, moved on at will (a day passing for retention).
class shifted_clock final : public core::clock {
 public:
  core::utc_time now_utc() const override { return base_.now_utc() + std::chrono::milliseconds(shift_ms_.load()); }
  std::chrono::steady_clock::time_point now_steady() const override { return base_.now_steady(); }
  void shift(std::chrono::milliseconds by) { shift_ms_ += by.count(); }

 private:
  core::system_clock base_;
  std::atomic<std::int64_t> shift_ms_{0};
};

std::string unix_now_s() {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count());
}

struct webhook_fixture : test::store_fixture {
  void start(webhook_options o = webhook_defaults()) {
    std::ofstream(dir.file("secrets")) << "# terminal secret\nT1 " << t1_secret << "\n*  " << any_secret << "\n";
    o.store_id = "s1";
    o.listen = "127.0.0.1";
    o.port = 0;
    o.secrets_file = dir.file("secrets");
    source = std::make_unique<webhook_source>(io.get_executor(), flaky, source_clock, o,
                                              std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>()));
    ASSERT_TRUE(source->start());
    start_io();
  }
  void TearDown() override {
    stop_io([this] { source->stop(); });
  }
  reply post(const std::string& body, const std::string& terminal, const std::string& signature,
             const std::string& target = "/pos/transactions", http::verb verb = http::verb::post,
             const std::string& timestamp = {}) {
    boost::asio::io_context cio;
    beast::tcp_stream stream(cio);
    stream.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), source->port()));
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!terminal.empty()) req.set("X-Kelu-Terminal", terminal);
    if (!signature.empty()) req.set("X-Kelu-Signature", signature);
    if (!timestamp.empty()) req.set("X-Kelu-Timestamp", timestamp);
    req.body() = body;
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    beast::error_code ec;
    http::read(stream, buf, res, ec);
    reply r;
    r.status = ec ? -1 : static_cast<int>(res.result_int());
    r.body = json::parse(res.body(), nullptr, false);
    r.retry_after = std::string(res["Retry-After"]);
    return r;
  }
  reply signed_post(const std::string& body, const std::string& terminal = "T1", const char* secret = t1_secret) {
    return post(body, terminal, webhook_signature(secret, body));
  }
  reply post_v2(const std::string& body, const std::string& timestamp, const std::string& signature) {
    return post(body, "T1", signature, "/pos/transactions", http::verb::post, timestamp);
  }
  reply signed_post_v2(const std::string& body, const std::string& timestamp = unix_now_s()) {
    return post_v2(body, timestamp, webhook_signature_v2(t1_secret, timestamp, body));
  }
  shifted_clock source_clock;
  test::flaky_ingest flaky{io, committer};
  std::unique_ptr<webhook_source> source;
};

const std::string sale = R"({"terminal":"T1","transaction_id":"9001","total":"23.50","time":"2026-11-27T18:03:11+08:00"})";

TEST(webhook, signature_is_hmac_sha256_hex) {
  // RFC 4231 test case 2.
  EXPECT_EQ(webhook_signature("Jefe", "what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(webhook, v2_signs_the_timestamp_before_the_body) {
  // HMAC-SHA256("Jefe", "1764946800.what do ya want for nothing?"), by openssl dgst -hmac.
  EXPECT_EQ(webhook_signature_v2("Jefe", "1764946800", "what do ya want for nothing?"),
            "v2=979a9725321b8bec6425c0dfc3fb49097403bea519d13d09a307ba6d21c89662");
}

TEST(webhook, a_signature_is_checked_before_its_window_and_every_refusal_says_why) {
  const auto at = [](std::int64_t s) { return core::utc_time(std::chrono::seconds(s)); };
  const std::string body = "{}", ts = "1764946800";
  const auto v2 = webhook_signature_v2(t1_secret, ts, body);
  const auto check = [&](std::string_view sig, std::string_view t, std::int64_t now_s, bool require = false) {
    return check_webhook_signature(t1_secret, sig, t, body, at(now_s), 300s, require);
  };
  const auto why = [](const webhook_check& c) {
    const auto* r = std::get_if<webhook_refusal>(&c);
    return r == nullptr ? std::string("accepted") : (r->stale ? "stale: " : "") + r->why;
  };
  EXPECT_EQ(std::get<webhook_signing>(check(v2, ts, 1764946800 + 300)), webhook_signing::v2);
  EXPECT_EQ(std::get<webhook_signing>(check(v2, ts, 1764946800 - 300)), webhook_signing::v2);
  EXPECT_EQ(why(check(v2, ts, 1764946800 + 301)),
            "stale: X-Kelu-Timestamp 2025-12-05T15:00:00.000Z is 301 s behind the box's clock "
            "(2025-12-05T15:05:01.000Z), outside the window of 300 s (sources.webhook.timestamp_tolerance_s): "
            "a replayed delivery, or the sender's clock is off");
  EXPECT_NE(why(check(v2, ts, 1764946800 - 10800)).find("is 10800 s ahead of the box's clock"), std::string::npos);
  // A timestamp moved into the window breaks the signature: the window cannot be walked forward.
  EXPECT_EQ(why(check(v2, "1764957600", 1764957600)), "bad X-Kelu-Signature");
  // A wrong signature is refused as wrong even far out of the window: the clock is told only to signers.
  EXPECT_EQ(why(check("v2=00", ts, 1764946800 + 86400)), "bad X-Kelu-Signature");
  EXPECT_EQ(why(check(v2, "", 1764946800)), "a v2 signature needs X-Kelu-Timestamp");
  EXPECT_EQ(why(check(v2, "+1764946800", 1764946800)), "X-Kelu-Timestamp is not decimal Unix seconds");
  EXPECT_EQ(why(check(v2, "1764946800000000", 1764946800)), "X-Kelu-Timestamp is not decimal Unix seconds");
  EXPECT_EQ(why(check("", ts, 1764946800)), "missing X-Kelu-Signature");
  EXPECT_EQ(why(check("sha512=ab", ts, 1764946800)), "X-Kelu-Signature is neither v2= nor sha256=");
  const auto v1 = webhook_signature(t1_secret, body);
  EXPECT_EQ(std::get<webhook_signing>(check(v1, "", 1764946800)), webhook_signing::v1);
  EXPECT_NE(why(check(v1, "", 1764946800, true)).find("v1 signature (sha256=, no X-Kelu-Timestamp) is refused"),
            std::string::npos);
}

TEST(webhook, secrets_file_errors_name_file_and_line) {
  test::temp_dir d;
  std::ofstream(d.file("s")) << "T1 short\n";
  auto r = load_webhook_secrets(d.file("s"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error_message(), d.file("s") + ":1: the secret is shorter than 16 characters");
  std::ofstream(d.file("s2")) << "T1\n";
  EXPECT_NE(load_webhook_secrets(d.file("s2")).error_message().find(":1: expected \"terminal secret\""), std::string::npos);
  EXPECT_FALSE(load_webhook_secrets(d.file("absent")));
}

TEST_F(webhook_fixture, a_signed_delivery_is_stored_once_and_answered_after_commit) {
  start();
  auto r = signed_post(sale);
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["results"][0]["seq"], 1);
  EXPECT_EQ(stored(), 1);
  // The POS did not see the answer and delivers again.
  r = signed_post(sale);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["results"][0]["duplicate"], true);
  EXPECT_EQ(stored(), 1);
  EXPECT_EQ(source->health().duplicates, 1);
}

TEST_F(webhook_fixture, bad_signatures_and_unknown_terminals_get_401_and_are_counted) {
  start();
  EXPECT_EQ(post(sale, "T1", "sha256=00").status, 401);
  EXPECT_EQ(post(sale, "T1", "").status, 401);
  EXPECT_EQ(post(sale, "", webhook_signature(t1_secret, sale)).status, 401);
  // Signed with another terminal's secret.
  EXPECT_EQ(signed_post(sale, "T1", any_secret).status, 401);
  // The body changed after signing.
  EXPECT_EQ(post(sale + " ", "T1", webhook_signature(t1_secret, sale)).status, 401);
  EXPECT_EQ(source->stats().unauthorized, 5);
  EXPECT_EQ(stored(), 0);
  // A terminal without its own line uses "*"; it may only send its own sales.
  const std::string t7 = R"({"terminal":"T7","transaction_id":"1","total":"1.00"})";
  EXPECT_EQ(signed_post(t7, "T7", any_secret).status, 200);
  auto r = signed_post(t7, "T8", any_secret);
  EXPECT_EQ(r.status, 422);
  EXPECT_NE(r.body["results"][0]["error"].get<std::string>().find("is not the signed terminal \"T8\""), std::string::npos);
  EXPECT_EQ(stored(), 1);
}

// The replay SECURITY.md promised to close: a delivery captured on the LAN, sent again once
// retention (a day at least) has deleted its sale. Signed v2 it is refused as stale; signed v1 it
// is stored again, which is why require_timestamp exists.
TEST_F(webhook_fixture, a_v2_delivery_replayed_after_retention_is_refused_where_a_v1_one_is_stored_again) {
  start();
  const std::string v1_sale = R"({"terminal":"T1","transaction_id":"9002","total":"4.00"})";
  const auto ts = unix_now_s();
  const auto v2_signature = webhook_signature_v2(t1_secret, ts, sale);
  ASSERT_EQ(post_v2(sale, ts, v2_signature).status, 200);
  ASSERT_EQ(signed_post(v1_sale).status, 200);
  EXPECT_EQ(on_io([&] { return source->stats().v1_signed; }), 1);
  EXPECT_EQ(stored(), 2);

  // A day on, retention's cutoff passes both.
  source_clock.shift(24h);
  EXPECT_EQ(on_io([&] { return store.prune(source_clock.now_utc() - 24h + 1s, 1000); }), 2);
  ASSERT_EQ(stored(), 0);
  const auto replayed = post_v2(sale, ts, v2_signature);
  EXPECT_EQ(replayed.status, 401);
  EXPECT_NE(replayed.body["error"].get<std::string>().find("s behind the box's clock"), std::string::npos)
      << replayed.body;
  EXPECT_EQ(signed_post(v1_sale).status, 200);
  EXPECT_EQ(stored(), 1);  // the v1 sale, a second time
  const auto stats = on_io([&] { return source->stats(); });
  EXPECT_EQ(stats.stale, 1);
  EXPECT_EQ(stats.unauthorized, 1);
  EXPECT_EQ(stats.v1_signed, 2);
  EXPECT_NE(source->health().last_error.find("X-Kelu-Timestamp"), std::string::npos);
}

TEST_F(webhook_fixture, requiring_timestamps_refuses_v1_and_takes_v2) {
  auto o = webhook_defaults();
  o.require_timestamp = true;
  start(o);
  const auto v1 = signed_post(sale);
  EXPECT_EQ(v1.status, 401);
  EXPECT_NE(v1.body["error"].get<std::string>().find("sources.webhook.require_timestamp"), std::string::npos);
  EXPECT_EQ(stored(), 0);
  const auto v2 = signed_post_v2(sale);
  EXPECT_EQ(v2.status, 200) << v2.body;
  EXPECT_EQ(stored(), 1);
  // Within the window a second delivery is the duplicate it always was.
  const auto again = signed_post_v2(sale);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body["results"][0]["duplicate"], true);
  EXPECT_EQ(stored(), 1);
}

TEST_F(webhook_fixture, a_batch_stores_its_good_records_and_names_the_bad_ones) {
  start();
  const std::string batch = json::array({json::parse(sale), json{{"terminal", "T1"}, {"transaction_id", "9002"}, {"total", 1.5}},
                                         json{{"terminal", "T1"}, {"transaction_id", "9003"}, {"total", "2.00"}}})
                                .dump();
  auto r = signed_post(batch);
  ASSERT_EQ(r.status, 422) << r.body.dump();
  EXPECT_EQ(r.body["results"][0]["ok"], true);
  EXPECT_EQ(r.body["results"][1]["ok"], false);
  EXPECT_NE(r.body["results"][1]["error"].get<std::string>().find("total: floating-point"), std::string::npos);
  EXPECT_EQ(r.body["results"][2]["seq"], 2);
  EXPECT_EQ(stored(), 2);
  EXPECT_EQ(signed_post("{not json").status, 400);
}

TEST_F(webhook_fixture, limits_paths_methods_and_storage_failures) {
  auto o = webhook_defaults();
  o.max_body_bytes = 1024;
  o.rate_per_s = 0.01;  // no refill to speak of within the test
  o.rate_burst = 6;
  start(o);
  const auto too_large = signed_post(std::string(2000, ' '));
  EXPECT_EQ(too_large.status, 413);
  EXPECT_EQ(too_large.body["error"], "body larger than 1024 bytes");  // JSON, like every answer
  EXPECT_EQ(post(sale, "T1", webhook_signature(t1_secret, sale), "/other").status, 404);
  EXPECT_EQ(post("", "T1", webhook_signature(t1_secret, ""), "/pos/transactions", http::verb::get).status, 405);
  flaky.allowed = 0;
  auto r = signed_post(sale);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.retry_after, "1");
  EXPECT_EQ(stored(), 0);
  flaky.allowed = INT_MAX;
  EXPECT_EQ(signed_post(sale).status, 200);
  // Six tokens in the burst; the 404, 405, 503 and 200 above took four (the 413 was refused
  // before any routing): two more pass, then 429.
  int limited = 0;
  for (int i = 0; i < 4; ++i) limited += signed_post(sale).status == 429 ? 1 : 0;
  EXPECT_EQ(limited, 2);
  EXPECT_EQ(source->stats().rate_limited, 2);
}

TEST_F(webhook_fixture, a_client_that_stalls_is_disconnected_at_the_deadline) {
  auto o = webhook_defaults();
  o.timeout = 1s;
  start(o);
  boost::asio::io_context cio;
  boost::asio::ip::tcp::socket s(cio);
  s.connect({boost::asio::ip::make_address("127.0.0.1"), source->port()});
  boost::asio::write(s, boost::asio::buffer(std::string("POST /pos/transactions HTTP/1.1\r\nHost: x\r\n")));
  char byte;
  boost::system::error_code ec;
  const auto t0 = std::chrono::steady_clock::now();
  s.read_some(boost::asio::buffer(&byte, 1), ec);  // blocks until the server closes
  EXPECT_TRUE(ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset) << ec.message();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
}

// Past max_connections a pusher is told to come back, as HTTP says it (503 and Retry-After), the
// way every TCP source refuses (drivers/tcp_listener.hpp); a place freed is taken again.
TEST_F(webhook_fixture, connections_past_the_limit_are_answered_503_and_a_freed_place_is_taken_again) {
  auto o = webhook_defaults();
  o.max_connections = 1;
  start(o);
  boost::asio::io_context cio;
  auto holder = std::make_unique<boost::asio::ip::tcp::socket>(cio);
  holder->connect({boost::asio::ip::make_address("127.0.0.1"), source->port()});  // accepted first
  const auto refused = signed_post(sale);
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(refused.retry_after, "1");
  holder.reset();
  // The source sees the holder's close when it reads it; until then a post may still be refused.
  reply stored;
  EXPECT_TRUE(test::eventually([&] {
    stored = signed_post(sale);
    return stored.status == 200;
  })) << stored.status;
}

// A device on the store LAN (127.0.0.2 here) opening 100 connections and sending each half a
// request: it gets its 16 (sources.webhook.max_connections_per_client), the other 84 are answered
// 503 and counted, and the till at another address (127.0.0.1) is still served, well within the 64
// places in all.
TEST_F(webhook_fixture, one_address_holding_half_sent_requests_leaves_the_tills_their_places) {
  start();
  boost::asio::io_context cio;
  const auto device = boost::asio::ip::make_address("127.0.0.2");
  std::vector<std::unique_ptr<boost::asio::ip::tcp::socket>> held;
  for (int i = 0; i < 100; ++i) {
    auto s = std::make_unique<boost::asio::ip::tcp::socket>(cio);
    s->open(boost::asio::ip::tcp::v4());
    s->bind({device, 0});
    s->connect({boost::asio::ip::make_address("127.0.0.1"), source->port()});
    boost::asio::write(*s, boost::asio::buffer(std::string("POST /pos/transactions HTTP/1.1\r\nHost: box\r\n")));
    held.push_back(std::move(s));
  }
  // Accepted in order: once the 100th is answered, all were seen.
  std::string refusal(64, '\0');
  boost::system::error_code ec;
  const auto n = held.back()->read_some(boost::asio::buffer(refusal), ec);
  EXPECT_EQ(refusal.substr(0, std::min<std::size_t>(n, 12)), "HTTP/1.1 503");
  const auto stats = [&] { return on_io([&] { return source->stats(); }); };  // the io thread's
  ASSERT_TRUE(test::eventually([&] { return stats().refused_connections == 84; })) << stats().refused_connections;
  EXPECT_EQ(stats().refused_per_client, 84);
  const auto stored = signed_post(sale);
  EXPECT_EQ(stored.status, 200) << stored.body;
}

}  // namespace
}  // namespace kelu::drivers
