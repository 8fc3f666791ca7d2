// SPDX-License-Identifier: Apache-2.0
#include "dashboard_server.hpp"

#include <spdlog/spdlog.h>

#include "dashboard/access_token.hpp"
#include "dashboard/assets.hpp"
#include "core/attempt_limiter.hpp"
#include "net/http_server.hpp"
#include "dashboard/lan_address.hpp"
#include "dashboard/password_hash.hpp"
#include "dashboard/router.hpp"
#include "dashboard/technician_sessions.hpp"
#include "dashboard_files.hpp"

namespace kelu {

dashboard_server::dashboard_server(boost::asio::any_io_executor ex, const config::config& cfg,
                                   std::shared_ptr<spdlog::logger> log)
    : ex_(std::move(ex)), cfg_(cfg), log_(std::move(log)) {}

dashboard_server::~dashboard_server() = default;

core::status dashboard_server::start(dashboard::dashboard_source& figures, dashboard::technician_source& technician) {
  const auto key_file = dashboard_key_path(cfg_);
  auto key = dashboard::load_or_create_key(key_file);
  if (!key) return core::error{key.error_message()};
  key_ = std::make_unique<dashboard::token_key>(std::move(key).value());
  // Five wrong codes at once, then one a minute per address; 4096 addresses remembered.
  limiter_ = std::make_unique<core::attempt_limiter>(5, std::chrono::minutes(1), 4096);
  if (!cfg_.dashboard.technician_password.empty())
    if (auto st = dashboard::check_password_hash(cfg_.dashboard.technician_password); !st)
      log_->error("dashboard.technician_password: {}; the technician page stays off", st.error_message());
  sessions_ = std::make_unique<dashboard::technician_sessions>(cfg_.dashboard.technician_password);
  router_ = std::make_unique<dashboard::router>(figures, *key_, cfg_.store.tenant, cfg_.store.id,
                                                dashboard::embedded_assets(), *limiter_,
                                                dashboard::technician_parts{&technician, sessions_.get()});
  if (auto st = listen(); !st) return st;
  log_->info("dashboard: {} (key {}, {})", link(), key_->id, key_file.string());
  return core::ok();
}

core::status dashboard_server::listen() {
  net::http_server_options o;
  o.name = "dashboard";
  o.listen = cfg_.dashboard.listen;
  o.port = static_cast<std::uint16_t>(cfg_.dashboard.port);
  o.max_connections = static_cast<std::size_t>(cfg_.dashboard.max_connections);
  o.max_connections_per_client = static_cast<std::size_t>(cfg_.dashboard.max_connections_per_client);
  auto tls = dashboard_tls_context(cfg_);
  // Never plain http instead: the technician asked that the page not travel in clear.
  if (!tls) return core::error{"https: " + tls.error_message()};
  o.tls = std::move(tls).value();
  auto server = std::make_unique<net::http_server>(
      ex_, o,
      [this](const net::request& req, const net::client_info& c) { return router_->handle(req, c); },
      log_);
  if (auto st = server->start(); !st) return st;
  server_ = std::move(server);
  return core::ok();
}

void dashboard_server::stop() {
  if (server_) server_->stop();
}

std::uint16_t dashboard_server::port() const { return server_ ? server_->port() : 0; }

std::size_t dashboard_server::subscribers() const { return server_ ? server_->subscribers() : 0; }

void dashboard_server::publish(const std::string& event) {
  if (server_) server_->publish(event);
}

std::string dashboard_server::link() const {
  if (!key_) return {};
  return dashboard::dashboard_link(cfg_.dashboard.base_url, port(), cfg_.dashboard.tls,
                                   dashboard::make_token(*key_, cfg_.store.tenant, cfg_.store.id));
}

void dashboard_server::reload_key() {
  if (!key_) return;
  auto key = dashboard::load_or_create_key(dashboard_key_path(cfg_));
  if (!key) {
    log_->error("reload: keeping the dashboard key: {}", key.error_message());
    return;
  }
  if (key->id == key_->id && key->secret == key_->secret) return;
  *key_ = std::move(key).value();  // the router holds it by reference: old codes stop at once
  log_->warn("reload: new dashboard key {}: codes printed before no longer open the dashboard", key_->id);
}

void dashboard_server::set_technician_password(const std::string& hash) {
  if (sessions_) sessions_->set_password_hash(hash);
}

}  // namespace kelu
