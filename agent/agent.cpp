#include "agent.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>

#include "config/loader.hpp"
#include "config/schema.hpp"
#include "drivers/source.hpp"
#include "kelu/version.hpp"
#include "analytics_service.hpp"
#include "audit_service.hpp"
#include "camera_sources.hpp"
#include "chat_notifier.hpp"
#include "agent/dashboard/access_token.hpp"
#include "agent/dashboard/assets.hpp"
#include "agent/dashboard/attempt_limiter.hpp"
#include "agent/dashboard/http_server.hpp"
#include "agent/dashboard/lan_address.hpp"
#include "agent/dashboard/qr_code.hpp"
#include "agent/dashboard/password_hash.hpp"
#include "agent/dashboard/router.hpp"
#include "agent/dashboard/technician_sessions.hpp"
#include "camera_control.hpp"
#include "technician_view.hpp"
#include "dashboard_view.hpp"
#include "qr_command.hpp"
#include "tls_command.hpp"
#include "counter_sources.hpp"
#include "pos_sources.hpp"
#include "sync/aggregate_store.hpp"
#include "sync/alert_journal.hpp"
#include "sync/audit_store.hpp"
#include "sync/command_handler.hpp"
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
constexpr std::chrono::seconds maintenance_interval{10};
// New events to an open dashboard within this (the bar is 2 s from event to screen).
constexpr std::chrono::milliseconds dashboard_push_delay{1000};
// A whole configuration is a few KB; anything near this is not one.
constexpr std::size_t max_desired_config_bytes = 256 * 1024;

sync::publisher_options publisher_options_for(const config::config& c) {
  sync::publisher_options o;
  o.uri = c.mqtt.uri;
  o.client_id = config::effective_client_id(c);
  o.username = c.mqtt.username;
  o.password = c.mqtt.password;
  o.mqtt_version = c.mqtt.version == "5" ? 5 : 4;
  o.keep_alive = std::chrono::seconds(c.mqtt.keep_alive_s);
  o.connect_timeout = std::chrono::seconds(c.mqtt.connect_timeout_s);
  o.max_inflight = static_cast<std::size_t>(c.mqtt.max_inflight);
  o.reconnect_min = std::chrono::milliseconds(c.mqtt.reconnect_min_ms);
  o.reconnect_max = std::chrono::milliseconds(c.mqtt.reconnect_max_ms);
  o.live_window = std::chrono::seconds(c.mqtt.live_window_s);
  o.backfill_rate_per_s = static_cast<double>(c.mqtt.backfill_rate_per_s);
  o.backfill_batch = static_cast<std::size_t>(c.mqtt.backfill_batch);
  o.max_payload_bytes = static_cast<std::size_t>(c.mqtt.max_payload_bytes);
  o.tls_ca_file = c.mqtt.tls.ca_file;
  o.tls_cert_file = c.mqtt.tls.cert_file;
  o.tls_key_file = c.mqtt.tls.key_file;
  o.tls_verify_hostname = c.mqtt.tls.verify_hostname;
  o.status_topic = sync::topics(c.store.tenant, c.store.id).status();
  return o;
}

analytics_service_options analytics_options_for(const config::config& c) {
  analytics_service_options o;
  o.close_grace = std::chrono::seconds(c.analytics.close_grace_s);
  o.live_interval = std::chrono::seconds(c.analytics.live_interval_s);
  o.forecast.weeks = static_cast<int>(c.analytics.forecast_weeks);
  o.forecast.target_star = static_cast<double>(c.analytics.target_star);
  return o;
}

analytics::store_identity store_identity_of(const config::config& c) {
  return {c.store.tenant, c.store.id, c.store.name, c.store.currency};
}

}  // namespace

agent::agent(config::config cfg, std::string config_path, std::shared_ptr<spdlog::logger> log)
    : cfg_(std::move(cfg)),
      config_path_(std::move(config_path)),
      log_(std::move(log)),
      started_(clock_.now_steady()),
      started_at_(clock_.now_utc()),
      boot_id_(core::new_event_id()),
      signals_(io_, SIGINT, SIGTERM, SIGHUP),
      health_timer_(io_),
      maintenance_timer_(io_),
      watchdog_timer_(io_) {}

