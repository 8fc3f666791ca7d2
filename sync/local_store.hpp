// SPDX-License-Identifier: Apache-2.0
#pragma once
// The store as a command (`kelu report`, `kelu count --store-at`) opens it, beside or
// instead of the running agent: the database with its outbox, event log and run log.
// Construction throws std::runtime_error only for bugs (bad SQL); open() returns the error
// value for what a technician can fix (path, permissions, a newer schema).
#include <memory>
#include <string>

#include "core/result.hpp"
#include "database.hpp"
#include "event_store.hpp"
#include "outbox.hpp"
#include "run_log.hpp"

namespace kelu::sync {

struct local_store {
  std::unique_ptr<database> db;
  std::unique_ptr<outbox> out;
  std::unique_ptr<event_store> events;
  std::unique_ptr<run_log> runs;

  static core::result<local_store> open(const std::string& path, bool full_sync, const std::string& tenant,
                                        const std::string& store_id) {
    auto db = database::open({path, full_sync});
    if (!db) return core::error{db.error_message()};
    local_store s;
    s.db = std::move(db).value();
    s.out = std::make_unique<outbox>(*s.db);
    s.events = std::make_unique<event_store>(*s.db, *s.out, topics(tenant, store_id));
    s.runs = std::make_unique<run_log>(*s.db);
    return s;
  }
};

}  // namespace kelu::sync
