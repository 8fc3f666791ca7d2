// SPDX-License-Identifier: Apache-2.0
#include "money.hpp"

#include <array>
#include <limits>
#include <string>

namespace kelu::core {

int minor_digits(std::string_view c) {
  static constexpr std::array<std::string_view, 16> zero{"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW",
                                                         "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF"};
  static constexpr std::array<std::string_view, 7> three{"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"};
  for (auto z : zero)
    if (z == c) return 0;
  for (auto t : three)
    if (t == c) return 3;
  return 2;
}

result<std::int64_t> parse_decimal(std::string_view text, int digits) {
  const auto bad = [&](const std::string& why) {
    return error{"bad amount \"" + std::string(text) + "\": " + why};
  };
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
  constexpr auto max = std::numeric_limits<std::int64_t>::max();
  std::int64_t value = 0;
  int int_digits = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++int_digits) {
    if (value > (max - (text[i] - '0')) / 10) return bad("too large");
    value = value * 10 + (text[i] - '0');
  }
  int frac = 0;
  if (i < text.size() && text[i] == '.') {
    ++i;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      if (++frac > digits) {
        if (text[i] != '0') return bad("more than " + std::to_string(digits) + " decimal places");
        continue;  // trailing zeros beyond the exponent are exact
      }
      if (value > (max - (text[i] - '0')) / 10) return bad("too large");
      value = value * 10 + (text[i] - '0');
    }
    if (frac == 0 && int_digits == 0) return bad("no digits");
  }
  if (int_digits == 0 && frac == 0) return bad("no digits");
  if (i != text.size()) return bad("unexpected character at position " + std::to_string(i));
  for (int k = std::min(frac, digits); k < digits; ++k) {
    if (value > max / 10) return bad("too large");
    value *= 10;
  }
  return negative ? -value : value;
}

std::optional<std::int64_t> extended_amount(std::int64_t unit_price_minor, std::int64_t quantity_milli) {
  std::int64_t product = 0;
  if (__builtin_mul_overflow(unit_price_minor, quantity_milli, &product)) return std::nullopt;
  // Quotient and remainder, not (product + 500) / 1000, which overflows near the limits.
  const std::int64_t rem = product % 1000;
  return product / 1000 + (rem >= 500 ? 1 : rem <= -500 ? -1 : 0);
}

std::optional<std::int64_t> money_ratio(std::int64_t num, std::int64_t den) {
  if (den <= 0) return std::nullopt;
  // Round half away from zero: integer minor units, never a float amount of money.
  const auto q = num / den;
  const auto r = num % den;
  if (2 * (r < 0 ? -r : r) >= den) return q + (num < 0 ? -1 : 1);
  return q;
}

std::string format_minor(std::int64_t minor, std::string_view currency) {
  const int digits = minor_digits(currency);
  // In unsigned arithmetic, so INT64_MIN has a magnitude too.
  const auto magnitude = minor < 0 ? 0 - static_cast<std::uint64_t>(minor) : static_cast<std::uint64_t>(minor);
  std::uint64_t scale = 1;
  for (int i = 0; i < digits; ++i) scale *= 10;
  auto text = std::string(minor < 0 ? "-" : "") + std::to_string(magnitude / scale);
  if (digits > 0) {
    auto frac = std::to_string(magnitude % scale);
    text += "." + std::string(static_cast<std::size_t>(digits) - frac.size(), '0') + frac;
  }
  return text;
}

}  // namespace kelu::core
