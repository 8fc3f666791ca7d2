// SPDX-License-Identifier: Apache-2.0
#pragma once
// Exact money: decimal text to integer minor units, by the currency's ISO 4217 exponent.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "result.hpp"

namespace kelu::core {

// Minor-unit digits of an ISO 4217 currency: 2 for most, 0 for JPY/KRW/..., 3 for
// BHD/KWD/... Unknown codes are assumed to have 2.
int minor_digits(std::string_view currency);

// "12.5" with 2 digits -> 1250; "-3" -> -300. Refuses more fractional digits than the
// currency has (rounding money silently is a bug), exponents, and anything past int64.
result<std::int64_t> parse_decimal(std::string_view text, int digits);

// unit price x quantity in thousandths, rounded half away from zero; empty on overflow.
std::optional<std::int64_t> extended_amount(std::int64_t unit_price_minor, std::int64_t quantity_milli);

// num ÷ den in integer minor units (an average sale, sales per visitor), rounded half away from
// zero; absent when den ≤ 0.
std::optional<std::int64_t> money_ratio(std::int64_t num, std::int64_t den);

// -1250 CNY -> "-12.50"; 300 JPY -> "300": the exact decimal, no grouping, no symbol.
std::string format_minor(std::int64_t minor, std::string_view currency);

}  // namespace kelu::core
