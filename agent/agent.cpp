// SPDX-License-Identifier: Apache-2.0
#include "agent.hpp"
#include "agent_options.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include <algorithm>
#include <csignal>
#include <filesystem>

#include "analytics/service/analytics_service.hpp"
#include "audit_service.hpp"
#include "broker_link.hpp"
#include "camera_module.hpp"
#include "analytics/service/chat_notifier.hpp"
#include "counter_sources.hpp"
#include "control_socket.hpp"
#include "dashboard_component.hpp"
#include "core/health_json.hpp"
#include "kelu/version.hpp"
#include "pos_sources.hpp"
#include "software_control.hpp"
#include "source_set.hpp"
#include "config/schema.hpp"
#include "sync/aggregate_store.hpp"
#include "sync/alert_journal.hpp"
#include "sync/audit_store.hpp"
#include "sync/command_handler.hpp"
#include "sync/config_journal.hpp"
#include "sync/database.hpp"
#include "sync/event_store.hpp"
#include "sync/group_committer.hpp"
#include "sync/mqtt_publisher.hpp"
#include "sync/outbox.hpp"
#include "sync/run_log.hpp"
#include "sync/topics.hpp"

namespace kelu {

namespace {

// How long a stop waits for PUBACKs of messages already sent; the rest stay in the outbox.
constexpr std::chrono::seconds drain_limit{3};
// New events to an open dashboard within this (the bar is 2 s from event to screen).
constexpr std::chrono::milliseconds dashboard_push_delay{1000};
// Above the limits of what HQ may send (config/desired, cmd/...), which are answered with a
// reason; only something far beyond them is dropped unread (and counted).
constexpr std::size_t max_inbound_bytes = 1024 * 1024;

}  // namespace

agent::agent(boot_config boot, std::string config_path, std::shared_ptr<spdlog::logger> log)
    : cfg_(boot.value),
      boot_(std::move(boot)),
      config_path_(std::move(config_path)),
      log_(std::move(log)),
      started_(clock_.now_steady()),
      started_at_(clock_.now_utc()),
      boot_id_(core::new_event_id()),
      signals_(io_, SIGINT, SIGTERM, SIGHUP),
      health_timer_(io_),
      maintenance_timer_(io_),
      watchdog_(io_.get_executor(), service_),
      restart_timer_(io_) {}

agent::~agent() = default;

sync::publisher_options agent::link_options() const {
  auto o = sync::publisher_options_for(cfg_);
  o.link.status_topic = topics_->status();
  o.link.birth_payload = status_payload("online", "");
  o.link.will_payload = status_payload("offline", "connection lost");
  o.link.goodbye_payload = status_payload("offline", "shutdown");
  o.link.subscriptions = {topics_->commands(), topics_->config_desired(), topics_->software_desired(),
                          topics_->estate_software_desired()};
  o.link.max_inbound_bytes = max_inbound_bytes;
  return o;
}

core::status agent::start() {
  for (const auto& w : boot_.warnings) log_->warn("{}", w);
  auto zone = core::time_zone::load(cfg_.store.time_zone);
  if (!zone) return core::error{"store.time_zone: " + zone.error_message()};
  zone_ = std::move(zone).value();
  calibration_file_ = calibration_path(cfg_);
  if (auto cal = load_calibration(calibration_file_); cal) {
    calibration_ = std::move(cal).value();
  } else {
    log_->error("{}; the config file's lines and zones stand", cal.error_message());
  }
  cfg_ = calibrated(cfg_);
  std::error_code dir_error;
  std::filesystem::create_directories(std::filesystem::path(cfg_.storage.path).parent_path(), dir_error);
  auto lock = instance_lock::acquire(cfg_.storage.path);
  if (!lock) return core::error{lock.error_message()};
  lock_.emplace(std::move(lock).value());
  auto db = sync::database::open({cfg_.storage.path, cfg_.storage.synchronous == "full"});
  if (!db) return core::error{db.error_message()};
  db_ = std::move(db).value();
  auto rules = analytics::rules_for(cfg_);
  if (!rules) return core::error{rules.error_message()};
  topics_ = std::make_unique<sync::topics>(cfg_.store.tenant, cfg_.store.id);
  const auto& topics = *topics_;
  outbox_ = std::make_unique<sync::outbox>(*db_);
  if (const auto n = outbox_->drop_other_stores(topics.root()))
    log_->warn("dropped {} queued messages of another store: this box is {}/{} now and holds no events", n,
               cfg_.store.tenant, cfg_.store.id);
  store_ = std::make_unique<sync::event_store>(*db_, *outbox_, topics);
  committer_ = std::make_unique<sync::group_committer>(io_.get_executor(), *store_, clock_,
                                                       static_cast<std::size_t>(cfg_.storage.max_pending_events),
                                                       static_cast<std::size_t>(cfg_.storage.max_batch_events));
  config_journal_ = std::make_unique<sync::config_journal>(*db_);
  control_ = std::make_unique<config_control>(io_.get_executor(), static_cast<config_target&>(*this), *config_journal_, std::move(boot_),
                                              config_path_, boot_id_, clock_, log_);
  link_ = std::make_unique<broker_link>(io_.get_executor(), *outbox_, log_);
  commands_ = std::make_unique<sync::command_handler>(*db_, *store_, *outbox_, topics, clock_, log_);
  link_->on_message([this](const std::string& topic, const std::string& payload) {
    if (topic == topics_->config_desired()) {
      control_->on_desired(payload);
      return;
    }
    if (topic == topics_->software_desired() || topic == topics_->estate_software_desired()) {
      software_->on_desired(topic == topics_->estate_software_desired(), payload);
      return;
    }
    if (commands_->handle(topic, payload)) link_->wake();
  });
  committer_->on_commit([this] {
    link_->wake();
    // Someone has the dashboard open: show the new events within about a second, not at the
    // next regular tick (analytics.live_interval_s).
    if (dashboard_ && dashboard_->subscribers() > 0) analytics_->tick_soon(dashboard_push_delay);
  });
  aggregates_ = std::make_unique<sync::aggregate_store>(*db_, *outbox_);
  runs_ = std::make_unique<sync::run_log>(*db_);
  journal_ = std::make_unique<sync::alert_journal>(*db_);
  analytics_ = std::make_unique<analytics::analytics_service>(
      io_.get_executor(), *store_, *aggregates_, *runs_, *journal_, boot_id_, started_at_, *outbox_, topics,
      clock_, zone_, std::move(rules).value(), cfg_.alerts, store_identity_of(cfg_),
      analytics::analytics_service_options_for(cfg_), log_);
  // Recomputing a busy day takes seconds on an ARM box: not on the thread that answers tills.
  if (auto apart = analytics_->analyse_apart(cfg_.storage.path); !apart)
    log_->warn("analytics: analysing on the agent's thread: {}", apart.error_message());
  analytics_->on_sent([this] { link_->wake(); });
  notifier_ = std::make_unique<analytics::chat_notifier>(io_.get_executor(), cfg_.notify, clock_, log_);
  analytics_->on_alert([this](const analytics::alert& a) { notifier_->send(a); });
  analytics_->alert_context_from([this] {
    analytics::alert_context c;
    for (const auto* src : sources_->running())
      if (auto cam = src->camera()) c.cameras.emplace_back(cam->camera, cam->offline_since);
    c.outbox_oldest_age_s = outbox_->stats().oldest_age_s(clock_.now_utc());
    return c;
  });
  analytics_->on_tick([this] {
    if (dashboard_) dashboard_->push_today();
  });

  sources_ = std::make_unique<source_set>(
      [this](const config::config& c) -> core::result<drivers::named_sources> {
        auto out = make_pos_sources(io_.get_executor(), *committer_, clock_, c, zone_, log_);
        if (!out) return core::error{out.error_message()};
        auto cameras = make_camera_sources(io_.get_executor(), *committer_, clock_, c, zone_, log_);
        if (!cameras) return core::error{cameras.error_message()};
        for (auto& cam : *cameras) out->push_back(std::move(cam));
        for (auto& counter : make_counter_sources(io_.get_executor(), *committer_, clock_, c, zone_, log_))
          out->push_back(std::move(counter));
        return out;
      },
      cameras_, log_);
  if (auto st = sources_->start(cfg_); !st) return st;
  start_audits();
  if (cfg_.dashboard.enabled) start_dashboard();
  start_control_socket();
  start_software_control();
  const auto s = outbox_->stats();
  log_->info("kelu {} started: store {}/{}, database {} ({} unsent messages, {} bytes), config {}", kelu::version,
             cfg_.store.tenant, cfg_.store.id, cfg_.storage.path, s.rows, s.bytes, config::hash(cfg_));
  return core::ok();
}

int agent::run() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signo) { on_signal(ec, signo); });
  link_->start(link_options());
  control_->announce();
  software_->start();
  analytics_->start();
  schedule_health();
  clock_watch_.observe(clock_.now_utc(), clock_.now_steady());  // the base a first step is measured from
  schedule_maintenance();
  watchdog_.start();
  // Listening, the store open: systemd may count the agent as started.
  service_.ready("counting for store " + cfg_.store.tenant + "/" + cfg_.store.id);
  io_.run();
  return 0;
}