agent::~agent() = default;

std::string agent::status_payload(const std::string& state, const std::string& reason) const {
  nlohmann::json j{{"state", state},
                   {"version", kelu::version},
                   {"schema_version", sync::database::current_schema_version},
                   {"config_hash", config::hash(cfg_)},
                   {"boot_id", boot_id_},
                   {"tenant", cfg_.store.tenant},
                   {"store", cfg_.store.id},
                   {"started_at", core::format_iso8601(started_at_)}};
  if (!reason.empty()) j["reason"] = reason;
  // What HQ needs to trust the counts: each line's audited accuracy, or that it never was.
  if (audits_) {
    try {
      j["audits"] = audits_->audited_lines();
    } catch (const std::exception& e) {
      log_->error("status: audits: {}", e.what());
    }
  }
  return j.dump();
}

core::status agent::start() {
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
  auto db = sync::database::open({cfg_.storage.path, cfg_.storage.synchronous == "full"});
  if (!db) return core::error{db.error_message()};
  db_ = std::move(db).value();
  auto rules = analytics::rules_for(cfg_);
  if (!rules) return core::error{rules.error_message()};
  topics_ = std::make_unique<sync::topics>(cfg_.store.tenant, cfg_.store.id);
  const auto& topics = *topics_;
  outbox_ = std::make_unique<sync::outbox>(*db_);
  store_ = std::make_unique<sync::event_store>(*db_, *outbox_, topics);
  committer_ = std::make_unique<sync::group_committer>(io_.get_executor(), *store_, clock_,
                                                       static_cast<std::size_t>(cfg_.storage.max_pending_events),
                                                       static_cast<std::size_t>(cfg_.storage.max_batch_events));
  auto popts = publisher_options_for(cfg_);
  popts.birth_payload = status_payload("online", "");
  popts.will_payload = status_payload("offline", "connection lost");
  popts.goodbye_payload = status_payload("offline", "shutdown");
  popts.subscriptions = {topics.commands(), topics.config_desired()};
  // Above the limits of what HQ may send (config/desired, cmd/...), which are answered with a
  // reason; only something far beyond them is dropped unread (and counted).
  popts.max_inbound_bytes = 4 * max_desired_config_bytes;
  publisher_ = std::make_unique<sync::mqtt_publisher>(io_.get_executor(), *outbox_, std::move(popts), log_);
  commands_ = std::make_unique<sync::command_handler>(*db_, *store_, *outbox_, topics, clock_, log_);
  publisher_->on_message([this](const std::string& topic, const std::string& payload) {
    if (topic == topics_->config_desired()) {
      on_desired_config(payload);
      return;
    }
    if (commands_->handle(topic, payload)) publisher_->wake();
  });
  committer_->on_commit([this] {
    publisher_->wake();
    // Someone has the dashboard open: show the new events within about a second, not at the
    // next regular tick (analytics.live_interval_s).
    if (dashboard_server_ && dashboard_server_->subscribers() > 0) analytics_->tick_soon(dashboard_push_delay);
  });
  aggregates_ = std::make_unique<sync::aggregate_store>(*db_, *outbox_);
  runs_ = std::make_unique<sync::run_log>(*db_);
  journal_ = std::make_unique<sync::alert_journal>(*db_);
  analytics_ = std::make_unique<analytics_service>(io_.get_executor(), *store_, *aggregates_, *runs_, *journal_,
                                                   boot_id_,
                                                   started_at_, *outbox_, topics, clock_, zone_, std::move(rules).value(),
                                                   cfg_.alerts, store_identity_of(cfg_), analytics_options_for(cfg_),
                                                   log_);
  analytics_->on_sent([this] { publisher_->wake(); });
  notifier_ = std::make_unique<chat_notifier>(io_.get_executor(), cfg_.notify, clock_, log_);
  analytics_->on_alert([this](const analytics::alert& a) { notifier_->send(a); });
  analytics_->alert_context_from([this] {
    alert_context c;
    for (const auto& src : sources_)
      if (auto cam = src->camera()) c.cameras.emplace_back(cam->camera, cam->offline_since);
    c.outbox_oldest_age_s = outbox_->stats().oldest_age_s(clock_.now_utc());
    return c;
  });

  auto sources = make_pos_sources(io_.get_executor(), *committer_, clock_, cfg_, zone_, log_);
  if (!sources) return core::error{sources.error_message()};
  sources_ = std::move(sources).value();
  auto cameras = make_camera_sources(io_.get_executor(), *committer_, clock_, cfg_, zone_, log_);
  if (!cameras) return core::error{cameras.error_message()};
  for (auto& cam : *cameras) sources_.push_back(std::move(cam));
  for (auto& counter : make_counter_sources(io_.get_executor(), *committer_, clock_, cfg_, zone_, log_))
    sources_.push_back(std::move(counter));
  for (auto& src : sources_)
    if (auto st = src->start(); !st) return st;
  start_audits();
  if (cfg_.dashboard.enabled) start_dashboard();
  const auto s = outbox_->stats();
  log_->info("kelu {} started: store {}/{}, database {} ({} unsent messages, {} bytes), config {}", kelu::version,
             cfg_.store.tenant, cfg_.store.id, cfg_.storage.path, s.rows, s.bytes, config::hash(cfg_));
  return core::ok();
}

