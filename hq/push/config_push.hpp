// SPDX-License-Identifier: Apache-2.0
#pragma once
// `kelu-hq config push`: HQ's desired configuration to a set of stores, staged (rollout.hpp), over
// the broker, with the answers kept in PostgreSQL (config_pushes, config_push_stores).
//
// The stores: a region's (by the assignment in force today), a tag's, or a list, all from the
// master data. The document: whole (the keys HQ sets, as config/desired's `config`), or an RFC
// 7386 merge patch applied by HQ to each store's current desired document (read from its
// retained config/desired): the box refuses a patch whose base it does not run, and HQ knows each
// store's base, so every store is sent a whole document. The version is one above the highest any
// of the stores has seen (its retained config/desired and config/reported, and HQ's own record),
// because a box ignores a version it has seen.
//
// Blocking, bounded by the rollout's deadlines; the consumer is the caller's, connected with a
// clean session to the tenant's config/desired, config/reported and status.
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.hpp"
#include "hq/db/pg_connection.hpp"
#include "hq/sink/mqtt_consumer.hpp"
#include "rollout.hpp"

namespace spdlog {
class logger;
}

namespace kelu::hq {

struct push_request {
  std::string tenant;
  std::string region;               // one of region, tag, stores
  std::string tag;
  std::vector<std::string> stores;
  nlohmann::json document;          // the config object, or the patch
  bool patch = false;
  double canary_share = 0.1;        // of the stores, rounded up
  std::size_t canary_min = 1;
  std::chrono::seconds soak{60};
  std::chrono::seconds deadline{900};
};

struct push_result {
  std::int64_t push_id = 0;
  std::int64_t version = 0;
  bool halted = false;
  std::string halt_reason;
  std::vector<store_outcome> stores;
  bool all_applied() const;
};

// The consumer filters for a push to `tenant`.
std::vector<std::string> push_filters(const std::string& tenant);

core::result<push_result> run_config_push(pg_connection& db, mqtt_consumer& mqtt, const push_request& request,
                                          spdlog::logger& log);

// The table the command prints: a line per store, then the counts.
std::string push_table(const push_result& r);

}  // namespace kelu::hq
