// SPDX-License-Identifier: Apache-2.0
#pragma once
// One libpq connection to HQ's PostgreSQL, with a deadline on everything: connect_timeout for the
// connection, statement_timeout for every statement it runs. Parameters go as text
// ($1, $2, ...), never spliced into SQL.
//
// Errors name the statement's first words and carry PostgreSQL's SQLSTATE, so a caller tells a
// constraint it expected (a duplicate) from a broken server. A lost connection (SQLSTATE class 08,
// or libpq's own "no connection") is `lost`: the owner reconnects and retries the transaction.
//
// Not thread-safe: one connection per thread that uses it.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.hpp"

struct pg_conn;
struct pg_result;

namespace kelu::hq {

struct pg_error {
  std::string message{};
  std::string sqlstate{};  // "23505", "08006"; empty when libpq itself failed
  bool lost = false;     // the connection is gone: reconnect, then retry
};

// The rows of one statement; column values as text, as PostgreSQL sends them.
class pg_rows {
 public:
  explicit pg_rows(::pg_result* r);
  pg_rows(pg_rows&&) noexcept;
  pg_rows& operator=(pg_rows&&) noexcept;
  ~pg_rows();

  int size() const;
  int columns() const;
  bool null(int row, int column) const;
  std::string_view text(int row, int column) const;  // "" for NULL
  std::int64_t integer(int row, int column) const;   // 0 for NULL or not a number

 private:
  ::pg_result* r_;
};

// A PostgreSQL array literal of text values, every element quoted ({"a","b\"c"}): the way a list
// goes as one parameter ($1::text[]), never spliced into SQL.
std::string pg_text_array(const std::vector<std::string>& values);
// Appends `value` to a COPY text-format row: backslash, tab, newline and carriage return escaped.
void copy_field(std::string& row, std::string_view value);
// The error an HQ command reports for a failed statement: "postgresql: " and what failed.
core::error pg_failure(const pg_error& e);

class pg_connection {
 public:
  // `conninfo`: libpq's "host=... port=... dbname=... user=..." or a postgresql:// URI.
  // `timeout` bounds the connection (connect_timeout) and each statement (statement_timeout).
  static core::result<pg_connection> open(const std::string& conninfo, std::chrono::seconds timeout);
  pg_connection(pg_connection&&) noexcept;
  pg_connection& operator=(pg_connection&&) noexcept;
  ~pg_connection();

  // Runs one statement with text parameters (std::nullopt: NULL). Rows for a query, none else.
  std::variant<pg_rows, pg_error> run(std::string_view sql,
                                      const std::vector<std::optional<std::string>>& params = {});
  // One or more statements without parameters (DDL, BEGIN/COMMIT).
  std::optional<pg_error> exec(std::string_view sql);
  // `COPY ... FROM STDIN` with `rows` in COPY's text format (copy_field() escapes a value): the
  // fastest way rows go in. Bounded by the statement timeout like any statement.
  std::optional<pg_error> copy_in(std::string_view copy_sql, std::string_view rows);
  bool alive() const;

 private:
  explicit pg_connection(::pg_conn* c) : c_(c) {}
  std::optional<pg_error> failure(::pg_result* r, std::string_view sql) const;
  ::pg_conn* c_ = nullptr;
};

}  // namespace kelu::hq
