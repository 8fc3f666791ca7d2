// SPDX-License-Identifier: Apache-2.0
// The server over real loopback sockets: keep-alive, the connection bound, size limits, read
// deadlines and stop().
#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <future>
#include <thread>

#include "net/http_server.hpp"
#include "net/tls_identity.hpp"
#include "support/temp_dir.hpp"

namespace kelu::net {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;
using namespace std::chrono_literals;

struct server_fixture : testing::Test {
  void start(http_server_options o) {
    o.listen = "127.0.0.1";
    o.port = 0;
    server = std::make_unique<http_server>(io.get_executor(), o, [this](const request& req, const client_info& c) -> routed {
      ++handled;
      response res{http::status::ok, req.version()};
      if (req.target() == "/later" || req.target() == "/never") {
        // Answered 100 ms later from the io_context, as a camera's frame is; or never.
        const bool never = req.target() == "/never";
        res.body() = "later";
        res.prepare_payload();
        return deferred{[this, never, res](std::function<void(response)> done) {
                          if (never) {
                            abandoned = std::move(done);
                            return;
                          }
                          auto t = std::make_shared<asio::steady_timer>(io, 100ms);
                          t->async_wait([t, done, res](const boost::system::error_code&) { done(res); });
                        },
                        400ms};
      }
      if (req.target() == "/throws") throw std::runtime_error("disk I/O error");
      if (req.target() == "/stream") {
        res.set(http::field::content_type, "text/event-stream");
        res.body() = sse_event("hello", "first");
        return res;
      }
      res.body() = std::string(req.target()) + " from " + c.address + (c.secure ? " over TLS" : "");
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      return res;
    }, std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>()));
    ASSERT_TRUE(server->start());
    thread = std::thread([this] { io.run(); });
  }
  void TearDown() override {
    if (!thread.joinable()) return;
    asio::post(io, [this] { server->stop(); });
    work.reset();
    thread.join();  // returns when the last session has ended
  }
  // The server's counters, read on its own thread.
  http_server_stats stats() {
    std::promise<http_server_stats> p;
    asio::post(io, [&] { p.set_value(server->stats()); });
    return p.get_future().get();
  }
  // From `from`: any loopback address is this machine, so a second one is a second client.
  tcp::socket connect(const char* from = "127.0.0.1") {
    tcp::socket s(client_io);
    s.open(tcp::v4());
    s.bind({asio::ip::make_address(from), 0});
    s.connect({asio::ip::make_address("127.0.0.1"), server->port()});
    return s;
  }
  // Polls the server's own counters (up to 30 s) until `done` holds.
  bool wait_for_stats(const std::function<bool(const http_server_stats&)>& done) {
    const auto until = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < until) {
      if (done(stats())) return true;
      std::this_thread::yield();
    }
    return false;
  }
  static response exchange(tcp::socket& s, request req) {
    req.prepare_payload();
    http::write(s, req);
    boost::beast::flat_buffer buffer;
    response res;
    http::read(s, buffer, res);
    return res;
  }
  // Blocks until the server closes `s` (read returns EOF or reset); false if it stays open 10 s.
  static bool closed_by_server(tcp::socket& s) {
    s.non_blocking(false);
    timeval tv{10, 0};
    ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char c;
    boost::system::error_code ec;
    for (;;) {
      const auto n = s.read_some(asio::buffer(&c, 1), ec);
      if (ec == asio::error::eof || ec == asio::error::connection_reset) return true;
      if (ec) return false;  // the 10 s receive timeout
      if (n == 0) return true;
    }
  }

  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work{io.get_executor()};
  asio::io_context client_io;
  std::unique_ptr<http_server> server;
  std::thread thread;
  std::atomic<int> handled{0};
  std::function<void(response)> abandoned;
};

TEST_F(server_fixture, a_deferred_answer_is_awaited_until_its_deadline_then_504) {
  start({});
  auto s = connect();
  auto res = exchange(s, request{http::verb::get, "/later", 11});
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res.body(), "later");
  // The connection is kept for the next request.
  EXPECT_EQ(exchange(s, request{http::verb::get, "/n", 11}).body(), "/n from 127.0.0.1");
  const auto before = std::chrono::steady_clock::now();
  res = exchange(s, request{http::verb::get, "/never", 11});
  EXPECT_EQ(res.result(), http::status::gateway_timeout);
  EXPECT_GE(std::chrono::steady_clock::now() - before, 400ms);
  // An answer that comes after the deadline goes nowhere; the connection still serves.
  std::promise<void> late;
  asio::post(io, [&] {
    abandoned(response{http::status::ok, 11});
    late.set_value();
  });
  late.get_future().get();
  EXPECT_EQ(exchange(s, request{http::verb::get, "/n", 11}).body(), "/n from 127.0.0.1");
  EXPECT_EQ(stats().timeouts, 1);
}

