// SPDX-License-Identifier: Apache-2.0
#pragma once
// The agent's local control socket (docs/fleet.md, "At the box"): a unix stream socket,
// kelu.sock beside the database, mode 0660, so its permission is the authentication (the agent's
// user and group). One JSON request line in, one JSON answer line out, then the connection
// closes: {"cmd": "status"}, {"cmd": "reload"} (answered once the reload's verdict is known),
// {"cmd": "settings", "edit": {"set": {...}, "reset": [...]}} (the technician's settings, likewise),
// {"cmd": "restart"} (answered, then the agent starts again reading every layer: kelu enroll).
// Bounded: 8 connections at once, a request of at most 64 KiB read within 10 s.
//
// Threading: io_context thread.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <memory>

#include "core/result.hpp"

namespace spdlog {
class logger;
}

namespace kelu {

class control_socket {
 public:
  using reply = std::function<void(nlohmann::json answer)>;
  // Called once per request; answers through `done`, at once or later (a reload's verdict).
  using handler = std::function<void(const nlohmann::json& request, reply done)>;

  control_socket(boost::asio::any_io_executor ex, std::filesystem::path path, handler h,
                 std::shared_ptr<spdlog::logger> log);
  ~control_socket();
  control_socket(const control_socket&) = delete;
  control_socket& operator=(const control_socket&) = delete;

  // Binds (replacing a socket file a dead agent left) and starts accepting.
  core::status start();
  void stop();

  // The path a box's socket has: kelu.sock beside `database`.
  static std::filesystem::path path_for(const std::filesystem::path& database);

 private:
  class session;
  void do_accept();

  boost::asio::any_io_executor ex_;
  std::filesystem::path path_;
  handler handler_;
  std::shared_ptr<spdlog::logger> log_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
  std::size_t open_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// The client side (`kelu status`, `kelu config apply`): one request, its answer within `deadline`.
core::result<nlohmann::json> ask_agent(const std::filesystem::path& socket, const nlohmann::json& request,
                                       std::chrono::milliseconds deadline);

}  // namespace kelu
