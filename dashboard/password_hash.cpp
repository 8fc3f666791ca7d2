// SPDX-License-Identifier: Apache-2.0
#include "password_hash.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <charconv>
#include <stdexcept>

#include "core/hex.hpp"

namespace kelu::dashboard {

namespace {

constexpr std::size_t salt_bytes = 16;
constexpr std::size_t hash_bytes = 32;

std::string derive(std::string_view password, std::string_view salt, int iterations) {
  std::string out(hash_bytes, '\0');
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()), iterations,
                        EVP_sha256(), static_cast<int>(out.size()), reinterpret_cast<unsigned char*>(out.data())) != 1)
    throw std::runtime_error("PKCS5_PBKDF2_HMAC failed");
  return out;
}

struct parsed {
  int iterations = 0;
  std::string salt;
  std::string hash;
};

core::result<parsed> parse(std::string_view stored) {
  constexpr std::string_view scheme = "pbkdf2-sha256$";
  if (!stored.starts_with(scheme))
    return core::error{"expected \"pbkdf2-sha256$...\" as `kelu passwd` prints it, not a password"};
  auto rest = stored.substr(scheme.size());
  const auto a = rest.find('$');
  const auto b = a == std::string_view::npos ? a : rest.find('$', a + 1);
  if (b == std::string_view::npos) return core::error{"expected pbkdf2-sha256$ITERATIONS$SALT$HASH"};
  parsed p;
  const auto iter = rest.substr(0, a);
  const auto [end, ec] = std::from_chars(iter.data(), iter.data() + iter.size(), p.iterations);
  if (ec != std::errc{} || end != iter.data() + iter.size() || p.iterations < 10000 || p.iterations > 10000000)
    return core::error{"iterations: expected 10000..10000000, got \"" + std::string(iter) + "\""};
  auto salt = core::from_hex(rest.substr(a + 1, b - a - 1));
  if (!salt || salt->size() < 8) return core::error{"salt: expected at least 16 hex digits"};
  auto hash = core::from_hex(rest.substr(b + 1));
  if (!hash || hash->size() != hash_bytes) return core::error{"hash: expected 64 hex digits"};
  p.salt = std::move(*salt);
  p.hash = std::move(*hash);
  return p;
}

}  // namespace

std::string hash_password(std::string_view password, int iterations) {
  std::string salt(salt_bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size())) != 1)
    throw std::runtime_error("RAND_bytes failed");
  return "pbkdf2-sha256$" + std::to_string(iterations) + "$" + core::to_hex(salt) + "$" +
         core::to_hex(derive(password, salt, iterations));
}

core::status check_password_hash(std::string_view stored) {
  auto p = parse(stored);
  if (!p) return core::error{p.error_message()};
  return core::ok();
}

bool verify_password(std::string_view stored, std::string_view password) {
  const auto p = parse(stored);
  if (!p) return false;
  const auto h = derive(password, p->salt, p->iterations);
  return CRYPTO_memcmp(h.data(), p->hash.data(), hash_bytes) == 0;
}

}  // namespace kelu::dashboard
