// SPDX-License-Identifier: Apache-2.0
// Any bytes as a webhook delivery's X-Kelu-Signature, X-Kelu-Timestamp and body (the input's first
// line, its second, and the rest): never accepted without the terminal's secret, and, signed
// with it, accepted exactly when the timestamp is decimal seconds inside the window; every
// refusal says why, and only a good v2 signature is called stale.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

#include "drivers/webhook_source.hpp"

namespace {

std::string_view next_line(std::string_view& rest) {
  const auto nl = rest.find('\n');
  const auto line = rest.substr(0, nl);
  rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kelu::drivers;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  const auto signature = next_line(rest);
  const auto timestamp = next_line(rest);
  const auto body = rest;
  const kelu::core::utc_time now{std::chrono::seconds(1764946800)};
  constexpr std::chrono::seconds window{3600};
  const auto refusal = [](const webhook_check& c) { return std::get_if<webhook_refusal>(&c); };

  const auto forged = check_webhook_signature("a-secret-nobody-sends-0123", signature, timestamp, body, now, window, false);
  const auto* no = refusal(forged);
  if (no == nullptr || no->why.empty() || no->stale) std::abort();

  const auto v2 = webhook_signature_v2("t1-secret-0123456789", timestamp, body);
  const auto signed_check = check_webhook_signature("t1-secret-0123456789", v2, timestamp, body, now, window, true);
  bool digits = !timestamp.empty() && timestamp.size() <= 12;
  for (const char c : timestamp) digits = digits && c >= '0' && c <= '9';
  const auto* signed_no = refusal(signed_check);
  if (!digits) {
    if (signed_no == nullptr || signed_no->stale) std::abort();
    return 0;
  }
  const auto sent = std::stoll(std::string(timestamp));
  const bool inside = sent >= 1764946800 - 3600 && sent <= 1764946800 + 3600;
  if (inside != (signed_no == nullptr)) std::abort();
  if (!inside && !signed_no->stale) std::abort();
  return 0;
}
