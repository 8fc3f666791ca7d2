// SPDX-License-Identifier: Apache-2.0
#pragma once
// The technician's password as config keeps it (dashboard.technician_password): never the
// password itself, a salted PBKDF2-HMAC-SHA256 of it, so a config file pasted into a support
// ticket or pushed by HQ does not give the page away. `kelu passwd` makes one.
//
// Format: "pbkdf2-sha256${iterations}${salt, 16 bytes hex}${hash, 32 bytes hex}".
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace kelu::dashboard {

// 60,000 iterations: about 50 ms per login on the 2-core x86 CI machine (debug build; not yet
// measured on ARM); a login is rare and rate-limited, a stolen hash is expensive to test.
inline constexpr int default_password_iterations = 60000;

std::string hash_password(std::string_view password, int iterations = default_password_iterations);
// Is `stored` well formed? The error says which part is not (for config validation).
core::status check_password_hash(std::string_view stored);
// Constant-time in the hash; false for a malformed `stored` too.
bool verify_password(std::string_view stored, std::string_view password);

}  // namespace kelu::dashboard