int agent::run() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signo) { on_signal(ec, signo); });
  publisher_->start();
  analytics_->start();
  schedule_health();
  schedule_maintenance();
  schedule_watchdog();
  // Listening, the store open: systemd may count the agent as started.
  service_.ready("counting for store " + cfg_.store.tenant + "/" + cfg_.store.id);
  io_.run();
  return 0;
}

void agent::schedule_watchdog() {
  const auto every = service_.watchdog_interval();
  if (!every) return;
  service_.watchdog();
  watchdog_timer_.expires_after(*every);
  watchdog_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) schedule_watchdog();
  });
}

void agent::on_signal(const boost::system::error_code& ec, int signo) {
  if (ec) return;
  if (signo == SIGHUP) {
    service_.reloading();
    reload();
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
    for (auto& src : sources_) src->stop();
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
        if (dashboard_server_) dashboard_server_->stop();
        publisher_->stop(drain_limit, [this] {
          const auto s = outbox_->stats();
          log_->info("stopped: {} messages wait in the outbox for the next start", s.rows);
          health_timer_.cancel();
          maintenance_timer_.cancel();
          watchdog_timer_.cancel();
          signals_.cancel();
          io_.stop();
        });
      });
    });
  });
}

config::config agent::calibrated(config::config c) const {
  std::vector<std::string> used, problems;
  c = with_calibration(std::move(c), calibration_, &used, &problems);
  for (const auto& id : used) log_->debug("camera {}: lines and zones from {}", id, calibration_file_.string());
  for (const auto& p : problems) log_->error("{}; the config file's lines and zones stand", p);
  return c;
}

nlohmann::json agent::broker_state() const {
  const auto ps = publisher_->stats();
  const auto ob = outbox_->stats();
  return {{"uri", cfg_.mqtt.uri},
          {"connected", ps.connected},
          {"protocol", ps.protocol},
          {"published", ps.published},
          {"acknowledged", ps.acknowledged},
          {"connection_failures", ps.connection_failures},
          {"last_error", ps.last_error},
          {"outbox_rows", ob.rows},
          {"outbox_oldest_age_s", ob.oldest_age_s(clock_.now_utc())}};
}

void agent::reload() {
  reload_dashboard_key();
  if (config_path_.empty()) return;
  auto loaded = config::load_file(config_path_);
  if (!loaded.ok()) {
    log_->error("reload: {} is invalid; keeping the running configuration:", config_path_);
    for (const auto& e : loaded.errors) log_->error("  {}", e.to_string());
    return;
  }
  const auto wanted = calibrated(loaded.value);
  if (config::diff(cfg_, wanted).empty()) {
    log_->info("reload: no changes");
    return;
  }
  apply(wanted, "reload");
}

