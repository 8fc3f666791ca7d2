// SPDX-License-Identifier: Apache-2.0
#include "minimal_agent.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "agent/control_socket.hpp"
#include "agent/dashboard_server.hpp"
#include "agent/minimal_technician.hpp"
#include "kelu/version.hpp"

namespace kelu {

using nlohmann::json;

minimal_agent::minimal_agent(std::string file_path, broken_config broken, std::shared_ptr<spdlog::logger> log)
    : file_path_(std::move(file_path)),
      log_(std::move(log)),
      broken_(std::move(broken)),
      signals_(io_, SIGINT, SIGTERM, SIGHUP),
      watchdog_(io_.get_executor(), service_) {}

minimal_agent::~minimal_agent() = default;

core::status minimal_agent::start() {
  const auto& cfg = broken_.salvaged;
  auto lock = instance_lock::acquire(cfg.storage.path);
  if (!lock) return core::error{lock.error_message()};
  lock_.emplace(std::move(lock).value());
  for (const auto& e : broken_.errors) log_->error("{}", e);
  log_->error("minimal mode: {} does not load and no configuration ever did; only the control socket and the "
              "technician page run until it is fixed (kelu status; systemctl reload kelu)",
              file_path_);
  socket_ = std::make_unique<control_socket>(
      io_.get_executor(), control_socket::path_for(cfg.storage.path),
      [this](const json& request, control_socket::reply done) {
        const auto cmd = request.value("cmd", "");
        if (cmd == "status") return done(status());
        if (cmd == "reload" || cmd == "restart") return done(reload());
        if (cmd == "settings") return technician_->apply_settings(request.value("edit", json()), std::move(done));
        done({{"ok", false}, {"error", "unknown cmd \"" + cmd.substr(0, 32) + "\" (status, reload, restart, settings)"}});
      },
      log_);
  if (auto st = socket_->start(); !st) {
    log_->error("control socket off: {}", st.error_message());
    socket_.reset();
  }
  minimal_technician::callbacks on;
  on.loadable = [this] { boost::asio::post(io_, [this] { start_agent(); }); };
  on.saved = [this] { boost::asio::post(io_, [this] { on_settings_saved(); }); };
  technician_ = std::make_unique<minimal_technician>(broken_, file_path_, std::move(on), log_);
  start_page();
  return core::ok();
}

void minimal_agent::start_page() {
  const auto& cfg = broken_.salvaged;
  if (!cfg.dashboard.enabled || cfg.dashboard.technician_password.empty()) {
    log_->error("technician page off: dashboard.technician_password cannot be read from {} (kelu passwd --set)",
                file_path_);
    return;
  }
  auto page = std::make_unique<dashboard_server>(io_.get_executor(), cfg, log_);
  if (auto st = page->start(technician_->figures(), *technician_); !st) {
    log_->error("technician page off: {}", st.error_message());
    return;
  }
  dashboard_ = std::move(page);
}

void minimal_agent::on_settings_saved() {
  broken_ = read_broken_config(file_path_);
  if (dashboard_)
    dashboard_->set_technician_password(broken_.salvaged.dashboard.technician_password);
  else
    start_page();  // a password given from the shell opens the page
}

int minimal_agent::run() {
  do_wait_signal();
  watchdog_.start();
  service_.ready("minimal mode: " + (broken_.errors.empty() ? file_path_ : broken_.errors.front()));
  io_.run();
  return 0;
}

void minimal_agent::do_wait_signal() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
    if (!ec) on_signal(signo);
  });
}

void minimal_agent::on_signal(int signo) {
  if (signo == SIGHUP) {
    reload();
    if (!restart_requested_) do_wait_signal();
    return;
  }
  log_->info("received signal {}: stopping", signo);
  stop();
}

json minimal_agent::reload() {
  if (auto boot = load_boot_config(file_path_)) {
    log_->info("{} loads now: starting the agent", file_path_);
    boost::asio::post(io_, [this] { start_agent(); });
    return {{"state", "restarting"}, {"origin", "file"}};
  }
  broken_ = read_broken_config(file_path_);
  for (const auto& e : broken_.errors) log_->error("{}", e);
  return {{"state", "rejected"}, {"origin", "file"}, {"errors", broken_.errors}};
}

void minimal_agent::start_agent() {
  restart_requested_ = true;
  stop();
}

void minimal_agent::stop() {
  service_.stopping();
  // Answers being written (the technician's "restarting", the socket's) finish first: io_.run()
  // returns once they have.
  if (dashboard_) dashboard_->stop();
  if (socket_) socket_->stop();
  watchdog_.cancel();
  signals_.cancel();
}

json minimal_agent::status() const {
  return {{"ok", true},
          {"mode", "minimal"},
          {"version", kelu::version},
          {"config", file_path_},
          {"errors", broken_.errors},
          {"technician_page", dashboard_ ? dashboard_->port() : 0}};
}

}  // namespace kelu
