// SPDX-License-Identifier: Apache-2.0
#pragma once
// HQ's one-time enrolment codes (docs/hq.md, "Enrolling a box"), in a SQLite file of their own that
// `kelu hq enroll-code` writes and `kelu hq enroll-server` reads: each code names a store, the
// settings the box is to run with, an expiry, and once used, when, by which address, and the
// certificate it got. Only the code's digest is stored (enrol_code.hpp).
//
// Several processes may open the file (WAL; a writer waits up to 5 s for another). A code is
// redeemed at most once: the UPDATE that marks it used is the only test, so two boxes racing with
// one code cannot both win. Errors of the file itself are error values naming it; a code that is
// unknown, used or expired is a refusal, not an error.
//
// Threading: one thread per instance.
#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"

struct sqlite3;

namespace kelu::hq {

struct enrol_grant {
  std::string tenant;
  std::string store;
  nlohmann::json settings = nlohmann::json::object();  // key path -> value, as `kelu config set` takes them
};

struct issued_code {
  std::string code;  // canonical form; shown once, never stored
  core::utc_time expires_at{};
};

// `repeated`: the code was used for this very key before and its certificate is kept (the
// box never got the answer: a dropped link); the box gets the same certificate again.
enum class redeem_outcome { granted, repeated, unknown, used, expired };
const char* to_string(redeem_outcome o);

struct redeemed {
  redeem_outcome outcome = redeem_outcome::unknown;
  enrol_grant grant;         // granted, repeated
  std::string certificate;   // repeated: the PEM it got the first time
  core::utc_time used_at{};  // used: the first use
};

struct superseded_certificate {
  std::string digest;  // of the code it was issued through
  std::string pem;
  core::utc_time used_at{};
};

struct code_record {  // for `kelu hq enroll-code --list`
  std::string tenant, store;
  core::utc_time issued_at{}, expires_at{};
  bool used = false;
  core::utc_time used_at{};
  std::string used_by;
};

class enrol_codes {
 public:
  // Opens or creates the file. The error names it.
  static core::result<std::unique_ptr<enrol_codes>> open(const std::string& path);
  ~enrol_codes();
  enrol_codes(const enrol_codes&) = delete;
  enrol_codes& operator=(const enrol_codes&) = delete;

  // A new code for `grant`, valid for `valid_for` from `now`.
  core::result<issued_code> issue(const enrol_grant& grant, std::chrono::seconds valid_for, core::utc_time now);

  // `code` as typed (normalised here), with the id of the key the box asks a certificate for.
  // Granted: the code is marked used by `peer` at `now`, and the key id kept to recognise a repeat.
  core::result<redeemed> redeem(std::string_view code, const std::string& key_id, core::utc_time now,
                                const std::string& peer);
  // The certificate could not be made after all: the code may be used again until it expires.
  core::status release(std::string_view code);
  // What the box got, kept for revocation (scripts/hq-ca revoke takes the PEM).
  core::status record_certificate(std::string_view code, const std::string& certificate_pem);
  // Certificates issued to `tenant`/`store` through other codes than `code` and not revoked yet,
  // oldest first: what a box enrolled for the store again (a replacement, a re-enrolment) supersedes.
  core::result<std::vector<superseded_certificate>> superseded(const std::string& tenant, const std::string& store,
                                                               std::string_view code);
  core::status mark_revoked(const std::string& digest, core::utc_time now);
  // The codes of `tenant` (every tenant when empty), newest first.
  core::result<std::vector<code_record>> list(const std::string& tenant);

 private:
  enrol_codes(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  core::error failure(const std::string& what, const std::exception& e) const;
  sqlite3* db_;
  std::string path_;
};

}  // namespace kelu::hq
