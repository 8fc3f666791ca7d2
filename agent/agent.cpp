#include "agent.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include <algorithm>
#include <csignal>
#include <filesystem>

#include "analytics_service.hpp"
#include "audit_service.hpp"
#include "broker_link.hpp"
#include "camera_sources.hpp"
#include "chat_notifier.hpp"
#include "counter_sources.hpp"
#include "control_socket.hpp"
#include "dashboard_component.hpp"
#include "agent/core/health_json.hpp"
#include "kelu/version.hpp"
#include "pos_sources.hpp"
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
constexpr std::chrono::seconds maintenance_interval{10};
// New events to an open dashboard within this (the bar is 2 s from event to screen).
constexpr std::chrono::milliseconds dashboard_push_delay{1000};
// A restart asked for by a change waits this long at most for HQ to have its answer.
constexpr std::chrono::seconds restart_announce_limit{5};
// Above the limits of what HQ may send (config/desired, cmd/...), which are answered with a
// reason; only something far beyond them is dropped unread (and counted).
constexpr std::size_t max_inbound_bytes = 1024 * 1024;

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

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

bool delivering(const core::camera_health& h) { return h.state == "online" && h.frames_read > 0; }

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
      watchdog_timer_(io_),
      restart_timer_(io_) {}

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
  if (control_ && control_->desired().version > 0) j["desired_version"] = control_->desired().applied_version;
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

void agent::republish_status() {
  link_->update_status(status_payload("online", ""), status_payload("offline", "shutdown"));
}

sync::publisher_options agent::link_options() const {
  auto o = publisher_options_for(cfg_);
  o.status_topic = topics_->status();
  o.birth_payload = status_payload("online", "");
  o.will_payload = status_payload("offline", "connection lost");
  o.goodbye_payload = status_payload("offline", "shutdown");
  o.subscriptions = {topics_->commands(), topics_->config_desired()};
  o.max_inbound_bytes = max_inbound_bytes;
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
  analytics_ = std::make_unique<analytics_service>(io_.get_executor(), *store_, *aggregates_, *runs_, *journal_,
                                                   boot_id_, started_at_, *outbox_, topics, clock_, zone_,
                                                   std::move(rules).value(), cfg_.alerts, store_identity_of(cfg_),
                                                   analytics_options_for(cfg_), log_);
  analytics_->on_sent([this] { link_->wake(); });
  notifier_ = std::make_unique<chat_notifier>(io_.get_executor(), cfg_.notify, clock_, log_);
  analytics_->on_alert([this](const analytics::alert& a) { notifier_->send(a); });
  analytics_->alert_context_from([this] {
    alert_context c;
    for (const auto* src : sources_->running())
      if (auto cam = src->camera()) c.cameras.emplace_back(cam->camera, cam->offline_since);
    c.outbox_oldest_age_s = outbox_->stats().oldest_age_s(clock_.now_utc());
    return c;
  });
  analytics_->on_tick([this] {
    if (dashboard_) dashboard_->push_today();
  });

  sources_ = std::make_unique<source_set>(
      [this](const config::config& c) -> core::result<named_sources> {
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
  const auto s = outbox_->stats();
  log_->info("kelu {} started: store {}/{}, database {} ({} unsent messages, {} bytes), config {}", kelu::version,
             cfg_.store.tenant, cfg_.store.id, cfg_.storage.path, s.rows, s.bytes, config::hash(cfg_));
  return core::ok();
}

int agent::run() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signo) { on_signal(ec, signo); });
  link_->start(link_options());
  control_->announce();
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
          watchdog_timer_.cancel();
          restart_timer_.cancel();
          signals_.cancel();
          io_.stop();
        });
      });
    });
  });
}

void agent::restart(const std::string& why) {
  log_->warn("restarting: {}", why);
  restart_requested_ = true;
  // HQ hears "restarting" before the box goes: the answer was the last row written, and the next
  // start's announcement would supersede it in the outbox. Not longer than a broker that is down allows.
  const auto answer = outbox_->last_id_created_before(clock_.now_utc() + std::chrono::hours(1));
  wait_for_sent(answer, clock_.now_steady() + restart_announce_limit);
}

void agent::wait_for_sent(std::int64_t row, std::chrono::steady_clock::time_point deadline) {
  const auto waiting = outbox_->peek(0, 1);
  if (waiting.empty() || waiting.front().id > row || clock_.now_steady() >= deadline) {
    request_stop();
    return;
  }
  restart_timer_.expires_after(std::chrono::milliseconds(50));
  restart_timer_.async_wait([this, row, deadline](const boost::system::error_code& ec) {
    if (!ec) wait_for_sent(row, deadline);
  });
}

