// SPDX-License-Identifier: Apache-2.0
#include "access_token.hpp"

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <fstream>

#include "core/files.hpp"
#include "core/hex.hpp"

namespace kelu::dashboard {

namespace {

constexpr std::size_t secret_bytes = 32;
constexpr std::size_t mac_bytes = 16;  // 128 bits: forging is out of reach, the QR stays small

std::string base64url(const unsigned char* data, std::size_t n) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < n; ++i) {
    acc = (acc << 8) | data[i];
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += alphabet[(acc >> bits) & 63];
    }
  }
  if (bits > 0) out += alphabet[(acc << (6 - bits)) & 63];
  return out;
}

std::string mac_of(const token_key& key, std::string_view tenant, std::string_view store) {
  const std::string message = "kelu-dashboard-v1\n" + std::string(tenant) + "\n" + std::string(store) + "\nmanager";
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.secret.data(), static_cast<int>(key.secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &len);
  return base64url(mac, mac_bytes);
}

bool valid_key_text(std::string_view id, std::string_view secret_hex) {
  const auto in = [](std::string_view s, std::string_view set) { return s.find_first_not_of(set) == s.npos; };
  return id.size() == 4 && in(id, "abcdefghijklmnopqrstuvwxyz234567") && secret_hex.size() == 2 * secret_bytes &&
         in(secret_hex, "0123456789abcdef");
}

core::result<token_key> write_new_key(const std::filesystem::path& file) {
  unsigned char random[secret_bytes + 4];
  if (RAND_bytes(random, sizeof random) != 1) return core::error{file.string() + ": no randomness for a new key"};
  token_key key;
  for (std::size_t i = 0; i < 4; ++i) key.id += "abcdefghijklmnopqrstuvwxyz234567"[random[secret_bytes + i] & 31];
  key.secret.assign(reinterpret_cast<const char*>(random), secret_bytes);
  if (auto st = core::write_file_atomically(file, key.id + " " + core::to_hex(key.secret) + "\n", 0600); !st)
    return core::error{"cannot write the dashboard key: " + st.error_message()};
  return key;
}

}  // namespace

core::result<token_key> load_or_create_key(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return write_new_key(file);
  std::string id, secret_hex;
  in >> id >> secret_hex;
  if (!valid_key_text(id, secret_hex))
    return core::error{file.string() + ": not a dashboard key (expected \"{id} {64 hex digits}\"); delete it or run "
                                       "`kelu qr --rotate` for a new one"};
  return token_key{id, *core::from_hex(secret_hex)};
}

core::result<token_key> rotate_key(const std::filesystem::path& file) { return write_new_key(file); }

std::string make_token(const token_key& key, std::string_view tenant, std::string_view store) {
  return key.id + "." + mac_of(key, tenant, store);
}

token_verdict check_token(const token_key& key, std::string_view tenant, std::string_view store,
                          std::string_view token) {
  if (token.empty()) return token_verdict::missing;
  const auto expected = make_token(key, tenant, store);
  if (token.size() != expected.size() || token[4] != '.') return token_verdict::malformed;
  if (token.substr(0, 4) != key.id) return token_verdict::revoked;
  return CRYPTO_memcmp(token.data(), expected.data(), expected.size()) == 0 ? token_verdict::ok
                                                                            : token_verdict::forged;
}

const char* to_string(token_verdict v) {
  switch (v) {
    case token_verdict::ok: return "ok";
    case token_verdict::missing: return "missing";
    case token_verdict::malformed: return "malformed";
    case token_verdict::revoked: return "revoked";
    case token_verdict::forged: return "forged";
  }
  return "?";
}

}  // namespace kelu::dashboard