TEST_F(server_fixture, stop_cuts_a_deferred_wait_short) {
  start({});
  auto s = connect();
  request req{http::verb::get, "/never", 11};
  req.prepare_payload();
  http::write(s, req);
  while (handled == 0) std::this_thread::sleep_for(1ms);
  asio::post(io, [this] { server->stop(); });
  boost::beast::flat_buffer buffer;
  response res;
  http::read(s, buffer, res);
  EXPECT_EQ(res.result(), http::status::gateway_timeout);
  EXPECT_NE(res.body().find("stopping"), std::string::npos);
  EXPECT_TRUE(closed_by_server(s));
}

TEST_F(server_fixture, answers_requests_one_after_another_on_a_kept_alive_connection) {
  start({});
  auto s = connect();
  for (int i = 0; i < 3; ++i) {
    const auto res = exchange(s, request{http::verb::get, "/n" + std::to_string(i), 11});
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_EQ(res.body(), "/n" + std::to_string(i) + " from 127.0.0.1");
  }
  EXPECT_EQ(handled, 3);
  EXPECT_EQ(stats().connections, 1);
}

TEST_F(server_fixture, a_route_that_throws_gets_500_and_the_server_goes_on) {
  start({});
  auto s = connect();
  auto res = exchange(s, request{http::verb::get, "/throws", 11});
  EXPECT_EQ(res.result(), http::status::internal_server_error);
  EXPECT_TRUE(closed_by_server(s));  // a failed exchange ends its connection
  auto again = connect();
  res = exchange(again, request{http::verb::get, "/after", 11});
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(stats().handler_errors, 1);
}

TEST_F(server_fixture, past_the_connection_bound_new_clients_get_503) {
  http_server_options o;
  o.max_connections = 2;
  start(o);
  auto a = connect();
  auto b = connect();
  EXPECT_EQ(exchange(a, request{http::verb::get, "/a", 11}).result(), http::status::ok);  // both served
  EXPECT_EQ(exchange(b, request{http::verb::get, "/b", 11}).result(), http::status::ok);
  auto c = connect();
  const auto res = exchange(c, request{http::verb::get, "/c", 11});
  EXPECT_EQ(res.result(), http::status::service_unavailable);
  EXPECT_EQ(res[http::field::retry_after], "2");
  EXPECT_TRUE(closed_by_server(c));
  EXPECT_EQ(stats().refused_busy, 1);
  EXPECT_EQ(handled, 2);
}

TEST_F(server_fixture, oversized_headers_and_bodies_are_refused) {
  http_server_options o;
  o.max_header_bytes = 1024;
  o.max_body_bytes = 4096;
  start(o);
  {
    auto s = connect();
    request req{http::verb::get, "/", 11};
    req.set("X-Pad", std::string(2000, 'x'));
    EXPECT_EQ(exchange(s, req).result(), http::status::request_header_fields_too_large);
    EXPECT_TRUE(closed_by_server(s));
  }
  {
    auto s = connect();
    request req{http::verb::post, "/", 11};
    req.body() = std::string(5000, 'x');
    EXPECT_EQ(exchange(s, req).result(), http::status::payload_too_large);
    EXPECT_TRUE(closed_by_server(s));
  }
  {
    auto s = connect();
    asio::write(s, asio::buffer(std::string("NOT HTTP AT ALL\r\n\r\n")));
    boost::beast::flat_buffer buffer;
    response res;
    http::read(s, buffer, res);
    EXPECT_EQ(res.result(), http::status::bad_request);
  }
  EXPECT_EQ(handled, 0);
  const auto st = stats();
  EXPECT_EQ(st.too_large, 2);
  EXPECT_EQ(st.bad_requests, 1);
}

TEST_F(server_fixture, a_client_that_stalls_in_its_first_header_is_cut_off_at_the_header_deadline) {
  http_server_options o;
  o.header_timeout = 300ms;
  o.read_timeout = 60s;  // not this one
  start(o);
  auto s = connect();
  asio::write(s, asio::buffer(std::string("GET / HTTP/1.1\r\nHost: x\r\n")));  // never finished
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(closed_by_server(s));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 250ms);
  EXPECT_EQ(stats().timeouts, 1);
  EXPECT_EQ(handled, 0);
  // The slot is free again.
  auto next = connect();
  EXPECT_EQ(exchange(next, request{http::verb::get, "/", 11}).result(), http::status::ok);
}