void agent::on_signal(const boost::system::error_code& ec, int signo) {
  if (ec) return;
  if (signo == SIGHUP) {
    service_.reloading();
    if (dashboard_) dashboard_->reload_key();
    control_->on_file_changed();
    service_.ready("reloaded " + config_path_);
    signals_.async_wait([this](const boost::system::error_code& e, int s) { on_signal(e, s); });
    return;
  }
  log_->info("received signal {}: stopping", signo);
  request_stop();
}

void agent::request_stop() {
  boost::asio::post(io_, [this] {
    if (stopping_) return;
    stopping_ = true;
    service_.stopping();
    control_->stop();
    software_->stop();
    sources_->stop();
    // Sources with threads of their own (cameras) post their last events while they stop;
    // those handlers are queued before this one, so the store still takes them.
    boost::asio::post(io_, [this] {
      committer_->close();
      // Queued commits were posted before this handler's successors; let them run first.
      boost::asio::post(io_, [this] {
        // The last events are committed: today's figures as of now, and the run's end.
        analytics_->tick();
        analytics_->stop();
        notifier_->stop();
        if (dashboard_) dashboard_->stop();
        if (control_socket_) control_socket_->stop();
        link_->stop(drain_limit, [this] {
          const auto s = outbox_->stats();
          log_->info("stopped: {} messages wait in the outbox for the next start", s.rows);
          health_timer_.cancel();
          maintenance_timer_.cancel();
          watchdog_.cancel();
          restart_timer_.cancel();
          signals_.cancel();
          io_.stop();
        });
      });
    });
  });
}

