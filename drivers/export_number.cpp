// SPDX-License-Identifier: Apache-2.0
#include "export_number.hpp"

#include <array>
#include <utility>

#include "core/money.hpp"

namespace kelu::drivers {

namespace {

// UTF-8 spellings folded to ASCII; "" drops the text.
constexpr std::array<std::pair<std::string_view, std::string_view>, 20> folds{{
    {"\xEF\xBC\x8E", "."},  // ．
    {"\xEF\xBC\x8C", ","},  // ，
    {"\xEF\xBC\x8D", "-"},  // －
    {"\xE2\x88\x92", "-"},  // − minus sign
    {"\xEF\xBC\x8B", "+"},  // ＋
    {"\xEF\xBC\x88", "("},  // （
    {"\xEF\xBC\x89", ")"},  // ）
    {"\xE3\x80\x80", ""},   // ideographic space
    {"\xC2\xA0", ""},       // no-break space
    {"\xE2\x80\xAF", ""},   // narrow no-break space
    {"\xEF\xBF\xA5", ""},   // ￥
    {"\xC2\xA5", ""},       // ¥
    {"\xE5\x85\x83", ""},   // 元
    {"\xE2\x82\xAC", ""},   // €
    {"\xC2\xA3", ""},       // £
    {"RMB", ""},
    {"CNY", ""},
    {"$", ""},
    {" ", ""},
    {"\t", ""},
}};

}  // namespace

std::string ascii_number(std::string_view text, char decimal_separator) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    // Fullwidth digits U+FF10..U+FF19: EF BC 90..99.
    if (text.substr(i).starts_with("\xEF\xBC") && i + 2 < text.size()) {
      const auto b = static_cast<unsigned char>(text[i + 2]);
      if (b >= 0x90 && b <= 0x99) {
        out += static_cast<char>('0' + (b - 0x90));
        i += 3;
        continue;
      }
    }
    bool folded = false;
    for (const auto& [from, to] : folds)
      if (text.substr(i).starts_with(from)) {
        out += to;
        i += from.size();
        folded = true;
        break;
      }
    if (!folded) out += text[i++];
  }
  // Accounting negatives: "(12.00)".
  if (out.size() > 2 && out.front() == '(' && out.back() == ')') out = "-" + out.substr(1, out.size() - 2);
  const char thousands = decimal_separator == '.' ? ',' : '.';
  const auto point = out.find(decimal_separator);
  std::string whole = out.substr(0, point), fraction = point == std::string::npos ? "" : out.substr(point + 1);
  if (whole.find(thousands) != std::string::npos || whole.find('\'') != std::string::npos) {
    // Grouped: every group after the first has exactly three digits, else it is not grouping
    // and is left for parse_decimal to refuse.
    std::string digits;
    std::size_t group = 0;
    bool grouped = true, first = true;
    for (const char ch : whole) {
      if (ch == thousands || ch == '\'') {
        if ((!first && group != 3) || group == 0 || group > 3) grouped = false;
        first = false;
        group = 0;
        continue;
      }
      if (ch >= '0' && ch <= '9') ++group;
      digits += ch;
    }
    if (group != 3) grouped = false;
    if (grouped) whole = digits;
  }
  return point == std::string::npos ? whole : whole + "." + fraction;
}

core::result<std::int64_t> parse_export_number(std::string_view text, int digits, char decimal_separator) {
  const auto ascii = ascii_number(text, decimal_separator);
  auto v = core::parse_decimal(ascii, digits);
  if (!v) {
    if (ascii == text) return core::error{v.error_message()};
    // parse_decimal says 'bad amount "ascii": why'; name what the cell held.
    const auto& message = v.error_message();
    const auto why = message.find("\": ");
    return core::error{"bad amount \"" + std::string(text) + "\" (read as \"" + ascii +
                       "\")" + (why == std::string::npos ? ": " + message : message.substr(why + 1))};
  }
  return *v;
}

}  // namespace kelu::drivers