agent::config_change agent::apply(const config::config& wanted, const char* origin) {
  config_change c;
  const auto next = config::merge_hot(cfg_, wanted);
  c.applied = config::diff(cfg_, next);
  c.pending_restart = config::diff(next, wanted);
  for (const auto& key : c.applied) log_->info("{}: applied {}", origin, key);
  for (const auto& key : c.pending_restart) log_->warn("{}: {} changes on restart", origin, key);
  if (c.applied.empty()) return c;
  cfg_ = next;
  if (auto rules = analytics::rules_for(cfg_))
    analytics_->update(std::move(rules).value(), cfg_.alerts, analytics_options_for(cfg_));
  notifier_->update(cfg_.notify);
  if (technician_sessions_) technician_sessions_->set_password_hash(cfg_.dashboard.technician_password);
  log_->set_level(spdlog::level::from_str(cfg_.log.level));
  publisher_->update_status(status_payload("online", ""), status_payload("offline", "shutdown"));
  schedule_health();
  return c;
}

void agent::on_desired_config(const std::string& payload) {
  // HQ clears a retained message with an empty one: nothing is desired any more.
  if (payload.empty()) return;
  const auto now = clock_.now_utc();
  nlohmann::json reported{{"boot_id", boot_id_}, {"at", core::format_iso8601(now)}};
  const auto reject = [&](nlohmann::json errors) {
    log_->error("config/desired refused: {}", errors.dump());
    reported["state"] = "rejected";
    reported["errors"] = std::move(errors);
  };
  if (payload.size() > max_desired_config_bytes) {
    reject({"config/desired: " + std::to_string(payload.size()) + " bytes, more than " +
            std::to_string(max_desired_config_bytes)});
  } else {
    const auto loaded = config::load_text(payload, "config/desired");
    if (!loaded.ok()) {
      nlohmann::json errors = nlohmann::json::array();
      for (const auto& e : loaded.errors) errors.push_back(e.to_string());
      reject(std::move(errors));
    } else if (loaded.value.store.tenant != cfg_.store.tenant || loaded.value.store.id != cfg_.store.id) {
      reject({"config/desired: store.tenant/store.id are " + loaded.value.store.tenant + "/" + loaded.value.store.id +
              ", this box is " + cfg_.store.tenant + "/" + cfg_.store.id});
    } else {
      const auto change = apply(calibrated(loaded.value), "config/desired");
      reported["state"] = change.pending_restart.empty() ? "applied" : "pending_restart";
      reported["desired_hash"] = config::hash(loaded.value);
      reported["applied"] = change.applied;
      reported["pending_restart"] = change.pending_restart;
    }
  }
  reported["running_hash"] = config::hash(cfg_);
  outbox_->replace(topics_->config_reported(), reported.dump(), 1, sync::health_priority, now);
  publisher_->wake();
}

void agent::start_audits() {
  audit_store_ = std::make_unique<sync::audit_store>(*db_);
  std::vector<camera_control*> cameras;
  for (const auto& src : sources_)
    if (auto* cam = dynamic_cast<camera_control*>(src.get())) cameras.push_back(cam);
  // Clips live beside the database while an audit lasts: on the box, never in the outbox.
  audits_ = std::make_unique<audit_service>(io_.get_executor(),
                                            std::filesystem::path(cfg_.storage.path).parent_path() / "audit",
                                            std::move(cameras), cfg_, *store_, *audit_store_, clock_, zone_, log_,
                                            clip_recounter());
  const auto republish = [this] {
    publisher_->update_status(status_payload("online", ""), status_payload("offline", "shutdown"));
  };
  audits_->on_audited(republish);
  republish();  // `status` names the audited accuracy from the first birth message on
}

