// SPDX-License-Identifier: Apache-2.0
#include "enrol_code.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdint>
#include <stdexcept>

#include "core/hex.hpp"

namespace kelu::hq {

namespace {

constexpr std::string_view alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";  // Crockford: no I, L, O, U
constexpr std::size_t code_chars = 12;

// The symbol `c` stands for, or -1 (Crockford's decoding: O is 0, I and L are 1).
int symbol_of(char c) {
  if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  if (c == 'O') c = '0';
  if (c == 'I' || c == 'L') c = '1';
  const auto at = alphabet.find(c);
  return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

std::string grouped(const std::string& symbols) {
  return symbols.substr(0, 4) + "-" + symbols.substr(4, 4) + "-" + symbols.substr(8, 4);
}

}  // namespace

std::string new_enrol_code() {
  unsigned char bytes[code_chars];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no random bytes for an enrolment code");
  std::string symbols;
  for (const auto b : bytes) symbols += alphabet[b & 31];  // 256 is a multiple of 32: no bias
  return grouped(symbols);
}

std::optional<std::string> normalise_enrol_code(std::string_view typed) {
  std::string symbols;
  for (const char c : typed) {
    if (c == '-' || c == ' ') continue;
    const int s = symbol_of(c);
    if (s < 0 || symbols.size() == code_chars) return std::nullopt;
    symbols += alphabet[static_cast<std::size_t>(s)];
  }
  if (symbols.size() != code_chars) return std::nullopt;
  return grouped(symbols);
}

std::string enrol_code_digest(std::string_view canonical) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(canonical.data(), canonical.size(), md, &n, EVP_sha256(), nullptr);
  return core::to_hex(std::string_view(reinterpret_cast<const char*>(md), n));
}

}  // namespace kelu::hq