void agent::report(nlohmann::json reported) {
  outbox_->replace(topics_->config_reported(), reported.dump(), 1, sync::health_priority, clock_.now_utc());
  link_->wake();
}

void agent::record(nlohmann::json change) {
  try {
    sync::transaction tx{*db_};
    outbox_->insert(topics_->config_changes(), change.dump(), 1, false, sync::health_priority, clock_.now_utc());
    tx.commit();
  } catch (const std::exception& e) {
    outbox_->reload();
    log_->error("config/changes not queued for HQ (kept in the box's history): {}", e.what());
    return;
  }
  link_->wake();
}

config::config agent::calibrated(config::config c) const {
  std::vector<std::string> used, problems;
  c = with_calibration(std::move(c), calibration_, &used, &problems);
  for (const auto& id : used) log_->debug("camera {}: lines and zones from {}", id, calibration_file_.string());
  for (const auto& p : problems) log_->error("{}; the config file's lines and zones stand", p);
  return c;
}

nlohmann::json agent::broker_state() const {
  const auto ps = link_->stats();
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

applied_change agent::apply(const config::config& wanted, std::string_view origin) {
  applied_change out;
  const auto next = config::merge_live(cfg_, wanted);
  out.plan = config::plan_change(cfg_, next);
  if (out.plan.empty()) return out;
  before_ = {};
  before_.link_connected = link_->stats().connected;
  before_.link_switches = link_->switches();
  before_.dashboard_serving = dashboard_ && dashboard_->serving();
  for (const auto* src : sources_->running())
    if (auto cam = src->camera()) before_.camera_delivering[cam->camera] = delivering(*cam);
  for (const auto& key : out.plan.keys) log_->info("{}: {} changed", origin, key);
  cfg_ = next;
  apply_hot(out.plan);
  rebuild(out.plan, out);
  republish_status();
  schedule_health();
  return out;
}

void agent::apply_hot(const config::change_plan& plan) {
  committer_->set_limits(static_cast<std::size_t>(cfg_.storage.max_pending_events),
                         static_cast<std::size_t>(cfg_.storage.max_batch_events));
  if (auto rules = analytics::rules_for(cfg_))
    analytics_->update(std::move(rules).value(), cfg_.alerts, analytics_options_for(cfg_));
  analytics_->set_store(store_identity_of(cfg_));
  notifier_->update(cfg_.notify);
  if (dashboard_) dashboard_->set_technician_password(cfg_.dashboard.technician_password);
  log_->set_level(spdlog::level::from_str(cfg_.log.level));
  for (const auto& id : plan.geometry) {
    const auto it = std::find_if(cfg_.cameras.begin(), cfg_.cameras.end(), [&](const auto& c) { return c.id == id; });
    if (auto* cam = cameras_.find(id); cam && it != cfg_.cameras.end()) cam->set_geometry(it->lines, it->zones);
  }
}

void agent::rebuild(const config::change_plan& plan, applied_change& out) {
  std::vector<std::string> sources;
  for (const auto& c : plan.rebuild)
    if (c != "mqtt" && c != "dashboard") sources.push_back(c);
  if (!sources.empty())
    for (const auto& o : sources_->rebuild(sources, cfg_))
      if (!o.error.empty()) out.errors.push_back(o.component + ": " + o.error);
  if (contains(plan.rebuild, "mqtt")) link_->switch_to(link_options(), status_payload("offline", "reconfigured"));
  if (contains(plan.rebuild, "dashboard")) {
    stop_dashboard();
    if (cfg_.dashboard.enabled) start_dashboard();
  }
}

std::vector<gate_check> agent::gate_checks(const applied_change& change) {
  std::vector<gate_check> checks;
  const auto& rebuilt = change.plan.rebuild;
  // A link that was down before the change (HQ unreachable) is not the change's fault.
  if (contains(rebuilt, "mqtt") && before_.link_connected)
    checks.push_back({"mqtt", [this, switches = before_.link_switches]() -> std::optional<std::string> {
                        const auto s = link_->stats();
                        if (link_->switches() > switches && s.connected) return std::nullopt;
                        return "not connected to " + cfg_.mqtt.uri + (s.last_error.empty() ? "" : ": " + s.last_error);
                      }});
  if (contains(rebuilt, "dashboard") && before_.dashboard_serving && cfg_.dashboard.enabled)
    checks.push_back({"dashboard", [this]() -> std::optional<std::string> {
                        if (dashboard_ && dashboard_->serving()) return std::nullopt;
                        return "not serving on port " + std::to_string(cfg_.dashboard.port);
                      }});
  for (const auto& [id, was_delivering] : before_.camera_delivering) {
    const auto component = config::camera_component(id);
    // A camera already dark before the change (switched off at night) may stay dark.
    if (!was_delivering || !contains(rebuilt, component)) continue;
    checks.push_back({component, [this, id, component]() -> std::optional<std::string> {
                        const auto* src = sources_->find(component);
                        if (!src) return std::optional<std::string>("removed");
                        const auto cam = src->camera();
                        if (cam && delivering(*cam)) return std::nullopt;
                        return "no frames" + (cam && !cam->last_error.empty() ? ": " + cam->last_error : "");
                      }});
  }
  return checks;
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
      analytics_->update(std::move(rules).value(), cfg_.alerts, analytics_options_for(cfg_));
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
          return control_->on_file_changed(std::move(done));
        }
        done({{"ok", false}, {"error", "unknown cmd \"" + cmd.substr(0, 32) + "\" (status, reload)"}});
      },
      log_);
  // Not fatal: the box counts and syncs without it; kelu status says what is missing.
  if (auto st = control_socket_->start(); !st) {
    log_->error("control socket off: {}", st.error_message());
    control_socket_.reset();
  }
}

