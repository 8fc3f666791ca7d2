// SPDX-License-Identifier: Apache-2.0
#include "control_socket.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include <sys/stat.h>

#include <istream>

namespace kelu {

namespace asio = boost::asio;
using unix_stream = asio::local::stream_protocol;
using nlohmann::json;

namespace {

constexpr std::size_t max_control_connections = 8;
constexpr std::size_t max_control_request_bytes = 64 * 1024;
constexpr std::chrono::seconds control_read_deadline{10};

}  // namespace

class control_socket::session : public std::enable_shared_from_this<session> {
 public:
  session(control_socket& owner, unix_stream::socket s)
      : owner_(owner), alive_(owner.alive_), socket_(std::move(s)), timer_(socket_.get_executor()),
        in_(max_control_request_bytes) {}

  void start() { do_read(); }

 private:
  void do_read() {
    timer_.expires_after(control_read_deadline);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->socket_.close();
    });
    asio::async_read_until(socket_, in_, '\n', [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(const boost::system::error_code& ec) {
    timer_.cancel();
    if (ec) return finish();
    std::istream is(&in_);
    std::string line;
    std::getline(is, line);
    const auto request = json::parse(line, nullptr, false);
    if (!*alive_) return finish();
    if (request.is_discarded() || !request.is_object() || !request.contains("cmd")) {
      do_write({{"ok", false}, {"error", "expected one JSON object line with \"cmd\""}});
      return;
    }
    owner_.handler_(request, [self = shared_from_this()](json answer) { self->do_write(std::move(answer)); });
  }

  void do_write(json answer) {
    out_ = answer.dump() + "\n";
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this()](const boost::system::error_code&, std::size_t) { self->finish(); });
  }

  void finish() {
    boost::system::error_code ignored;
    socket_.close(ignored);
    if (*alive_ && !finished_) --owner_.open_;
    finished_ = true;
  }

  control_socket& owner_;
  std::shared_ptr<bool> alive_;
  unix_stream::socket socket_;
  asio::steady_timer timer_;
  asio::streambuf in_;
  std::string out_;
  bool finished_ = false;
};

control_socket::control_socket(asio::any_io_executor ex, std::filesystem::path path, handler h,
                               std::shared_ptr<spdlog::logger> log)
    : ex_(ex), path_(std::move(path)), handler_(std::move(h)), log_(std::move(log)), acceptor_(ex) {}

control_socket::~control_socket() {
  *alive_ = false;
  stop();
}

std::filesystem::path control_socket::path_for(const std::filesystem::path& database) {
  return database.parent_path() / "kelu.sock";
}

core::status control_socket::start() {
  std::error_code ec;
  std::filesystem::remove(path_, ec);  // one agent per database (instance_lock): a leftover is a dead agent's
  boost::system::error_code bec;
  acceptor_.open(unix_stream(), bec);
  if (!bec) acceptor_.bind(unix_stream::endpoint(path_.string()), bec);
  if (!bec) acceptor_.listen(asio::socket_base::max_listen_connections, bec);
  if (bec) return core::error{path_.string() + ": " + bec.message()};
  ::chmod(path_.c_str(), 0660);
  do_accept();
  return core::ok();
}

void control_socket::stop() {
  boost::system::error_code ignored;
  if (acceptor_.is_open()) {
    acceptor_.close(ignored);
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
}

void control_socket::do_accept() {
  acceptor_.async_accept([this, alive = alive_](const boost::system::error_code& ec, unix_stream::socket s) {
    if (!*alive || !acceptor_.is_open()) return;
    if (!ec) {
      if (open_ >= max_control_connections) {
        boost::system::error_code ignored;
        s.close(ignored);  // a client that asks again gets an answer; nothing here piles up
      } else {
        ++open_;
        std::make_shared<session>(*this, std::move(s))->start();
      }
    }
    do_accept();
  });
}

core::result<json> ask_agent(const std::filesystem::path& socket, const json& request,
                             std::chrono::milliseconds deadline) {
  asio::io_context io;
  unix_stream::socket s(io);
  boost::system::error_code ec;
  s.connect(unix_stream::endpoint(socket.string()), ec);
  if (ec) return core::error{socket.string() + ": " + ec.message() + " (is the agent running?)"};
  const auto text = request.dump() + "\n";
  asio::write(s, asio::buffer(text), ec);
  if (ec) return core::error{socket.string() + ": " + ec.message()};
  asio::streambuf in(1024 * 1024);
  asio::steady_timer timer(io);
  timer.expires_after(deadline);
  bool timed_out = false;
  timer.async_wait([&](const boost::system::error_code& e) {
    if (!e) {
      timed_out = true;
      s.close();
    }
  });
  boost::system::error_code read_ec;
  asio::async_read_until(s, in, '\n', [&](const boost::system::error_code& e, std::size_t) {
    read_ec = e;
    timer.cancel();
  });
  io.run();
  if (timed_out) return core::error{"the agent did not answer within " + std::to_string(deadline.count()) + " ms"};
  if (read_ec) return core::error{socket.string() + ": " + read_ec.message()};
  std::istream is(&in);
  std::string line;
  std::getline(is, line);
  auto answer = json::parse(line, nullptr, false);
  if (answer.is_discarded()) return core::error{"the agent's answer is not JSON"};
  return answer;
}

}  // namespace kelu
