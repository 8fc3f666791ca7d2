// SPDX-License-Identifier: Apache-2.0
#pragma once
// The box's own key pair for HQ's broker and the certificate request HQ signs (`kelu enroll`):
// the private key is made here and never leaves the box; HQ sees only the request. EC P-256,
// SHA-256, as scripts/hq-ca's keys. Pure OpenSSL work, any thread.
#include <string>

#include "core/result.hpp"

namespace kelu {

struct key_and_request {
  std::string key_pem;  // PKCS#8, unencrypted (the box starts unattended)
  std::string csr_pem;
};

// A new key and a request for `common_name` (HQ replaces the name with the store's).
core::result<key_and_request> make_key_and_request(const std::string& common_name);

// The request for an existing key (an enrolment tried again after a lost answer sends the same one).
core::result<std::string> request_for_key(const std::string& key_pem, const std::string& common_name);

// True when the first certificate in `certificate_pem` is for the key in `key_pem`.
bool certificate_matches_key(const std::string& certificate_pem, const std::string& key_pem);

}  // namespace kelu
