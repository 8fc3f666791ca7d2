// SPDX-License-Identifier: Apache-2.0
#pragma once
// The store manager's read-only dashboard token, carried in the QR code's URL. It is an HMAC of
// the store's identity under the box's dashboard key, so it cannot be forged and is good for
// this store only; it never expires on its own, because the printed QR sign stays on the wall.
// Rotating the key (`kelu qr --rotate`) revokes every code printed before.
//
// Token: "{key id}.{first 16 bytes of HMAC-SHA256, base64url}" (27 characters, URL-safe). The
// key lives in a file of its own (0600) beside the database, never in the config HQ pushes.
#include <filesystem>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace kelu::dashboard {

struct token_key {
  std::string id;      // 4 characters [a-z2-7], printed in logs to tell codes apart
  std::string secret;  // 32 random bytes
};

// Reads the key file, creating it with a fresh key when absent. Errors name the file.
core::result<token_key> load_or_create_key(const std::filesystem::path& file);
// Writes a fresh key (atomically: temp file and rename), revoking every token made before.
core::result<token_key> rotate_key(const std::filesystem::path& file);

std::string make_token(const token_key& key, std::string_view tenant, std::string_view store);

enum class token_verdict { ok, missing, malformed, revoked, forged };
// Constant-time in the MAC. `revoked`: well-formed, but made under another key (an earlier one,
// before a rotation).
token_verdict check_token(const token_key& key, std::string_view tenant, std::string_view store,
                          std::string_view token);
const char* to_string(token_verdict v);

}  // namespace kelu::dashboard
