// SPDX-License-Identifier: Apache-2.0
// The agent's reports of itself: status (the birth message), health to HQ, the control
// socket's status answer, and the maintenance tick (retention, stopped components reaped).
#include "agent.hpp"
#include "agent_options.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include <algorithm>
#include <filesystem>

#include "analytics/service/analytics_service.hpp"
#include "audit_service.hpp"
#include "sync/box_certificate.hpp"
#include "broker_link.hpp"
#include "analytics/service/chat_notifier.hpp"
#include "control_socket.hpp"
#include "dashboard_component.hpp"
#include "core/health_json.hpp"
#include "kelu/version.hpp"
#include "software_control.hpp"
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

constexpr std::chrono::seconds maintenance_interval{10};

}  // namespace

std::string agent::status_payload(const std::string& state, const std::string& reason) const {
  nlohmann::json j{{"state", state},
                   {"version", kelu::version},
                   {"schema_version", sync::database::current_schema_version},
                   {"config_hash", config::hash(cfg_)},
                   {"boot_id", boot_id_},
                   {"tenant", cfg_.store.tenant},
                   {"store", cfg_.store.id},
                   {"started_at", core::format_iso8601(started_at_)}};
  // The database's epoch: a new one for a store HQ knows is a replaced box (docs/mqtt.md, "Identity").
  const auto& id = db_->identity();
  j["epoch"] = id.epoch;
  j["epoch_created_at"] = core::format_iso8601(id.created_at);
  j["epoch_origin"] = id.origin;
  // The identity HQ's broker knows the box by, and when it ends (docs/hq.md, "Box identities").
  if (!cfg_.mqtt.tls.cert_file.empty()) {
    if (auto cert = sync::read_box_certificate(cfg_.mqtt.tls.cert_file))
      j["certificate"] = {{"cn", cert->common_name}, {"expires_at", core::format_iso8601(cert->not_after)}};
  }
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

nlohmann::json agent::status_report() const {
  nlohmann::json components = nlohmann::json::array();
  for (const auto& name : sources_->components()) components.push_back(name);
  components.push_back("mqtt");
  if (dashboard_) components.push_back("dashboard");
  return {{"ok", true},
          {"version", kelu::version},
          {"store", cfg_.store.tenant + "/" + cfg_.store.id},
          {"boot_id", boot_id_},  // new at every start: kelu enroll waits for the one after its restart
          {"epoch", db_->identity().epoch},
          {"epoch_created_at", core::format_iso8601(db_->identity().created_at)},
          {"config_hash", config::hash(cfg_)},
          {"desired_version", control_->desired().applied_version},
          {"changing", control_->changing()},
          {"software", software_->reported()},  // as on software/reported
          {"components", std::move(components)},
          {"broker", broker_state()},
          {"dashboard_port", dashboard_ ? dashboard_->port() : 0},
          {"health", core::to_json(health_snapshot())}};
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
  h.clock = clock_watch_.seen();
  return h;
}

void agent::watch_the_clock() {
  const auto step = clock_watch_.observe(clock_.now_utc(), clock_.now_steady());
  if (!step) return;
  // Nothing is dropped or re-timed: events keep the time their source gave (a sale its till's) and
  // the time they were received; HQ is told at once, so it can weigh the timestamps around the step.
  log_->warn("clock: the wall clock was stepped {:+} s (now {}); timestamps just before it may be off by that much",
             std::chrono::duration_cast<std::chrono::seconds>(*step).count(), core::format_iso8601(clock_.now_utc()));
  report_health();
}

void agent::report_health() {
  const auto now = clock_.now_utc();
  std::vector<core::event> batch;
  batch.push_back(core::make_event({cfg_.store.id, "agent", "health", now, now}, health_snapshot()));
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
  watch_the_clock();
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