nlohmann::json agent::status_report() const {
  nlohmann::json components = nlohmann::json::array();
  for (const auto& name : sources_->components()) components.push_back(name);
  components.push_back("mqtt");
  if (dashboard_) components.push_back("dashboard");
  return {{"ok", true},
          {"version", kelu::version},
          {"store", cfg_.store.tenant + "/" + cfg_.store.id},
          {"config_hash", config::hash(cfg_)},
          {"desired_version", control_->desired().applied_version},
          {"changing", control_->changing()},
          {"components", std::move(components)},
          {"broker", broker_state()},
          {"dashboard_port", dashboard_ ? dashboard_->port() : 0},
          {"health", core::to_json(health_snapshot())}};
}

void agent::stop_dashboard() {
  if (!dashboard_) return;
  dashboard_->stop();
  stopped_dashboards_.push_back(std::move(dashboard_));
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
  const auto ps = link_->stats();
  core::agent_health h;
  h.uptime_s = std::chrono::duration_cast<std::chrono::seconds>(clock_.now_steady() - started_).count();
  h.events_committed = cs.committed;
  h.duplicates = cs.duplicates;
  for (const auto* src : sources_->running()) {
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
    maintain();
    schedule_maintenance();
  });
}

void agent::maintain() {
  // Components stopped by a rebuild a tick ago: whatever they queued has run by now.
  sources_->reap();
  stopped_dashboards_.clear();
  try {
    const auto dropped = outbox_->enforce({cfg_.storage.outbox_quota_bytes, cfg_.storage.outbox_max_age_days},
                                          clock_.now_utc(), link_->unsettled_rows());
    if (dropped > 0)
      log_->warn("outbox over its quota ({} bytes, {} days): dropped {} oldest messages",
                 cfg_.storage.outbox_quota_bytes, cfg_.storage.outbox_max_age_days, dropped);
    // `kelu ingest` may have written to the outbox from another process: count its rows and
    // send them, so a technician's backfill reaches HQ without waiting for the next live sale.
    outbox_->reload();
    link_->wake();
    const auto cutoff = clock_.now_utc() - std::chrono::days(cfg_.storage.events_retention_days);
    if (const auto pruned = store_->prune(cutoff, 10000); pruned > 0)
      log_->info("retention: deleted {} events received before {}", pruned, core::format_iso8601(cutoff));
    // Aggregates and runs go with the events they were computed from: a busy day's buckets and
    // report are 233 KB (bench/analytics_bench), 85 MB a year otherwise kept on an SD card.
    if (const auto pruned = aggregates_->prune(cutoff) + runs_->prune(cutoff) + journal_->prune(cutoff) +
                            config_journal_->prune(cutoff);
        pruned > 0)
      log_->info("retention: deleted {} aggregates, runs, settled alerts and config changes that ended before {}",
                 pruned, core::format_iso8601(cutoff));
  } catch (const std::exception& ex) {
    log_->error("outbox maintenance: {}", ex.what());
  }
}

}  // namespace kelu
