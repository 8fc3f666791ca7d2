// SPDX-License-Identifier: Apache-2.0
// The people counters over real HTTP into a real SQLite store: Hikvision pushes sent by curl (an
// HTTP client that is not ours) with Digest and Basic, right and wrong; a fake Dahua and a fake
// Axis device on loopback that demand Digest, read by the poller.
#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <fstream>
#include <mutex>

#include "config/schema.hpp"
#include "drivers/counters/counter_poller.hpp"
#include "drivers/counters/counter_receiver.hpp"
#include "drivers/counters/http_auth.hpp"
#include "support/curl.hpp"
#include "support/flaky_ingest.hpp"
#include "support/io_helpers.hpp"
#include "support/store_fixture.hpp"

namespace kelu::drivers {
namespace {


using namespace std::chrono_literals;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

std::shared_ptr<spdlog::logger> quiet() {
  return std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>());
}

std::string fixture_path(const std::string& name) { return std::string(KELU_TEST_DATA) + "/counters/" + name; }

using test::curl_post;

struct receiver_fixture : test::store_fixture {
  void SetUp() override {
    if (!test::curl_available()) GTEST_SKIP() << "curl is not installed (scripts/setup installs it)";
    std::map<std::string, std::shared_ptr<push_counter>> counters;
    door = std::make_shared<push_counter>("hikvision", counter_identity{"s1", "door", "main", "1"},
                                          http_auth_check("digest", "hik", "pa55-word", ""));
    side = std::make_shared<push_counter>("hikvision", counter_identity{"s1", "side", "main", ""},
                                          http_auth_check("token", "", "", "side-door-token-0123"));
    xovis = std::make_shared<push_counter>("xovis", counter_identity{"s1", "pc2s", "main", "Entrance"},
                                           http_auth_check("basic", "xovis", "push-pass", ""));
    counters.emplace("door", door);
    counters.emplace("side", side);
    counters.emplace("pc2s", xovis);
    auto o = counter_receiver_options_for(config::defaults(), core::time_zone::utc());
    o.listen = "127.0.0.1";
    o.port = 0;
    o.max_body_bytes = 64 * 1024;
    o.zone = core::time_zone::load("Asia/Shanghai").value();
    receiver = std::make_unique<counter_receiver>(io.get_executor(), flaky, clock, o, counters, quiet());
    ASSERT_TRUE(receiver->start());
    start_io();
  }
  void TearDown() override {
    stop_io([this] {
      if (receiver) receiver->stop();
    });
  }
  std::string url(const std::string& path) { return "http://127.0.0.1:" + std::to_string(receiver->port()) + path; }
  core::source_health health(const std::shared_ptr<push_counter>& c) { return c->health.snapshot(); }

  test::flaky_ingest flaky{io, committer};
  std::shared_ptr<push_counter> door, side, xovis;
  std::unique_ptr<counter_receiver> receiver;
};

TEST_F(receiver_fixture, a_digest_push_is_stored_once_and_a_resent_period_is_a_duplicate) {
  auto r = curl_post(url("/counters/door"), fixture_path("hikvision-timerange.xml"), "--digest -u hik:pa55-word");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(stored(), 1);
  // The camera sends the quarter again, flagged, in wall time ending at :59: stored once.
  r = curl_post(url("/counters/door"), fixture_path("hikvision-retransmission.xml"), "--digest -u hik:pa55-word");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(stored(), 1);
  const auto h = health(door);
  EXPECT_EQ(h.accepted, 2);
  EXPECT_EQ(h.duplicates, 1);
  // Basic with the same credentials works too (firmware set to Basic).
  r = curl_post(url("/counters/door"), fixture_path("hikvision-multipart.txt"), "--basic -u hik:pa55-word");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(stored(), 2);
  const auto e = on_io([this] { return store.find("counter-door", 2); });
  ASSERT_TRUE(e);
  EXPECT_EQ(std::get<core::traffic_count>(e->body).in, 7);
}

TEST_F(receiver_fixture, a_xovis_data_push_with_basic_auth_stores_its_line_s_minutes) {
  auto r = curl_post(url("/counters/pc2s"), fixture_path("xovis-linecount.json"), "--basic -u xovis:wrong");
  EXPECT_EQ(r.status, 401);
  r = curl_post(url("/counters/pc2s"), fixture_path("xovis-linecount.json"), "--basic -u xovis:push-pass");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(stored(), 2);  // the Entrance's two minutes; the shop window is another line
  EXPECT_EQ(xovis->other_channel, 1);
  EXPECT_EQ(std::get<core::traffic_count>(on_io([this] { return store.find("counter-pc2s", 2); })->body).out, 4);
  EXPECT_EQ(xovis->health.snapshot().driver, "xovis");
  r = curl_post(url("/counters/pc2s"), fixture_path("hikvision-timerange.xml"), "--basic -u xovis:push-pass");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "not JSON\n");
}

