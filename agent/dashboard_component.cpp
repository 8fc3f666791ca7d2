// SPDX-License-Identifier: Apache-2.0
#include "dashboard_component.hpp"

#include <spdlog/spdlog.h>

#include <unistd.h>

#include <cstdio>

#include "dashboard/qr_code.hpp"
#include "net/http_server.hpp"
#include "analytics/service/analytics_service.hpp"
#include "dashboard_view.hpp"

namespace kelu {

dashboard_component::dashboard_component(boost::asio::any_io_executor ex, dashboard_parts parts,
                                         std::shared_ptr<spdlog::logger> log)
    : ex_(std::move(ex)), parts_(std::move(parts)), log_(std::move(log)) {}

dashboard_component::~dashboard_component() = default;

core::status dashboard_component::start() {
  const auto& cfg = parts_.cfg;
  const analytics::store_identity identity{cfg.store.tenant, cfg.store.id, cfg.store.name, cfg.store.currency};
  view_ = std::make_unique<dashboard_view>(parts_.analytics, parts_.store, parts_.runs, parts_.zone, identity,
                                           parts_.clock, parts_.hooks.health, cfg, parts_.cameras,
                                           parts_.hooks.audits);
  technician_ = std::make_unique<technician_view>(ex_, cfg, parts_.cameras, parts_.cal, parts_.calibration_file,
                                                  parts_.clock, parts_.hooks);
  auto server = std::make_unique<dashboard_server>(ex_, cfg, log_);
  if (auto st = server->start(*view_, *technician_); !st) return st;
  server_ = std::move(server);
  // A technician starting it by hand scans it off the screen (`kelu qr` prints it any time).
  if (::isatty(STDERR_FILENO))
    if (auto qr = dashboard::encode_qr(server_->link())) std::fputs(dashboard::qr_terminal(*qr).c_str(), stderr);
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
  server_->publish(net::sse_event("today", today));
  pushed_ = std::move(today);
}

void dashboard_component::reload_key() {
  if (server_) server_->reload_key();
}

void dashboard_component::set_technician_password(const std::string& hash) {
  if (server_) server_->set_technician_password(hash);
}

}  // namespace kelu
