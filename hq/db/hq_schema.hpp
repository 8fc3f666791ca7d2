// SPDX-License-Identifier: Apache-2.0
#pragma once
// HQ's PostgreSQL schema (docs/hq.md, "The database"), applied by numbered migrations: each in its
// own transaction under an advisory lock, so several sink members starting at once migrate once.
// A database migrated by a newer release (a version above what this one knows) is refused, not
// written to.
//
// Every table leads with (tenant, store), so an estate that outgrows one server distributes them
// by store (Citus: distribution column store) without a schema change. Events are partitioned by
// the day they happened (declarative range partitions, one per UTC day, made as days arrive);
// retention drops whole partitions.
#include <chrono>

#include "core/result.hpp"
#include "pg_connection.hpp"

namespace kelu::hq {

// The schema version this release writes.
int hq_schema_version();
core::status migrate_hq_schema(pg_connection& db);

// Makes the events partition of `day` (UTC) if it is missing; safe against another member making it
// at the same moment.
core::status ensure_event_partition(pg_connection& db, std::chrono::sys_days day);
// Drops the events partitions of days before `first_kept`; returns how many went.
core::result<int> drop_event_partitions_before(pg_connection& db, std::chrono::sys_days first_kept);

}  // namespace kelu::hq
