// SPDX-License-Identifier: Apache-2.0
#include "pg_connection.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <utility>

namespace kelu::hq {

namespace {

std::string first_words(std::string_view sql) {
  const auto start = sql.find_first_not_of(" \n\t");
  if (start == std::string_view::npos) return {};
  sql = sql.substr(start);
  auto end = sql.find_first_of("\n(");
  if (end == std::string_view::npos || end > 60) end = std::min<std::size_t>(sql.size(), 60);
  return std::string(sql.substr(0, end));
}

std::string trimmed(const char* message) {
  std::string m = message ? message : "";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

}  // namespace

pg_rows::pg_rows(::pg_result* r) : r_(r) {}
pg_rows::pg_rows(pg_rows&& o) noexcept : r_(std::exchange(o.r_, nullptr)) {}
pg_rows& pg_rows::operator=(pg_rows&& o) noexcept {
  if (this != &o) {
    if (r_) PQclear(r_);
    r_ = std::exchange(o.r_, nullptr);
  }
  return *this;
}
pg_rows::~pg_rows() {
  if (r_) PQclear(r_);
}

int pg_rows::size() const { return r_ ? PQntuples(r_) : 0; }
int pg_rows::columns() const { return r_ ? PQnfields(r_) : 0; }
bool pg_rows::null(int row, int column) const { return PQgetisnull(r_, row, column) != 0; }
std::string_view pg_rows::text(int row, int column) const {
  return {PQgetvalue(r_, row, column), static_cast<std::size_t>(PQgetlength(r_, row, column))};
}
std::int64_t pg_rows::integer(int row, int column) const {
  const auto t = text(row, column);
  std::int64_t v = 0;
  std::from_chars(t.data(), t.data() + t.size(), v);
  return v;
}

core::result<pg_connection> pg_connection::open(const std::string& conninfo, std::chrono::seconds timeout) {
  // Keys after dbname (which libpq expands from `conninfo`) override what conninfo says, so the
  // deadlines are always ours: connect_timeout, and statement_timeout for every statement.
  const std::string seconds = std::to_string(std::max<std::int64_t>(1, timeout.count()));
  const std::string options = "-c statement_timeout=" + seconds + "s";
  const char* keys[] = {"dbname", "connect_timeout", "options", "application_name", nullptr};
  const char* values[] = {conninfo.c_str(), seconds.c_str(), options.c_str(), "kelu-hq", nullptr};
  ::pg_conn* c = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (!c) return core::error{"postgresql: out of memory"};
  if (PQstatus(c) != CONNECTION_OK) {
    std::string why = trimmed(PQerrorMessage(c));
    PQfinish(c);
    return core::error{"postgresql: cannot connect: " + why};
  }
  // Notices ("relation already exists, skipping") are expected answers, not news for stderr.
  PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);
  return pg_connection{c};
}

pg_connection::pg_connection(pg_connection&& o) noexcept : c_(std::exchange(o.c_, nullptr)) {}
pg_connection& pg_connection::operator=(pg_connection&& o) noexcept {
  if (this != &o) {
    if (c_) PQfinish(c_);
    c_ = std::exchange(o.c_, nullptr);
  }
  return *this;
}
pg_connection::~pg_connection() {
  if (c_) PQfinish(c_);
}

std::string pg_text_array(const std::vector<std::string>& values) {
  std::string out = "{";
  for (const auto& v : values) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (const char c : v) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

void copy_field(std::string& row, std::string_view value) {
  for (const char c : value) {
    switch (c) {
      case '\\': row += "\\\\"; break;
      case '\t': row += "\\t"; break;
      case '\n': row += "\\n"; break;
      case '\r': row += "\\r"; break;
      default: row += c;
    }
  }
}

core::error pg_failure(const pg_error& e) { return core::error{"postgresql: " + e.message}; }

bool pg_connection::alive() const { return c_ && PQstatus(c_) == CONNECTION_OK; }

std::optional<pg_error> pg_connection::failure(::pg_result* r, std::string_view sql) const {
  const auto st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return std::nullopt;
  pg_error e;
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  e.sqlstate = state ? state : "";
  e.message = first_words(sql) + ": " + trimmed(r ? PQresultErrorMessage(r) : PQerrorMessage(c_));
  if (e.message.ends_with(": ")) e.message += trimmed(PQerrorMessage(c_));
  e.lost = PQstatus(c_) != CONNECTION_OK || e.sqlstate.starts_with("08") || e.sqlstate == "57P01";
  return e;
}

std::variant<pg_rows, pg_error> pg_connection::run(std::string_view sql,
                                                   const std::vector<std::optional<std::string>>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  const std::string text(sql);
  ::pg_result* r = PQexecParams(c_, text.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                                nullptr, 0);
  if (auto e = failure(r, sql)) {
    if (r) PQclear(r);
    return *e;
  }
  return pg_rows{r};
}

std::optional<pg_error> pg_connection::copy_in(std::string_view copy_sql, std::string_view rows) {
  const std::string text(copy_sql);
  ::pg_result* r = PQexec(c_, text.c_str());
  if (!r || PQresultStatus(r) != PGRES_COPY_IN) {
    auto e = failure(r, copy_sql);
    if (r) PQclear(r);
    return e ? e : pg_error{first_words(copy_sql) + ": not a COPY FROM STDIN", "", false};
  }
  PQclear(r);
  const bool sent = PQputCopyData(c_, rows.data(), static_cast<int>(rows.size())) == 1;
  if (PQputCopyEnd(c_, sent ? nullptr : "the rows could not be sent") != 1)
    return pg_error{first_words(copy_sql) + ": " + trimmed(PQerrorMessage(c_)), "", !alive()};
  std::optional<pg_error> e;
  while (::pg_result* done = PQgetResult(c_)) {
    if (!e) e = failure(done, copy_sql);
    PQclear(done);
  }
  return e;
}

std::optional<pg_error> pg_connection::exec(std::string_view sql) {
  const std::string text(sql);
  ::pg_result* r = PQexec(c_, text.c_str());
  auto e = failure(r, sql);
  if (r) PQclear(r);
  return e;
}

}  // namespace kelu::hq
