#include "dashboard_component.hpp"

#include <spdlog/spdlog.h>

#include <unistd.h>

#include <cstdio>

#include "agent/dashboard/access_token.hpp"
#include "agent/dashboard/assets.hpp"
#include "agent/dashboard/attempt_limiter.hpp"
#include "agent/dashboard/http_server.hpp"
#include "agent/dashboard/lan_address.hpp"
#include "agent/dashboard/password_hash.hpp"
#include "agent/dashboard/qr_code.hpp"
#include "agent/dashboard/router.hpp"
#include "agent/dashboard/technician_sessions.hpp"
#include "analytics_service.hpp"
#include "dashboard_view.hpp"
#include "qr_command.hpp"
#include "tls_command.hpp"

namespace kelu {

dashboard_component::dashboard_component(boost::asio::any_io_executor ex, dashboard_parts parts,
                                         std::shared_ptr<spdlog::logger> log)
    : ex_(std::move(ex)), parts_(std::move(parts)), log_(std::move(log)) {}

dashboard_component::~dashboard_component() = default;

core::status dashboard_component::start() {
  const auto& cfg = parts_.cfg;
  const auto key_file = dashboard_key_path(cfg);
  auto key = dashboard::load_or_create_key(key_file);
  if (!key) return core::error{key.error_message()};
  key_ = std::make_unique<dashboard::token_key>(std::move(key).value());
  // Five wrong codes at once, then one a minute per address; 4096 addresses remembered.
  limiter_ = std::make_unique<dashboard::attempt_limiter>(5, std::chrono::minutes(1), 4096);
  if (!cfg.dashboard.technician_password.empty())
    if (auto st = dashboard::check_password_hash(cfg.dashboard.technician_password); !st)
      log_->error("dashboard.technician_password: {}; the technician page stays off", st.error_message());
  sessions_ = std::make_unique<dashboard::technician_sessions>(cfg.dashboard.technician_password);
  const analytics::store_identity identity{cfg.store.tenant, cfg.store.id, cfg.store.name, cfg.store.currency};
  view_ = std::make_unique<dashboard_view>(parts_.analytics, parts_.store, parts_.runs, parts_.zone, identity,
                                           parts_.clock, parts_.hooks.health, cfg, parts_.cameras,
                                           parts_.hooks.audits);
  technician_ = std::make_unique<technician_view>(ex_, cfg, parts_.cameras, parts_.cal, parts_.calibration_file,
                                                  parts_.clock, parts_.hooks);
  router_ = std::make_unique<dashboard::router>(*view_, *key_, cfg.store.tenant, cfg.store.id,
                                                dashboard::embedded_assets(), *limiter_,
                                                dashboard::technician_parts{technician_.get(), sessions_.get()});
  if (auto st = start_server(); !st) return st;
  const auto link = dashboard::dashboard_link(cfg.dashboard.base_url, server_->port(), cfg.dashboard.tls,
                                              dashboard::make_token(*key_, cfg.store.tenant, cfg.store.id));
  log_->info("dashboard: {} (key {}, {})", link, key_->id, key_file.string());
  // A technician starting it by hand scans it off the screen (`kelu qr` prints it any time).
  if (::isatty(STDERR_FILENO))
    if (auto qr = dashboard::encode_qr(link)) std::fputs(dashboard::qr_terminal(*qr).c_str(), stderr);
  return core::ok();
}

core::status dashboard_component::start_server() {
  const auto& cfg = parts_.cfg;
  dashboard::http_server_options o;
  o.listen = cfg.dashboard.listen;
  o.port = static_cast<std::uint16_t>(cfg.dashboard.port);
  o.max_connections = static_cast<std::size_t>(cfg.dashboard.max_connections);
  auto tls = dashboard_tls_context(cfg);
  // Never plain http instead: the technician asked that the page not travel in clear.
  if (!tls) return core::error{"https: " + tls.error_message()};
  o.tls = std::move(tls).value();
  auto server = std::make_unique<dashboard::http_server>(
      ex_, o,
      [this](const dashboard::request& req, const dashboard::client_info& c) { return router_->handle(req, c); },
      log_);
  if (auto st = server->start(); !st) return st;
  server_ = std::move(server);
  return core::ok();
}

void dashboard_component::stop() {
  if (server_) server_->stop();
}

std::uint16_t dashboard_component::port() const { return server_ ? server_->port() : 0; }

std::size_t dashboard_component::subscribers() const { return server_ ? server_->subscribers() : 0; }

void dashboard_component::push_today() {
  if (!server_ || server_->subscribers() == 0) return;
  auto today = view_->today().dump();
  if (today == pushed_) return;  // unchanged: nothing to send
  server_->publish(dashboard::sse_event("today", today));
  pushed_ = std::move(today);
}

void dashboard_component::reload_key() {
  if (!key_) return;
  auto key = dashboard::load_or_create_key(dashboard_key_path(parts_.cfg));
  if (!key) {
    log_->error("reload: keeping the dashboard key: {}", key.error_message());
    return;
  }
  if (key->id == key_->id && key->secret == key_->secret) return;
  *key_ = std::move(key).value();  // the router holds it by reference: old codes stop at once
  log_->warn("reload: new dashboard key {}: codes printed before no longer open the dashboard", key_->id);
}

void dashboard_component::set_technician_password(const std::string& hash) {
  if (sessions_) sessions_->set_password_hash(hash);
}

}  // namespace kelu
