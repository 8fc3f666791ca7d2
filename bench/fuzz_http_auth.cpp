// SPDX-License-Identifier: Apache-2.0
// Any bytes as what a device sends in WWW-Authenticate (read by the poller) or Authorization
// (read by the receiver): parsed or refused, never a crash, and never accepted without the
// credentials.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "drivers/counters/http_auth.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (const auto c = kelu::drivers::parse_digest_challenge(text)) {
    if (c->nonce.empty()) std::abort();
    (void)kelu::drivers::digest_answer(*c, "u", "p", "GET", "/", 1, "cnonce");
  }
  static const kelu::drivers::http_auth_check digest("digest", "kelu", "a-password-nobody-sends", "");
  static const kelu::drivers::http_auth_check token("token", "", "", "a-token-nobody-sends-0123");
  const auto now = std::chrono::system_clock::now();
  if (digest.verify("POST", "/counters/door", text, now)) std::abort();
  if (token.verify("POST", text, text, now)) std::abort();
  return 0;
}
