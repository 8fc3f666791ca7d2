// SPDX-License-Identifier: Apache-2.0
#pragma once
// The dashboard's HTTP side for whatever serves its figures and the technician page: the
// access-code key, the technician's sessions, the router and the listener (https when
// dashboard.tls). The running agent serves through it (dashboard_component); so does a box in
// minimal mode (minimal_agent), whose page has only the technician's settings to offer.
//
// Threading: io_context thread.
#include <boost/asio/any_io_executor.hpp>

#include <cstdint>
#include <memory>
#include <string>

#include "core/result.hpp"
#include "config/config.hpp"

namespace spdlog {
class logger;
}
namespace kelu::core {
class attempt_limiter;
}
namespace kelu::net {
class http_server;
}
namespace kelu::dashboard {
class dashboard_source;
class router;
class technician_source;
class technician_sessions;
struct token_key;
}  // namespace kelu::dashboard

namespace kelu {

class dashboard_server {
 public:
  // `cfg` outlives this (the agent's running config: dashboard.*, store identity).
  dashboard_server(boost::asio::any_io_executor ex, const config::config& cfg, std::shared_ptr<spdlog::logger> log);
  ~dashboard_server();
  dashboard_server(const dashboard_server&) = delete;
  dashboard_server& operator=(const dashboard_server&) = delete;

  // Loads or creates the key and the https identity and starts listening; both sources outlive
  // this. An error value names what stopped it (nothing listens then).
  core::status start(dashboard::dashboard_source& figures, dashboard::technician_source& technician);
  // No new connections; open ones are closed, a response being written finishes first.
  void stop();
  std::uint16_t port() const;
  std::size_t subscribers() const;
  // A Server-Sent Event to every open stream.
  void publish(const std::string& event);
  // The link the QR code carries.
  std::string link() const;
  // SIGHUP: `kelu qr --rotate` may have replaced the key file.
  void reload_key();
  void set_technician_password(const std::string& hash);

 private:
  core::status listen();

  boost::asio::any_io_executor ex_;
  const config::config& cfg_;
  std::shared_ptr<spdlog::logger> log_;
  std::unique_ptr<dashboard::token_key> key_;
  std::unique_ptr<core::attempt_limiter> limiter_;
  std::unique_ptr<dashboard::technician_sessions> sessions_;
  std::unique_ptr<dashboard::router> router_;
  std::unique_ptr<net::http_server> server_;
};

}  // namespace kelu
