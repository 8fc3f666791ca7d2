// SPDX-License-Identifier: Apache-2.0
#include "config_push.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace kelu::hq {

namespace {

using nlohmann::json;
using params = std::vector<std::optional<std::string>>;

constexpr std::size_t max_desired_bytes = 256 * 1024;  // what a box takes on config/desired

// What the broker holds for a store: its retained config/desired, config/reported and status.
struct store_view {
  std::int64_t desired_version = 0;
  json desired_config = json::object();
  std::int64_t seen_version = 0;  // the highest version its answers name
  json status;                    // its retained status: online or not
};

// kelu/v1/{tenant}/{store}/{what...}: the store and what, or empty.
std::pair<std::string, std::string> split_topic(const std::string& topic, const std::string& tenant) {
  const std::string prefix = "kelu/v1/" + tenant + "/";
  if (!topic.starts_with(prefix)) return {};
  const auto rest = topic.substr(prefix.size());
  const auto slash = rest.find('/');
  if (slash == std::string::npos) return {};
  return {rest.substr(0, slash), rest.substr(slash + 1)};
}

core::result<std::vector<std::string>> resolve_stores(pg_connection& db, const push_request& r) {
  std::variant<pg_rows, pg_error> rows = pg_error{};
  if (!r.region.empty())
    rows = db.run("SELECT store FROM stores s WHERE tenant = $1 AND (SELECT region FROM store_regions g WHERE g.tenant = "
                  "s.tenant AND g.store = s.store AND g.valid_from <= current_date ORDER BY g.valid_from DESC LIMIT 1) "
                  "= $2 ORDER BY store",
                  {r.tenant, r.region});
  else if (!r.tag.empty())
    rows = db.run("SELECT store FROM stores WHERE tenant = $1 AND $2 = ANY(tags) ORDER BY store", {r.tenant, r.tag});
  else
    rows = db.run("SELECT store FROM stores WHERE tenant = $1 ORDER BY store", {r.tenant});
  if (auto* e = std::get_if<pg_error>(&rows)) return pg_failure(*e);
  const auto& found = std::get<pg_rows>(rows);
  std::vector<std::string> stores;
  for (int i = 0; i < found.size(); ++i) stores.emplace_back(found.text(i, 0));
  if (!r.stores.empty()) {
    for (const auto& s : r.stores)
      if (std::find(stores.begin(), stores.end(), s) == stores.end())
        return core::error{"store " + s + " is not in tenant " + r.tenant + "'s master data (kelu-hq import stores)"};
    stores = r.stores;
  }
  if (stores.empty())
    return core::error{"no store of tenant " + r.tenant + " is " +
                       (!r.region.empty() ? "in region " + r.region : "tagged " + r.tag)};
  return stores;
}

// Reads what the broker retains for the tenant's stores: it comes right after the subscription;
// a second without more is taken as the end of it.
core::result<std::map<std::string, store_view>> read_retained(mqtt_consumer& mqtt, const std::string& tenant) {
  std::map<std::string, store_view> views;
  for (;;) {
    auto got = mqtt.receive(std::chrono::milliseconds(1000), 1000);
    if (!got) return core::error{got.error_message()};
    if (got->empty()) return views;
    for (const auto& m : *got) {
      const auto [store, what] = split_topic(m.topic, tenant);
      const auto j = json::parse(m.payload, nullptr, false);
      if (store.empty() || !j.is_object()) continue;
      auto& v = views[store];
      if (what == "config/desired") {
        v.desired_version = store_integer(j, "version");
        if (j.contains("config") && j["config"].is_object()) v.desired_config = j["config"];
      } else if (what == "status") {
        v.status = j;
      } else if (what == "config/reported") {
        v.seen_version = std::max({v.seen_version, store_integer(j, "version"), store_integer(j, "applied_version")});
      }
    }
    if (auto st = mqtt.acknowledge(*got); !st) return core::error{st.error_message()};
  }
}

core::result<std::int64_t> next_version(pg_connection& db, const push_request& r, const std::vector<std::string>& stores,
                                        const std::map<std::string, store_view>& views) {
  std::int64_t top = 0;
  for (const auto& s : stores)
    if (const auto it = views.find(s); it != views.end())
      top = std::max({top, it->second.desired_version, it->second.seen_version});
  auto rows = db.run("SELECT coalesce(max(p.version), 0) FROM config_pushes p JOIN config_push_stores s USING (push_id) "
                     "WHERE s.tenant = $1 AND s.store = ANY($2::text[]) AND s.sent_at IS NOT NULL",
                     {r.tenant, pg_text_array(stores)});
  if (auto* e = std::get_if<pg_error>(&rows)) return pg_failure(*e);
  return std::max(top, std::get<pg_rows>(rows).integer(0, 0)) + 1;
}

// config_pushes and a config_push_stores row per store; the push's id.
core::result<std::int64_t> record_start(pg_connection& db, const push_request& r, std::int64_t version,
                                        const rollout& plan) {
  const auto selector = !r.region.empty() ? "region " + r.region
                        : !r.tag.empty()  ? "tag " + r.tag
                                          : "stores " + std::to_string(r.stores.size());
  auto row = db.run("INSERT INTO config_pushes (tenant, version, selector, kind, document) VALUES ($1, $2, $3, $4, "
                    "$5::jsonb) RETURNING push_id",
                    {r.tenant, std::to_string(version), selector, r.patch ? "patch" : "config", r.document.dump()});
  if (auto* e = std::get_if<pg_error>(&row)) return pg_failure(*e);
  const auto id = std::get<pg_rows>(row).integer(0, 0);
  for (const auto& o : plan.outcomes()) {
    auto s = db.run("INSERT INTO config_push_stores (push_id, tenant, store, canary, state) VALUES ($1, $2, $3, $4, $5)",
                    {std::to_string(id), r.tenant, o.store, o.canary ? "t" : "f", o.state});
    if (auto* e = std::get_if<pg_error>(&s)) return pg_failure(*e);
  }
  return id;
}

core::status record_end(pg_connection& db, std::int64_t id, const rollout& plan) {
  for (const auto& o : plan.outcomes()) {
    auto s = db.run("UPDATE config_push_stores SET state = $3, detail = $4, answered_at = CASE WHEN $3 IN "
                    "('applied', 'rolled_back', 'rejected', 'offline') THEN now() END WHERE push_id = $1 AND store = $2",
                    {std::to_string(id), o.store, o.state, o.detail});
    if (auto* e = std::get_if<pg_error>(&s)) return pg_failure(*e);
  }
  auto p = db.run("UPDATE config_pushes SET finished_at = now(), outcome = $2 WHERE push_id = $1",
                  {std::to_string(id), plan.halted() ? "halted: " + plan.halt_reason() : "done"});
  if (auto* e = std::get_if<pg_error>(&p)) return pg_failure(*e);
  return core::ok();
}

// Publishes the desired document to the stores the rollout releases now, retained.
core::status send_to(pg_connection& db, mqtt_consumer& mqtt, const push_request& r, std::int64_t id,
                     std::int64_t version, const std::vector<std::string>& stores,
                     const std::map<std::string, store_view>& views, spdlog::logger& log) {
  for (const auto& s : stores) {
    json config = r.document;
    if (r.patch) {
      const auto it = views.find(s);
      config = it == views.end() ? json::object() : it->second.desired_config;
      config.merge_patch(r.document);
    }
    const auto desired = json{{"version", version}, {"config", config}}.dump();
    if (desired.size() > max_desired_bytes)
      return core::error{s + ": the desired document is " + std::to_string(desired.size()) + " bytes, over the " +
                         std::to_string(max_desired_bytes) + " a box takes"};
    if (auto st = mqtt.publish_confirmed("kelu/v1/" + r.tenant + "/" + s + "/config/desired", desired, true); !st)
      return st;
    auto u = db.run("UPDATE config_push_stores SET state = 'sent', desired = $3::jsonb, sent_at = now() WHERE push_id = $1 "
                    "AND store = $2",
                    {std::to_string(id), s, desired});
    if (auto* e = std::get_if<pg_error>(&u)) return pg_failure(*e);
    log.info("config push {}: version {} sent to {}", id, version, s);
  }
  return core::ok();
}

}  // namespace

