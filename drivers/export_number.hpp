// SPDX-License-Identifier: Apache-2.0
#pragma once
// Numbers as back offices export them, read exactly: "¥1,234.50", "￥１２３．００",
// "1.234,50" (with a ',' decimal separator), "(12.00)" for a negative, "12.50元".
// Pure; used by the CSV and Excel exports.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace kelu::drivers {

// Fullwidth digits and signs become ASCII; spaces (also U+3000 and no-break), a currency
// sign or code (¥ ￥ $ € £ 元 RMB CNY) before or after, and thousands separators in groups
// of three go; what is left must be a decimal with at most `digits` places (core::parse_decimal).
// The thousands separator is ',' when `decimal_separator` is '.', else '.'; either way ' '
// and '\'' are accepted too. Errors name the text.
core::result<std::int64_t> parse_export_number(std::string_view text, int digits, char decimal_separator = '.');

// The ASCII form the number rules above read, without parsing it ("1234.50"); for messages
// and for cells that hold quantities.
std::string ascii_number(std::string_view text, char decimal_separator = '.');

}  // namespace kelu::drivers
