// SPDX-License-Identifier: Apache-2.0
#pragma once
// A SQLite connection in WAL mode with schema migrations keyed by PRAGMA user_version.
// Owned by the io_context thread: SQLite's own locking is not relied upon.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/time.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace kelu::sync {

class statement {
 public:
  statement(sqlite3* db, std::string_view sql);  // throws std::runtime_error on bad SQL (a bug, not input)
  ~statement();
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;

  statement& bind(int index, std::int64_t v);
  statement& bind(int index, std::string_view v);
  statement& bind_blob(int index, std::string_view v);
  statement& bind_null(int index);
  // True while a row is available; false when done. Throws on error.
  bool step();
  void reset();
  std::int64_t column_int(int index) const;
  std::string column_text(int index) const;
  bool column_is_null(int index) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

struct database_options {
  std::string path;
  bool synchronous_full = true;
  // Migrate no further than this: tests build a database as an older agent left it.
  int schema_version = 0;  // 0: the current one
};

// Which series of events this database is at HQ. Made once, in the transaction that creates the
// database (or, for a database from before epochs, that migrates it), and never changed: a box
// reinstalled or replaced starts an empty database and so a new epoch, and HQ keeps its events
// apart from the old box's instead of dropping them as duplicates of the same (source, seq).
struct database_identity {
  std::string epoch;  // 16 lowercase hex digits, random
  core::utc_time created_at{};
  // "created": the database was empty; "upgraded": it held events sent without an epoch, which
  // HQ counts as this epoch's (stored as they were; a replay stamps the epoch into what it resends).
  std::string origin;
};

class database {
 public:
  // Opens (creating if needed) and migrates to the current schema version.
  static core::result<std::unique_ptr<database>> open(const database_options& options);
  ~database();
  database(const database&) = delete;
  database& operator=(const database&) = delete;

  void exec(std::string_view sql);  // throws std::runtime_error
  sqlite3* handle() { return db_; }
  int schema_version();
  std::int64_t changes();  // rows changed by the last statement
  // Empty only in a database opened below the schema version that brought epochs.
  const database_identity& identity() const { return identity_; }

  static constexpr int current_schema_version = 8;
  static constexpr int epoch_schema_version = 7;

 private:
  explicit database(sqlite3* db) : db_(db) {}
  void migrate(int target);
  void give_identity(bool created);
  void load_identity();
  sqlite3* db_;
  database_identity identity_;
};

// RAII transaction: rolls back unless commit() was called. BEGIN IMMEDIATE takes the write
// lock at once, so a failure shows at the start and not half-way.
class transaction {
 public:
  explicit transaction(database& db);
  ~transaction();
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;
  void commit();

 private:
  database& db_;
  bool done_ = false;
};

}  // namespace kelu::sync