TEST_F(server_fixture, a_client_that_stalls_in_its_body_is_cut_off_at_the_read_deadline) {
  http_server_options o;
  o.read_timeout = 300ms;
  start(o);
  auto s = connect();
  asio::write(s, asio::buffer(std::string("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")));
  EXPECT_TRUE(closed_by_server(s));
  EXPECT_EQ(stats().timeouts, 1);
  EXPECT_EQ(handled, 0);
}

// A device on the guest Wi-Fi opening hundreds of connections and sending half a request on each
// (slowloris) used to take every slot until its requests timed out: every phone got 503.
TEST_F(server_fixture, one_address_holding_idle_half_sent_requests_does_not_lock_other_clients_out) {
  http_server_options o;
  o.header_timeout = o.read_timeout = 60s;  // only the per-client bound stands between them
  start(o);
  std::vector<tcp::socket> held;
  for (int i = 0; i < 300; ++i) {
    held.push_back(connect());
    asio::write(held.back(), asio::buffer(std::string("GET / HTTP/1.1\r\nHost: x\r\n")));
  }
  ASSERT_TRUE(wait_for_stats([](const auto& st) { return st.connections == 300; }));
  const auto st = stats();
  EXPECT_EQ(st.active, 16);
  EXPECT_EQ(st.refused_per_client, 300 - 16);
  EXPECT_EQ(st.refused_busy, 0);
  auto phone = connect("127.0.0.2");
  const auto res = exchange(phone, request{http::verb::get, "/today", 11});
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res.body(), "/today from 127.0.0.2");
  // The one address is told to come back, as HTTP says it, not left hanging.
  boost::beast::flat_buffer buffer;
  response refused;
  http::read(held.back(), buffer, refused);
  EXPECT_EQ(refused.result(), http::status::service_unavailable);
  EXPECT_EQ(refused[http::field::retry_after], "2");
  EXPECT_EQ(handled, 1);
}

TEST_F(server_fixture, stop_closes_idle_connections_and_refuses_new_ones) {
  start({});
  auto idle = connect();
  EXPECT_EQ(exchange(idle, request{http::verb::get, "/", 11}).result(), http::status::ok);
  asio::post(io, [this] { server->stop(); });
  EXPECT_TRUE(closed_by_server(idle));
  EXPECT_EQ(stats().active, 0);
  tcp::socket late(client_io);
  boost::system::error_code ec;
  late.connect({asio::ip::make_address("127.0.0.1"), server->port()}, ec);
  EXPECT_TRUE(ec) << "still accepting after stop()";
}

// https on the same port: a box with a self-signed certificate made by tls_identity, a client
// that verifies it the way a browser does once the technician has accepted it.
struct tls_fixture : server_fixture {
  void SetUp() override {
    files = {dir.path() / "dashboard.crt", dir.path() / "dashboard-tls.key"};
    ASSERT_TRUE(create_self_signed(files, {"127.0.0.1", "kelu-box"}, 30));
    auto ctx = load_server_context(files);
    ASSERT_TRUE(ctx) << ctx.error_message();
    options.tls = *ctx;
    options.read_timeout = 2s;
  }
  // A TLS client trusting `ca` and checking the name 127.0.0.1 against the certificate.
  std::unique_ptr<asio::ssl::stream<tcp::socket>> tls_connect(const std::string& ca, boost::system::error_code& ec) {
    // The context first: a stream copies its verify mode when it is made.
    client_ctx.set_verify_mode(asio::ssl::verify_peer);
    if (!ca.empty()) client_ctx.load_verify_file(ca);
    auto stream = std::make_unique<asio::ssl::stream<tcp::socket>>(client_io, client_ctx);
    stream->set_verify_callback(asio::ssl::host_name_verification("127.0.0.1"));
    stream->lowest_layer().connect({asio::ip::make_address("127.0.0.1"), server->port()});
    stream->handshake(asio::ssl::stream_base::client, ec);
    return stream;
  }
  // The server's counters change on its own thread: wait for them, bounded.
  test::temp_dir dir;
  tls_files files;
  http_server_options options;
  asio::ssl::context client_ctx{asio::ssl::context::tls_client};
};

TEST_F(tls_fixture, a_browser_trusting_the_box_certificate_is_served_over_tls) {
  start(options);
  boost::system::error_code ec;
  auto s = tls_connect(files.cert.string(), ec);
  ASSERT_FALSE(ec) << ec.message();
  for (int i = 0; i < 2; ++i) {  // kept alive, as a page's requests are
    request req{http::verb::get, "/tech/audit/clip", 11};
    req.set(http::field::host, "127.0.0.1");
    req.prepare_payload();
    http::write(*s, req);
    boost::beast::flat_buffer buffer;
    response res;
    http::read(*s, buffer, res);
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_EQ(res.body(), "/tech/audit/clip from 127.0.0.1 over TLS");
  }
  const auto st = stats();
  EXPECT_EQ(st.tls_connections, 1);
  EXPECT_EQ(st.redirected, 0);
  EXPECT_EQ(handled, 2);
}