TEST_F(receiver_fixture, a_wrong_password_gets_401_is_counted_and_stores_nothing) {
  auto r = curl_post(url("/counters/door"), fixture_path("hikvision-timerange.xml"), "--digest -u hik:guess");
  EXPECT_EQ(r.status, 401);
  r = curl_post(url("/counters/door"), fixture_path("hikvision-timerange.xml"), "");
  EXPECT_EQ(r.status, 401);
  r = curl_post(url("/counters/side"), fixture_path("hikvision-timerange.xml"), "-H 'Authorization: Bearer nope'");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(stored(), 0);
  // curl's unauthenticated first legs are challenges, not failures; the wrong answers are.
  EXPECT_EQ(on_io([this] { return receiver->stats().challenged; }), 2);
  EXPECT_EQ(on_io([this] { return receiver->stats().unauthorized; }), 2);
  EXPECT_EQ(door->unauthorized, 1);
  EXPECT_EQ(health(door).rejected, 1);
  EXPECT_NE(health(door).last_error.find("wrong credentials"), std::string::npos) << health(door).last_error;
  r = curl_post(url("/counters/side?token=side-door-token-0123"), fixture_path("hikvision-timerange.xml"), "");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(stored(), 1);
}

TEST_F(receiver_fixture, a_malformed_push_gets_400_naming_the_fault_and_the_receiver_goes_on) {
  const auto bad = dir.file("bad.xml");
  std::ofstream(bad) << "<EventNotificationAlert><eventType>PeopleCounting</eventType><peopleCounting>"
                        "<statisticalMethods>timeRange</statisticalMethods><enter>3</enter><exit>1</exit>"
                        "</peopleCounting></EventNotificationAlert>";
  auto r = curl_post(url("/counters/door"), bad, "--digest -u hik:pa55-word");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "peopleCounting/TimeRange: missing (needed for timeRange)\n");
  const auto truncated = dir.file("truncated.xml");
  std::ofstream(truncated) << "<EventNotificationAlert><eventType>PeopleCounting</eve";
  r = curl_post(url("/counters/door"), truncated, "--digest -u hik:pa55-word");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("line 1, byte"), std::string::npos) << r.body;
  EXPECT_EQ(health(door).rejected, 2);
  // Other events (a heartbeat, video loss) hold no counts: 200, nothing stored.
  r = curl_post(url("/counters/door"), fixture_path("hikvision-videoloss.xml"), "--digest -u hik:pa55-word");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(on_io([this] { return receiver->stats().no_counts; }), 1);
  // Unknown counters and oversize bodies.
  EXPECT_EQ(curl_post(url("/counters/nope"), bad, "").status, 404);
  const auto big = dir.file("big.xml");
  std::ofstream(big) << std::string(100 * 1024, 'x');
  EXPECT_EQ(curl_post(url("/counters/door"), big, "--digest -u hik:pa55-word").status, 413);
  r = curl_post(url("/counters/door"), fixture_path("hikvision-timerange.xml"), "--digest -u hik:pa55-word");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(stored(), 1);
}

