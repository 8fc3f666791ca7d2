// SPDX-License-Identifier: Apache-2.0
#pragma once
// HTTP authentication as people counters speak it on a store LAN: Basic and Digest (RFC 7616,
// MD5 as the devices send it; SHA-256 too when a device asks for it), both ways. A device that
// pushes to Kelu is challenged and checked (http_auth_check); a device Kelu polls is answered
// with whatever it challenges (digest_answer, basic_authorization). Pure functions and a value
// class; no I/O.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kelu::drivers {

// "Basic " + base64(user:password).
std::string basic_authorization(std::string_view user, std::string_view password);

// A `WWW-Authenticate: Digest ...` challenge's parameters.
struct digest_challenge {
  std::string realm;
  std::string nonce;
  std::string opaque;
  std::string qop;        // "auth" when offered (Kelu answers auth, never auth-int)
  std::string algorithm;  // "MD5" (also when absent) | "SHA-256"
};

// The Digest challenge within a header value that may list several schemes; nullopt when it
// holds none (a Basic-only device).
std::optional<digest_challenge> parse_digest_challenge(std::string_view www_authenticate);

// The Authorization header value answering `c` for one request.
std::string digest_answer(const digest_challenge& c, std::string_view user, std::string_view password,
                          std::string_view method, std::string_view uri, std::uint32_t nc, std::string_view cnonce);

// Checks what a pushing device presents. Modes: "digest" (challenges with Digest, also accepts
// Basic with the same credentials: firmware that was set to Basic keeps working), "basic",
// "token" (`Authorization: Bearer T` or `?token=T` on the URL), "none". Nonces are stateless:
// an HMAC of their time under a key made per process, accepted for `nonce_life`. Comparisons
// are constant-time.
class http_auth_check {
 public:
  http_auth_check(std::string mode, std::string user, std::string password, std::string token,
                  std::string realm = "kelu", std::chrono::seconds nonce_life = std::chrono::minutes{10});

  // `target` is the request target (path and query) as sent; `now` for nonce ages.
  bool verify(std::string_view method, std::string_view target, std::string_view authorization,
              std::chrono::system_clock::time_point now) const;
  // The WWW-Authenticate value to send with a 401.
  std::string challenge(std::chrono::system_clock::time_point now) const;
  const std::string& mode() const { return mode_; }

 private:
  bool verify_digest(std::string_view method, std::string_view target, std::string_view authorization,
                     std::chrono::system_clock::time_point now) const;
  std::string nonce_at(std::int64_t seconds) const;

  std::string mode_;
  std::string user_;
  std::string password_;
  std::string token_;
  std::string realm_;
  std::chrono::seconds nonce_life_;
  std::string key_;  // random per process
};

}  // namespace kelu::drivers
