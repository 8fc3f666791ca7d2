// SPDX-License-Identifier: Apache-2.0
// The agent as config_control's target (agent/config_control.hpp): applying a configuration
// component by component, the health gate's checks, a restart in place.
#include "agent.hpp"
#include "agent_options.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include <algorithm>
#include <filesystem>

#include "analytics/service/analytics_service.hpp"
#include "audit_service.hpp"
#include "broker_link.hpp"
#include "analytics/service/chat_notifier.hpp"
#include "control_socket.hpp"
#include "dashboard_component.hpp"
#include "core/health_json.hpp"
#include "kelu/version.hpp"
#include "software_control.hpp"
#include "update_dir.hpp"
#include "source_set.hpp"
#include "config/schema.hpp"
#include "sync/aggregate_store.hpp"
#include "sync/alert_journal.hpp"
#include "sync/audit_store.hpp"
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

// A restart asked for by a change waits this long at most for HQ to have its answer.
constexpr std::chrono::seconds restart_announce_limit{5};

bool names(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

bool delivering(const core::camera_health& h) { return h.state == "online" && h.frames_read > 0; }

}  // namespace

void agent::restart(const std::string& why) {
  log_->warn("restarting: {}", why);
  restart_requested_ = true;
  // HQ hears "restarting" before the box goes: the answer was the last row written, and the next
  // start's announcement would supersede it in the outbox. Not longer than a broker that is down allows.
  const auto answer = outbox_->last_id_created_before(clock_.now_utc() + std::chrono::hours(1));
  wait_for_sent(answer, clock_.now_steady() + restart_announce_limit);
}

void agent::restart_for_new_identity() {
  log_->warn("restarting: asked for on the control socket (kelu enroll)");
  restart_requested_ = true;
  // Unlike restart(), nothing is announced: the store (and its broker) may be another one now, and
  // the sample store a box was installed as has no broker at all. A moment for the answer to leave.
  restart_timer_.expires_after(std::chrono::milliseconds(200));
  restart_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) request_stop();
  });
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
  outbox_->replace({topics_->config_reported(), 1, true, sync::health_priority}, reported.dump(), clock_.now_utc());
  link_->wake();
}

void agent::record(nlohmann::json change) {
  try {
    sync::transaction tx{*db_};
    outbox_->insert({topics_->config_changes(), 1, false, sync::health_priority}, change.dump(), clock_.now_utc());
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
    analytics_->update(std::move(rules).value(), cfg_.alerts, analytics::analytics_service_options_for(cfg_));
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
  if (names(plan.rebuild, "mqtt")) link_->switch_to(link_options(), status_payload("offline", "reconfigured"));
  if (names(plan.rebuild, "dashboard")) {
    stop_dashboard();
    if (cfg_.dashboard.enabled) start_dashboard();
  }
}

namespace {

// The link is up, and (when `switches` is given) it connected again since then.
gate_check mqtt_check(const broker_link& link, const std::string& uri, std::optional<std::int64_t> switches) {
  return {"mqtt", [&link, uri, switches]() -> std::optional<std::string> {
            const auto s = link.stats();
            if (s.connected && (!switches || link.switches() > *switches)) return std::nullopt;
            return "not connected to " + uri + (s.last_error.empty() ? "" : ": " + s.last_error);
          }};
}

}  // namespace

gate_check agent::dashboard_check() {
  return {"dashboard", [this]() -> std::optional<std::string> {
            if (dashboard_ && dashboard_->serving()) return std::nullopt;
            return "not serving on port " + std::to_string(cfg_.dashboard.port);
          }};
}

gate_check agent::camera_check(const std::string& id) {
  const auto component = config::camera_component(id);
  return {component, [this, component]() -> std::optional<std::string> {
            const auto* src = sources_->find(component);
            if (!src) return std::optional<std::string>("removed");
            const auto cam = src->camera();
            if (cam && delivering(*cam)) return std::nullopt;
            return "no frames" + (cam && !cam->last_error.empty() ? ": " + cam->last_error : "");
          }};
}

std::vector<gate_check> agent::gate_checks(const applied_change& change) {
  std::vector<gate_check> checks;
  const auto& rebuilt = change.plan.rebuild;
  // A link that was down before the change (HQ unreachable) is not the change's fault.
  if (names(rebuilt, "mqtt") && before_.link_connected)
    checks.push_back(mqtt_check(*link_, cfg_.mqtt.uri, before_.link_switches));
  if (names(rebuilt, "dashboard") && before_.dashboard_serving && cfg_.dashboard.enabled)
    checks.push_back(dashboard_check());
  for (const auto& [id, was_delivering] : before_.camera_delivering) {
    // A camera already dark before the change (switched off at night) may stay dark.
    if (was_delivering && names(rebuilt, config::camera_component(id))) checks.push_back(camera_check(id));
  }
  return checks;
}

nlohmann::json agent::components_up() const {
  auto cameras = nlohmann::json::array();
  for (const auto* src : sources_->running())
    if (auto cam = src->camera(); cam && delivering(*cam)) cameras.push_back(cam->camera);
  return {{"mqtt", link_->stats().connected}, {"dashboard", dashboard_ && dashboard_->serving()}, {"cameras", cameras}};
}

std::vector<gate_check> agent::update_checks(const nlohmann::json& up) {
  // The sources the configuration names are up once start() returned: a till port the new version
  // cannot open stops it from starting at all, which the updater sees as no verdict.
  std::vector<gate_check> checks;
  if (flag_of(up, "mqtt", false)) checks.push_back(mqtt_check(*link_, cfg_.mqtt.uri, std::nullopt));
  if (flag_of(up, "dashboard", false) && cfg_.dashboard.enabled) checks.push_back(dashboard_check());
  if (const auto cams = up.find("cameras"); up.is_object() && cams != up.end() && cams->is_array())
    for (const auto& id : *cams)
      if (id.is_string()) checks.push_back(camera_check(id.get<std::string>()));
  return checks;
}

void agent::start_software_control() {
  software_control::hooks h;
  h.report = [this](nlohmann::json reported) {
    outbox_->replace({topics_->software_reported(), 1, true, sync::health_priority}, reported.dump(),
                     clock_.now_utc());
    link_->wake();
  };
  h.components_up = [this] { return components_up(); };
  h.checks = [this](const nlohmann::json& up) { return update_checks(up); };
  h.opening_hours = [this] { return cfg_.store.opening_hours; };
  software_ = std::make_unique<software_control>(io_.get_executor(), update_dir::beside(cfg_.storage.path),
                                                 software_control::identity{kelu::version, boot_id_}, zone_, clock_,
                                                 log_, std::move(h));
}

}  // namespace kelu