TEST_F(receiver_fixture, a_store_that_cannot_commit_gets_503_so_the_camera_sends_again) {
  flaky.allowed = 0;
  auto r = curl_post(url("/counters/door"), fixture_path("hikvision-timerange.xml"), "--digest -u hik:pa55-word");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(stored(), 0);
  flaky.allowed = 100;
  r = curl_post(url("/counters/door"), fixture_path("hikvision-retransmission.xml"), "--digest -u hik:pa55-word");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(stored(), 1);
}

// A device on loopback answering the vendor's polling URL behind Digest, with totals the test sets.
class fake_device {
 public:
  fake_device(std::string user, std::string password, std::string path_prefix)
      : check_("digest", std::move(user), std::move(password), ""), prefix_(std::move(path_prefix)) {
    acceptor_.open(tcp::v4());
    acceptor_.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    thread_ = std::thread([this] { serve(); });
  }
  ~fake_device() {
    stopping_ = true;
    boost::system::error_code ec;
    tcp::socket poke(io_);
    poke.connect(acceptor_.local_endpoint(), ec);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()); }
  void answer(std::string body) {
    std::lock_guard lock(m_);
    body_ = std::move(body);
  }
  std::string last_target() {
    std::lock_guard lock(m_);
    return target_;
  }
  std::atomic<int> authorized{0};
  std::atomic<int> challenged{0};

 private:
  void serve() {
    while (!stopping_) {
      tcp::socket s(io_);
      boost::system::error_code ec;
      acceptor_.accept(s, ec);
      if (ec || stopping_) continue;
      beast::flat_buffer buf;
      http::request<http::string_body> req;
      http::read(s, buf, req, ec);
      if (ec) continue;
      http::response<http::string_body> res{http::status::ok, 11};
      const std::string target(req.target());
      const auto auth = req[http::field::authorization];
      if (target.rfind(prefix_, 0) != 0) {
        res.result(http::status::not_found);
      } else if (!check_.verify("GET", target, std::string_view(auth.data(), auth.size()), std::chrono::system_clock::now())) {
        ++challenged;
        res.result(http::status::unauthorized);
        res.set(http::field::www_authenticate, check_.challenge(std::chrono::system_clock::now()));
      } else {
        std::lock_guard lock(m_);
        target_ = target;
        res.body() = body_;
        ++authorized;
      }
      res.keep_alive(false);
      res.prepare_payload();
      http::write(s, res, ec);
    }
  }

  boost::asio::io_context io_;
  tcp::acceptor acceptor_{io_};
  http_auth_check check_;
  std::string prefix_;
  std::mutex m_;
  std::string body_;
  std::string target_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

std::string dahua_totals(int in, int out) {
  return "summary.Channel=0\nsummary.EnteredSubtotal.Today=" + std::to_string(in % 1000) +
         "\nsummary.EnteredSubtotal.Total=" + std::to_string(in) + "\nsummary.ExitedSubtotal.Total=" +
         std::to_string(out) + "\nsummary.RuleName=NumberStat\n";
}