void agent::start_dashboard() {
  const auto key_file = dashboard_key_path(cfg_);
  auto key = dashboard::load_or_create_key(key_file);
  if (!key) {
    log_->error("dashboard off: {}", key.error_message());
    return;
  }
  dashboard_key_ = std::make_unique<dashboard::token_key>(std::move(key).value());
  // Five wrong codes at once, then one a minute per address; 4096 addresses remembered.
  dashboard_limiter_ = std::make_unique<dashboard::attempt_limiter>(5, std::chrono::minutes(1), 4096);

  if (!cfg_.dashboard.technician_password.empty())
    if (auto st = dashboard::check_password_hash(cfg_.dashboard.technician_password); !st)
      log_->error("dashboard.technician_password: {}; the technician page stays off", st.error_message());
  technician_sessions_ = std::make_unique<dashboard::technician_sessions>(cfg_.dashboard.technician_password);
  std::vector<camera_control*> cameras;
  for (const auto& src : sources_)
    if (auto* cam = dynamic_cast<camera_control*>(src.get())) cameras.push_back(cam);
  dashboard_view_ = std::make_unique<dashboard_view>(*analytics_, *store_, *runs_, zone_, store_identity_of(cfg_),
                                                     clock_, [this] { return health_snapshot(); }, cfg_, cameras,
                                                     audits_.get());
  technician_hooks hooks;
  hooks.health = [this] { return health_snapshot(); };
  hooks.broker = [this] { return broker_state(); };
  hooks.audits = audits_.get();
  hooks.geometry_saved = [this](const config::camera_config& cam) {
    for (auto& c : cfg_.cameras)
      if (c.id == cam.id) {
        c.lines = cam.lines;
        c.zones = cam.zones;
      }
    log_->info("camera {}: {} lines, {} zones saved by a technician ({})", cam.id, cam.lines.size(), cam.zones.size(),
               calibration_file_.string());
    // Entrance lines decide who is a visitor: today is recomputed under the new rules.
    if (auto rules = analytics::rules_for(cfg_))
      analytics_->update(std::move(rules).value(), cfg_.alerts, analytics_options_for(cfg_));
    publisher_->update_status(status_payload("online", ""), status_payload("offline", "shutdown"));
  };
  technician_view_ = std::make_unique<technician_view>(io_.get_executor(), cfg_, std::move(cameras), calibration_,
                                                       calibration_file_, clock_, std::move(hooks));
  dashboard_router_ = std::make_unique<dashboard::router>(
      *dashboard_view_, *dashboard_key_, cfg_.store.tenant, cfg_.store.id, dashboard::embedded_assets(),
      *dashboard_limiter_, dashboard::technician_parts{technician_view_.get(), technician_sessions_.get()});
  dashboard::http_server_options o;
  o.listen = cfg_.dashboard.listen;
  o.port = static_cast<std::uint16_t>(cfg_.dashboard.port);
  o.max_connections = static_cast<std::size_t>(cfg_.dashboard.max_connections);
  auto tls = dashboard_tls_context(cfg_);
  if (!tls) {
    // Never plain http instead: the technician asked that the page not travel in clear.
    log_->error("dashboard off: https: {}", tls.error_message());
    return;
  }
  o.tls = std::move(tls).value();
  dashboard_server_ = std::make_unique<dashboard::http_server>(
      io_.get_executor(), o,
      [this](const dashboard::request& req, const dashboard::client_info& c) { return dashboard_router_->handle(req, c); },
      log_);
  if (auto st = dashboard_server_->start(); !st) {
    log_->error("dashboard off: {}", st.error_message());
    dashboard_server_.reset();
    return;
  }
  analytics_->on_tick([this] {
    if (!dashboard_server_ || dashboard_server_->subscribers() == 0) return;
    auto today = dashboard_view_->today().dump();
    if (today == dashboard_pushed_) return;  // unchanged: nothing to send
    dashboard_server_->publish(dashboard::sse_event("today", today));
    dashboard_pushed_ = std::move(today);
  });
  const auto link = dashboard::dashboard_link(cfg_.dashboard.base_url, dashboard_server_->port(), cfg_.dashboard.tls,
                                              dashboard::make_token(*dashboard_key_, cfg_.store.tenant, cfg_.store.id));
  log_->info("dashboard: {} (key {}, {})", link, dashboard_key_->id, key_file.string());
  // A technician starting it by hand scans it off the screen (`kelu qr` prints it any time).
  if (::isatty(STDERR_FILENO))
    if (auto qr = dashboard::encode_qr(link)) std::fputs(dashboard::qr_terminal(*qr).c_str(), stderr);
}