TEST_F(tls_fixture, plain_http_to_a_box_with_a_certificate_is_sent_to_https_and_never_routed) {
  start(options);
  auto s = connect();
  request req{http::verb::get, "/tech/audit/clip?x=1", 11};
  req.set(http::field::host, "192.168.1.20:" + std::to_string(server->port()));
  const auto res = exchange(s, req);
  EXPECT_EQ(res.result(), http::status::permanent_redirect);
  EXPECT_EQ(res[http::field::location], "https://192.168.1.20:" + std::to_string(server->port()) + "/tech/audit/clip?x=1");
  EXPECT_TRUE(closed_by_server(s));
  // A Host that could smuggle another address into the redirect is refused outright.
  auto t = connect();
  request evil{http::verb::get, "/", 11};
  evil.set(http::field::host, "evil.example/@x");
  EXPECT_EQ(exchange(t, evil).result(), http::status::bad_request);
  EXPECT_EQ(handled, 0);
  EXPECT_EQ(stats().redirected, 2);
}

TEST_F(tls_fixture, a_client_that_does_not_trust_the_certificate_is_refused_and_counted) {
  start(options);
  boost::system::error_code ec;
  auto s = tls_connect("", ec);  // no CA: the self-signed certificate is unknown to it
  EXPECT_TRUE(ec);
  s.reset();
  EXPECT_TRUE(wait_for_stats([](const auto& st) { return st.tls_failures == 1 && st.active == 0; }));
  EXPECT_EQ(handled, 0);
}

TEST_F(tls_fixture, a_handshake_that_stalls_is_cut_off_at_the_read_deadline) {
  options.header_timeout = options.read_timeout = 300ms;
  start(options);
  auto s = connect();
  const unsigned char hello_start[] = {0x16, 0x03, 0x01};  // a TLS record header, then nothing
  asio::write(s, asio::buffer(hello_start));
  EXPECT_TRUE(closed_by_server(s));
  EXPECT_TRUE(wait_for_stats([](const auto& st) { return st.active == 0; }));
  EXPECT_EQ(handled, 0);
}

TEST(sse, events_are_framed_line_by_line) {
  EXPECT_EQ(sse_event("today", "{\"a\":1}"), "event: today\ndata: {\"a\":1}\n\n");
  EXPECT_EQ(sse_event("x", "one\ntwo"), "event: x\ndata: one\ndata: two\n\n");
}

// Server-Sent Events over a real socket: the first event with the header, then what publish()
// sends, the newest replacing one not yet written, heartbeats, and stop() ending the stream.
TEST_F(server_fixture, streams_published_events_to_every_listener) {
  http_server_options o;
  o.heartbeat = 200ms;
  start(o);
  std::vector<tcp::socket> clients;
  for (int i = 0; i < 2; ++i) {
    clients.push_back(connect());
    asio::write(clients.back(), asio::buffer(std::string("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")));
  }
  const auto read_until = [](tcp::socket& s, const std::string& what) {
    std::string got;
    timeval tv{10, 0};
    ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[512];
    boost::system::error_code ec;
    while (got.find(what) == std::string::npos) {
      const auto n = s.read_some(asio::buffer(buf), ec);
      if (ec) break;
      got.append(buf, n);
    }
    return got;
  };
  for (auto& c : clients) {
    const auto head = read_until(c, "data: first\n\n");
    EXPECT_EQ(head.find("HTTP/1.1 200 OK\r\n"), 0u) << head;
    EXPECT_NE(head.find("Content-Type: text/event-stream\r\n"), std::string::npos) << head;
    EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
  }
  // Both are streaming now (the server counts them on its own thread).
  const auto subscribers = [this] {
    std::promise<std::size_t> p;
    asio::post(io, [&] { p.set_value(server->subscribers()); });
    return p.get_future().get();
  };
  EXPECT_EQ(subscribers(), 2u);
  asio::post(io, [this] { server->publish(sse_event("today", "{\"n\":1}")); });
  for (auto& c : clients) EXPECT_NE(read_until(c, "data: {\"n\":1}\n\n").find("event: today"), std::string::npos);
  EXPECT_NE(read_until(clients[0], ": keep-alive\n\n").find("keep-alive"), std::string::npos);  // 200 ms heartbeat
  asio::post(io, [this] { server->stop(); });
  for (auto& c : clients) EXPECT_TRUE(closed_by_server(c));
  EXPECT_EQ(stats().events_sent, 2);
}

}  // namespace
}  // namespace kelu::net