struct poller_fixture : test::store_fixture {
  void TearDown() override {
    stop_io([this] {
      if (poller) poller->stop();
    });
  }
  void start(const std::string& vendor, const std::string& url, const std::string& password) {
    counter_poller_options o;  // every field below: a counter the test serves
    o.id = {"s1", "door", "main", ""};
    o.vendor = vendor;
    o.url = url;
    o.channel = "1";
    o.username = "kelu";
    o.password = password;
    o.interval = 1s;
    o.timeout = 2s;
    poller = std::make_unique<counter_poller>(io.get_executor(), committer, clock, o, quiet());
    ASSERT_TRUE(poller->start());
    start_io();
  }
  counter_poller_stats stats() {
    return on_io([this] { return poller->stats(); });
  }
  // Every stored period of the counter. A reading may land between the baseline and the test's
  // next answer (polls run on the second), adding a 0/0 period: the sums are what counts.
  std::vector<core::traffic_count> periods() {
    return on_io([this] {
      std::vector<core::traffic_count> found;
      for (std::int64_t seq = 1; auto e = store.find("counter-door", seq); ++seq)
        found.push_back(std::get<core::traffic_count>(e->body));
      return found;
    });
  }
  static std::pair<std::int64_t, std::int64_t> in_out(const std::vector<core::traffic_count>& ps) {
    std::pair<std::int64_t, std::int64_t> sum;
    for (const auto& p : ps) {
      sum.first += p.in;
      sum.second += p.out;
    }
    return sum;
  }
  std::unique_ptr<counter_poller> poller;
};

TEST_F(poller_fixture, a_dahua_counter_is_read_behind_digest_and_its_totals_become_periods) {
  fake_device device("kelu", "dahua-pass", "/cgi-bin/videoStatServer.cgi");
  device.answer(dahua_totals(5120, 5098));
  start("dahua", device.url() + "/", "dahua-pass");
  ASSERT_TRUE(test::eventually([&] { return stats().baselines == 1; }));
  EXPECT_EQ(device.last_target(), "/cgi-bin/videoStatServer.cgi?action=getSummary&channel=1");
  EXPECT_GE(device.challenged.load(), 1);
  device.answer(dahua_totals(5124, 5099));
  ASSERT_TRUE(test::eventually([&] { return in_out(periods()) == std::pair<std::int64_t, std::int64_t>{4, 1}; }));
  const auto ps = periods();
  for (const auto& c : ps) {
    EXPECT_EQ(c.basis, "cumulative");
    EXPECT_LT(c.start, c.end);
  }
  for (std::size_t k = 1; k < ps.size(); ++k) EXPECT_EQ(ps[k].start, ps[k - 1].end);  // one after the other
  const auto e = on_io([this] { return store.find("counter-door", 1); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->observed_at, std::get<core::traffic_count>(e->body).start);
  EXPECT_EQ(stats().failures, 0);
}

TEST_F(poller_fixture, a_wrong_password_and_a_malformed_answer_are_named_in_health_and_lose_nothing) {
  fake_device device("kelu", "right", "/cgi-bin/videoStatServer.cgi");
  device.answer(dahua_totals(10, 9));
  start("dahua", device.url(), "wrong");
  ASSERT_TRUE(test::eventually([&] { return stats().failures >= 1; }));
  EXPECT_EQ(device.authorized.load(), 0);
  const auto h = poller->health();
  EXPECT_NE(h.last_error.find("401 after answering the Digest challenge: wrong username or password"), std::string::npos)
      << h.last_error;
  EXPECT_EQ(stored(), 0);
}

TEST_F(poller_fixture, an_axis_people_counter_is_read_and_a_garbled_answer_is_refused) {
  fake_device device("kelu", "axis-pass", "/local/tvpc/.api");
  device.answer("<html>maintenance</html>");
  start("axis", device.url(), "axis-pass");
  ASSERT_TRUE(test::eventually([&] { return stats().malformed >= 1; }));
  EXPECT_EQ(device.last_target(), "/local/tvpc/.api?live-sum.json");
  EXPECT_NE(poller->health().last_error.find("not JSON"), std::string::npos);
  device.answer(R"({"serial":"00408CAC512B","name":"Exit south","timestamp":"20261201101500","in":12,"out":3})");
  ASSERT_TRUE(test::eventually([&] { return stats().baselines >= 1; }));
  device.answer(R"({"serial":"00408CAC512B","name":"Exit south","timestamp":"20261201101600","in":15,"out":3})");
  ASSERT_TRUE(test::eventually([&] { return in_out(periods()) == std::pair<std::int64_t, std::int64_t>{3, 0}; }));
}

}  // namespace
}  // namespace kelu::drivers
