// SPDX-License-Identifier: Apache-2.0
#include "enrol_codes.hpp"

#include <sqlite3.h>

#include <stdexcept>

#include "enrol_code.hpp"
#include "sync/database.hpp"

namespace kelu::hq {

namespace {

constexpr const char* schema = R"(
CREATE TABLE IF NOT EXISTS enrol_code (
  digest TEXT PRIMARY KEY,      -- SHA-256 of the canonical code
  tenant TEXT NOT NULL,
  store TEXT NOT NULL,
  settings TEXT NOT NULL,       -- JSON object: key path -> value
  issued_at INTEGER NOT NULL,   -- unix ms
  expires_at INTEGER NOT NULL,
  used_at INTEGER,
  used_by TEXT,                 -- the box's address as the server saw it
  key_id TEXT,                  -- SHA-256 of the public key it was used for
  certificate TEXT,             -- PEM, once signed
  revoked_at INTEGER            -- when a later enrolment of the store had it revoked
);
PRAGMA user_version = 1;
)";

}  // namespace

const char* to_string(redeem_outcome o) {
  switch (o) {
    case redeem_outcome::granted: return "granted";
    case redeem_outcome::repeated: return "repeated";
    case redeem_outcome::unknown: return "unknown";
    case redeem_outcome::used: return "used";
    case redeem_outcome::expired: return "expired";
  }
  return "?";
}

core::result<std::unique_ptr<enrol_codes>> enrol_codes::open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return core::error{path + ": cannot open the enrolment codes: " + why};
  }
  sqlite3_busy_timeout(db, 5000);
  std::unique_ptr<enrol_codes> codes(new enrol_codes(db, path));
  char* message = nullptr;
  const int rc = sqlite3_exec(db, "PRAGMA journal_mode = WAL;", nullptr, nullptr, &message);
  const int rc2 = rc == SQLITE_OK ? sqlite3_exec(db, schema, nullptr, nullptr, &message) : rc;
  if (rc2 != SQLITE_OK) {
    std::string why = message ? message : "unknown";
    sqlite3_free(message);
    return core::error{path + ": not an enrolment codes file: " + why};
  }
  return codes;
}

enrol_codes::~enrol_codes() { sqlite3_close(db_); }

core::error enrol_codes::failure(const std::string& what, const std::exception& e) const {
  return core::error{path_ + ": " + what + ": " + e.what()};
}

core::result<issued_code> enrol_codes::issue(const enrol_grant& grant, std::chrono::seconds valid_for,
                                             core::utc_time now) {
  try {
    issued_code issued{new_enrol_code(), now + valid_for};
    sync::statement insert(db_,
                           "INSERT INTO enrol_code (digest, tenant, store, settings, issued_at, expires_at) "
                           "VALUES (?, ?, ?, ?, ?, ?)");
    insert.bind(1, enrol_code_digest(issued.code))
        .bind(2, grant.tenant)
        .bind(3, grant.store)
        .bind(4, grant.settings.dump())
        .bind(5, core::to_unix_ms(now))
        .bind(6, core::to_unix_ms(issued.expires_at));
    insert.step();
    return issued;
  } catch (const std::exception& e) {
    return failure("cannot issue a code", e);
  }
}

core::result<redeemed> enrol_codes::redeem(std::string_view typed, const std::string& key_id, core::utc_time now,
                                           const std::string& peer) {
  const auto code = normalise_enrol_code(typed);
  if (!code) return redeemed{};
  const auto digest = enrol_code_digest(*code);
  try {
    sync::statement mark(db_,
                         "UPDATE enrol_code SET used_at = ?, used_by = ?, key_id = ? "
                         "WHERE digest = ? AND used_at IS NULL AND expires_at > ?");
    mark.bind(1, core::to_unix_ms(now)).bind(2, peer).bind(3, key_id).bind(4, digest).bind(5, core::to_unix_ms(now));
    mark.step();
    const bool won = sqlite3_changes(db_) == 1;
    sync::statement read(
        db_, "SELECT tenant, store, settings, expires_at, used_at, key_id, certificate FROM enrol_code WHERE digest = ?");
    read.bind(1, digest);
    if (!read.step()) return redeemed{};
    redeemed r;
    const bool repeat = !won && !read.column_is_null(6) && read.column_text(5) == key_id &&
                        read.column_int(3) > core::to_unix_ms(now);
    if (won || repeat) {
      r.outcome = won ? redeem_outcome::granted : redeem_outcome::repeated;
      r.grant = {read.column_text(0), read.column_text(1), nlohmann::json::parse(read.column_text(2))};
      r.certificate = read.column_text(6);
    } else if (!read.column_is_null(4)) {
      r.outcome = redeem_outcome::used;
      r.used_at = core::from_unix_ms(read.column_int(4));
    } else {
      r.outcome = redeem_outcome::expired;
    }
    return r;
  } catch (const std::exception& e) {
    return failure("cannot redeem a code", e);
  }
}