void agent::start_audits() {
  audit_store_ = std::make_unique<sync::audit_store>(*db_);
  // Clips live beside the database while an audit lasts: on the box, never in the outbox.
  audits_ = std::make_unique<audit_service>(io_.get_executor(),
                                            std::filesystem::path(cfg_.storage.path).parent_path() / "audit", cameras_,
                                            cfg_, *store_, *audit_store_, clock_, zone_, log_, clip_recounter());
  audits_->on_audited([this] { republish_status(); });
}

void agent::start_dashboard() {
  technician_hooks hooks;
  hooks.health = [this] { return health_snapshot(); };
  hooks.broker = [this] { return broker_state(); };
  hooks.audits = audits_.get();
  hooks.changes = [this] { return control_->history(10); };
  hooks.settings = [this] { return control_->settings(); };
  hooks.preview_settings = [this](const config::settings_edit& e) { return control_->preview_settings(e); };
  hooks.apply_settings = [this](const config::settings_edit& e, std::function<void(nlohmann::json)> done) {
    control_->apply_settings(e, std::move(done));
  };
  hooks.geometry_saved = [this](const config::camera_config& cam) {
    control_->note("technician", {"cameras[" + cam.id + "].lines", "cameras[" + cam.id + "].zones"},
                   nlohmann::json{{"geometry", {cam.id}}});
    for (auto& c : cfg_.cameras)
      if (c.id == cam.id) {
        c.lines = cam.lines;
        c.zones = cam.zones;
      }
    log_->info("camera {}: {} lines, {} zones saved by a technician ({})", cam.id, cam.lines.size(), cam.zones.size(),
               calibration_file_.string());
    // Entrance lines decide who is a visitor: today is recomputed under the new rules.
    if (auto rules = analytics::rules_for(cfg_))
      analytics_->update(std::move(rules).value(), cfg_.alerts, analytics::analytics_service_options_for(cfg_));
    republish_status();
  };
  dashboard_parts parts{cfg_,    *analytics_, *store_,           *runs_,           zone_,
                        clock_,  cameras_,    calibration_,      calibration_file_, std::move(hooks)};
  auto d = std::make_unique<dashboard_component>(io_.get_executor(), std::move(parts), log_);
  if (auto st = d->start(); !st) {
    log_->error("dashboard off: {}", st.error_message());
    d->stop();
    stopped_dashboards_.push_back(std::move(d));
    return;
  }
  dashboard_ = std::move(d);
}

void agent::start_control_socket() {
  control_socket_ = std::make_unique<control_socket>(
      io_.get_executor(), control_socket::path_for(cfg_.storage.path),
      [this](const nlohmann::json& request, control_socket::reply done) {
        const auto cmd = request.value("cmd", "");
        if (cmd == "status") return done(status_report());
        if (cmd == "reload") {
          log_->info("reload asked for on the control socket");
          if (dashboard_) dashboard_->reload_key();  // as on SIGHUP: kelu enroll rotates it
          return control_->on_file_changed(std::move(done));
        }
        if (cmd == "restart") {  // kelu enroll: a new store identity and certificate on disk
          done({{"state", "restarting"}, {"origin", "technician"}});
          return restart_for_new_identity();
        }
        if (cmd == "settings") {  // kelu config set, kelu passwd --set
          config::settings_edit edit;
          if (auto why = config::read_settings_edit(request.value("edit", nlohmann::json()), edit))
            return done({{"state", "rejected"}, {"origin", "technician"}, {"errors", {*why}}});
          return control_->apply_settings(edit, std::move(done));
        }
        done({{"ok", false},
              {"error", "unknown cmd \"" + cmd.substr(0, 32) + "\" (status, reload, restart, settings)"}});
      },
      log_);
  // Not fatal: the box counts and syncs without it; kelu status says what is missing.
  if (auto st = control_socket_->start(); !st) {
    log_->error("control socket off: {}", st.error_message());
    control_socket_.reset();
  }
}

void agent::stop_dashboard() {
  if (!dashboard_) return;
  dashboard_->stop();
  stopped_dashboards_.push_back(std::move(dashboard_));
}

}  // namespace kelu
