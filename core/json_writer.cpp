// SPDX-License-Identifier: Apache-2.0
#include "json_writer.hpp"

#include <array>
#include <charconv>

#include "utf8.hpp"

namespace kelu::core {

void json_writer::separate() {
  if (!out_.empty() && out_.back() != '{' && out_.back() != '[' && out_.back() != ':') out_ += ',';
}

void json_writer::key(std::string_view name) {
  separate();
  out_ += '"';
  out_ += name;
  out_ += "\":";
}

void json_writer::value(std::string_view text) {
  separate();
  out_ += '"';
  static constexpr std::array<char, 16> hex{'0', '1', '2', '3', '4', '5', '6', '7',
                                            '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const auto n = utf8_sequence_length(text, i);
      if (n == 0) {
        ok_ = false;
        return;
      }
      out_.append(text.substr(i, n));
      i += n;
      continue;
    }
    // nlohmann's dump without ensure_ascii: short escapes where JSON has them, \u00xx (lower
    // case) for the other control characters, everything else as it is (DEL and '/' included).
    switch (c) {
      case '"': out_ += "\\\""; break;
      case '\\': out_ += "\\\\"; break;
      case '\b': out_ += "\\b"; break;
      case '\f': out_ += "\\f"; break;
      case '\n': out_ += "\\n"; break;
      case '\r': out_ += "\\r"; break;
      case '\t': out_ += "\\t"; break;
      default:
        if (c < 0x20) {
          out_ += "\\u00";
          out_ += hex[c >> 4];
          out_ += hex[c & 0xF];
        } else {
          out_ += static_cast<char>(c);
        }
    }
    ++i;
  }
  out_ += '"';
}

void json_writer::value(std::int64_t number) {
  separate();
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, number);
  out_.append(buf, r.ptr);
}

}  // namespace kelu::core