std::vector<std::string> push_filters(const std::string& tenant) {
  const std::string root = "kelu/v1/" + tenant + "/+/";
  return {root + "config/desired", root + "config/reported", root + "status"};
}

bool push_result::all_applied() const {
  return std::all_of(stores.begin(), stores.end(), [](const store_outcome& o) { return o.state == "applied"; });
}

core::result<push_result> run_config_push(pg_connection& db, mqtt_consumer& mqtt, const push_request& r,
                                          spdlog::logger& log) {
  auto stores = resolve_stores(db, r);
  if (!stores) return core::error{stores.error_message()};
  auto views = read_retained(mqtt, r.tenant);
  if (!views) return core::error{views.error_message()};
  auto version = next_version(db, r, *stores, *views);
  if (!version) return core::error{version.error_message()};
  const auto canary_count = std::max<std::size_t>(
      r.canary_min, static_cast<std::size_t>(std::ceil(r.canary_share * static_cast<double>(stores->size()))));
  // Canaries only make sense with stores left to hold back.
  const auto canaries = canary_count < stores->size() ? pick_canaries(*stores, canary_count, *version)
                                                      : std::vector<std::string>{};
  rollout plan(*stores, canaries, {*version, r.soak, r.deadline});
  for (const auto& [store, v] : *views) plan.on_status(store, v.status, steady::now());
  auto id = record_start(db, r, *version, plan);
  if (!id) return core::error{id.error_message()};
  for (bool done = false; !done;) {
    const auto now = steady::now();
    if (auto st = send_to(db, mqtt, r, *id, *version, plan.publish_now(now), *views, log); !st)
      return core::error{st.error_message()};
    auto got = mqtt.receive(std::chrono::milliseconds(500), 1000);
    if (!got) return core::error{got.error_message()};
    for (const auto& m : *got) {
      const auto [store, what] = split_topic(m.topic, r.tenant);
      const auto j = json::parse(m.payload, nullptr, false);
      if (what == "config/reported") plan.on_reported(store, j, steady::now());
      if (what == "status") plan.on_status(store, j, steady::now());
    }
    if (auto st = mqtt.acknowledge(*got); !st) return core::error{st.error_message()};
    done = plan.settle(steady::now());
  }
  if (auto st = record_end(db, *id, plan); !st) return core::error{st.error_message()};
  return push_result{*id, *version, plan.halted(), plan.halt_reason(), plan.outcomes()};
}

std::string push_table(const push_result& r) {
  std::string out = "push " + std::to_string(r.push_id) + ", version " + std::to_string(r.version) + "\n";
  std::map<std::string, int> counts;
  for (const auto& o : r.stores) {
    out += "  " + o.store + (o.canary ? "  canary  " : "  -       ") + o.state + (o.detail.empty() ? "" : ": " + o.detail) + "\n";
    ++counts[o.state];
  }
  std::string summary;
  for (const auto& [state, n] : counts) summary += (summary.empty() ? "" : ", ") + std::to_string(n) + " " + state;
  out += summary + "\n";
  if (r.halted) out += "halted: " + r.halt_reason + "; the other stores were not sent it\n";
  return out;
}

}  // namespace kelu::hq
