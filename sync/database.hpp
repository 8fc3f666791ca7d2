#pragma once
// A SQLite connection in WAL mode with schema migrations keyed by PRAGMA user_version.
// Owned by the io_context thread: SQLite's own locking is not relied upon.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "agent/core/result.hpp"

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

  static constexpr int current_schema_version = 6;

 private:
  explicit database(sqlite3* db) : db_(db) {}
  void migrate();
  sqlite3* db_;
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
