// SPDX-License-Identifier: Apache-2.0
#pragma once
// HQ's enrolment endpoint as a function of the request (docs/hq.md, "Enrolling a box"): no
// sockets, so every answer is tested directly; enrol_server puts it behind https.
//
//   POST /v1/enroll  {"code": "K7QF-2M9X-TR4P", "csr": PEM, "box": {"version", "host"}}
//   200 {"tenant", "store", "certificate": PEM, "ca": PEM, "settings": {key path: value}}
//   400 bad_request: not JSON, no code, a certificate request that is not one (the code is kept)
//   403 unknown | used | expired: the code cannot be used (the box should not retry)
//   429 rate_limited: too many unusable codes from this address (guessing costs time)
//   502 signing_failed: HQ's CA failed; the code stays usable, the box may try again
// Errors are {"error": kind, "message": text}. Other paths 404, other methods 405.
//
// The settings a box gets are the estate's (every box) with the code's over them; the box adds
// its store identity and certificate files. A request repeated with the same code for the same
// key (the box missed the answer) gets the same certificate again. A store enrolled again (a
// replacement box, a stolen one's successor, a re-enrolment) has the certificates issued to it
// before revoked, when a revoking command is given: one store, one box, one valid certificate.
//
// Threading: one thread (the server's io_context); signing blocks it (ca_command.hpp). No sockets
// and no coroutines, so the fuzz preset (clang 14) builds it.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/attempt_limiter.hpp"
#include "dashboard/router.hpp"
#include "enrol_codes.hpp"

namespace spdlog {
class logger;
}

namespace kelu::hq {

struct enrol_service_options {
  nlohmann::json estate_settings = nlohmann::json::object();  // key path -> value, for every box
  std::string ca_pem;  // what boxes trust for HQ's broker
  // Revokes a certificate (ca_command.hpp); null: earlier certificates of a store stay valid.
  std::function<core::status(const std::string& certificate_pem)> revoke = nullptr;
};

struct enrol_stats {
  std::int64_t enrolled = 0;
  std::int64_t repeated = 0;
  std::int64_t refused = 0;       // unknown, used, expired codes
  std::int64_t rate_limited = 0;
  std::int64_t bad_requests = 0;
  std::int64_t signing_failures = 0;
  std::int64_t revoked = 0;  // earlier certificates of stores enrolled again
  std::int64_t revoke_failures = 0;
};

// Signs a box's request for TENANT/STORE: the certificate's PEM, or why not (ca_command.hpp).
using enrol_signer = std::function<core::result<std::string>(const std::string& tenant, const std::string& store,
                                                             const std::string& csr_pem)>;

class enrol_service {
 public:
  // `codes` and `clock` outlive the service.
  enrol_service(enrol_codes& codes, enrol_signer signer, const core::clock& clock, enrol_service_options options,
                std::shared_ptr<spdlog::logger> log);

  net::response handle(const net::request& req, const net::client_info& client);
  const enrol_stats& stats() const { return stats_; }

 private:
  net::response enrol(const net::request& req, const net::client_info& client);
  net::response granted(const net::request& req, const redeemed& r, const std::string& code,
                              const std::string& csr, const std::string& peer);
  void revoke_superseded(const enrol_grant& g, const std::string& code);
  net::response refused(const net::request& req, const redeemed& r, const net::client_info& client);

  enrol_codes& codes_;
  enrol_signer signer_;
  const core::clock& clock_;
  enrol_service_options options_;
  std::shared_ptr<spdlog::logger> log_;
  core::attempt_limiter limiter_;
  enrol_stats stats_;
};

// The SHA-256 (hex) of the public key of a certificate request whose signature verifies (its holder
// has the key); nullopt for anything else. Two requests for one key have the same id, though
// their signatures differ (ECDSA's are randomised).
std::optional<std::string> certificate_request_key_id(const std::string& pem);

}  // namespace kelu::hq