core::status enrol_codes::release(std::string_view typed) {
  const auto code = normalise_enrol_code(typed);
  if (!code) return core::ok();
  try {
    sync::statement s(db_, "UPDATE enrol_code SET used_at = NULL, used_by = NULL, key_id = NULL WHERE digest = ?");
    s.bind(1, enrol_code_digest(*code));
    s.step();
    return core::ok();
  } catch (const std::exception& e) {
    return failure("cannot release a code", e);
  }
}

core::status enrol_codes::record_certificate(std::string_view typed, const std::string& certificate_pem) {
  const auto code = normalise_enrol_code(typed);
  if (!code) return core::ok();
  try {
    sync::statement s(db_, "UPDATE enrol_code SET certificate = ? WHERE digest = ?");
    s.bind(1, certificate_pem).bind(2, enrol_code_digest(*code));
    s.step();
    return core::ok();
  } catch (const std::exception& e) {
    return failure("cannot record a certificate", e);
  }
}

core::result<std::vector<superseded_certificate>> enrol_codes::superseded(const std::string& tenant,
                                                                         const std::string& store,
                                                                         std::string_view typed) {
  const auto code = normalise_enrol_code(typed);
  try {
    sync::statement s(db_,
                      "SELECT digest, certificate, used_at FROM enrol_code WHERE tenant = ? AND store = ? "
                      "AND certificate IS NOT NULL AND revoked_at IS NULL AND digest <> ? ORDER BY used_at");
    s.bind(1, tenant).bind(2, store).bind(3, code ? enrol_code_digest(*code) : std::string{});
    std::vector<superseded_certificate> out;
    while (s.step()) out.push_back({s.column_text(0), s.column_text(1), core::from_unix_ms(s.column_int(2))});
    return out;
  } catch (const std::exception& e) {
    return failure("cannot read earlier certificates", e);
  }
}

core::status enrol_codes::mark_revoked(const std::string& digest, core::utc_time now) {
  try {
    sync::statement s(db_, "UPDATE enrol_code SET revoked_at = ? WHERE digest = ?");
    s.bind(1, core::to_unix_ms(now)).bind(2, digest);
    s.step();
    return core::ok();
  } catch (const std::exception& e) {
    return failure("cannot mark a certificate revoked", e);
  }
}

core::result<std::vector<code_record>> enrol_codes::list(const std::string& tenant) {
  try {
    sync::statement s(db_,
                      "SELECT tenant, store, issued_at, expires_at, used_at, used_by FROM enrol_code "
                      "WHERE ?1 = '' OR tenant = ?1 ORDER BY issued_at DESC");
    s.bind(1, tenant);
    std::vector<code_record> out;
    while (s.step()) {
      code_record r;
      r.tenant = s.column_text(0);
      r.store = s.column_text(1);
      r.issued_at = core::from_unix_ms(s.column_int(2));
      r.expires_at = core::from_unix_ms(s.column_int(3));
      r.used = !s.column_is_null(4);
      if (r.used) r.used_at = core::from_unix_ms(s.column_int(4));
      r.used_by = s.column_text(5);
      out.push_back(std::move(r));
    }
    return out;
  } catch (const std::exception& e) {
    return failure("cannot list the codes", e);
  }
}

}  // namespace kelu::hq