void agent::reload_dashboard_key() {
  if (!dashboard_key_) return;
  auto key = dashboard::load_or_create_key(dashboard_key_path(cfg_));
  if (!key) {
    log_->error("reload: keeping the dashboard key: {}", key.error_message());
    return;
  }
  if (key->id == dashboard_key_->id && key->secret == dashboard_key_->secret) return;
  *dashboard_key_ = std::move(key).value();  // the router holds it by reference: old codes stop at once
  log_->warn("reload: new dashboard key {}: codes printed before no longer open the dashboard", dashboard_key_->id);
}

void agent::schedule_health() {
  health_timer_.expires_after(std::chrono::seconds(cfg_.health.interval_s));
  health_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    report_health();
    schedule_health();
  });
}

core::agent_health agent::health_snapshot() const {
  const auto ob = outbox_->stats();
  const auto& cs = committer_->stats();
  const auto ps = publisher_->stats();
  core::agent_health h;
  h.uptime_s = std::chrono::duration_cast<std::chrono::seconds>(clock_.now_steady() - started_).count();
  h.events_committed = cs.committed;
  h.duplicates = cs.duplicates;
  for (const auto& src : sources_) {
    h.sources.push_back(src->health());
    if (auto cam = src->camera()) {
      h.cameras.push_back(std::move(*cam));
      continue;  // dropped camera events are not rejected POS lines
    }
    h.rejected_lines += h.sources.back().rejected;
  }
  h.busy_rejections = cs.busy_rejections;
  h.outbox_rows = ob.rows;
  h.outbox_bytes = ob.bytes;
  const auto now = clock_.now_utc();
  h.outbox_oldest_age_s = ob.oldest_age_s(now);
  h.outbox_dropped_by = {ob.dropped_quota, ob.dropped_age, ob.dropped_oversize};
  h.outbox_dropped = ob.dropped_quota + ob.dropped_age + ob.dropped_oversize;
  h.mqtt_connected = ps.connected;
  return h;
}

void agent::report_health() {
  const auto now = clock_.now_utc();
  core::event e;
  e.id = core::new_event_id();
  e.store = cfg_.store.id;
  e.source = "agent";
  e.stream = "health";
  e.observed_at = now;
  e.received_at = now;
  e.body = health_snapshot();
  std::vector<core::event> batch;
  batch.push_back(std::move(e));
  committer_->submit(std::move(batch), [this](core::result<std::vector<core::commit_outcome>> r) {
    if (!r) log_->warn("health report not stored: {}", r.error_message());
  });
}

void agent::schedule_maintenance() {
  maintenance_timer_.expires_after(maintenance_interval);
  maintenance_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    try {
      const auto dropped = outbox_->enforce({cfg_.storage.outbox_quota_bytes, cfg_.storage.outbox_max_age_days},
                                            clock_.now_utc(), publisher_->unsettled_rows());
      if (dropped > 0)
        log_->warn("outbox over its quota ({} bytes, {} days): dropped {} oldest messages",
                   cfg_.storage.outbox_quota_bytes, cfg_.storage.outbox_max_age_days, dropped);
      // `kelu ingest` may have written to the outbox from another process: count its rows and
      // send them, so a technician's backfill reaches HQ without waiting for the next live sale.
      outbox_->reload();
      publisher_->wake();
      const auto cutoff = clock_.now_utc() - std::chrono::days(cfg_.storage.events_retention_days);
      if (const auto pruned = store_->prune(cutoff, 10000); pruned > 0)
        log_->info("retention: deleted {} events received before {}", pruned, core::format_iso8601(cutoff));
      // Aggregates and runs go with the events they were computed from: a busy day's buckets and
      // report are 233 KB (bench/analytics_bench), 85 MB a year otherwise kept on an SD card.
      if (const auto pruned = aggregates_->prune(cutoff) + runs_->prune(cutoff) + journal_->prune(cutoff); pruned > 0)
        log_->info("retention: deleted {} aggregates, runs and settled alerts that ended before {}", pruned,
                   core::format_iso8601(cutoff));
    } catch (const std::exception& ex) {
      log_->error("outbox maintenance: {}", ex.what());
    }
    schedule_maintenance();
  });
}

}  // namespace kelu
