// SPDX-License-Identifier: Apache-2.0
#include "text_encoding.hpp"

#include <cerrno>
#include <iconv.h>

#include "core/utf8.hpp"

namespace kelu::drivers {

namespace {

iconv_t open_to_utf8(const std::string& encoding) { return iconv_open("UTF-8", encoding.c_str()); }
bool failed(iconv_t cd) { return cd == reinterpret_cast<iconv_t>(-1); }

bool is_utf8_name(const std::string& e) { return e.empty() || e == "UTF-8" || e == "utf-8" || e == "utf8"; }

}  // namespace

bool known_encoding(const std::string& encoding) {
  if (is_utf8_name(encoding)) return true;
  const iconv_t cd = open_to_utf8(encoding);
  if (failed(cd)) return false;
  iconv_close(cd);
  return true;
}

std::string to_utf8(std::string_view text, const std::string& encoding) {
  if (is_utf8_name(encoding)) return std::string(text);
  const iconv_t cd = open_to_utf8(encoding);
  if (failed(cd)) return std::string(text);
  std::string out;
  std::string in(text);
  char* src = in.data();
  std::size_t src_left = in.size();
  char buf[4096];
  while (src_left > 0) {
    char* dst = buf;
    std::size_t dst_left = sizeof buf;
    const auto r = iconv(cd, &src, &src_left, &dst, &dst_left);
    out.append(buf, sizeof buf - dst_left);
    if (r == static_cast<std::size_t>(-1) && errno != E2BIG) {
      out += "\xEF\xBF\xBD";  // an undecodable byte: U+FFFD, then carry on
      ++src;
      --src_left;
    }
  }
  iconv_close(cd);
  return out;
}

core::result<decoded_text> decode_export(std::string_view bytes, const std::string& encoding) {
  const bool automatic = encoding.empty() || encoding == "auto";
  if (bytes.starts_with("\xEF\xBB\xBF") && (automatic || is_utf8_name(encoding)))
    return decoded_text{std::string(bytes.substr(3)), "UTF-8"};
  if (automatic) {
    if (core::valid_utf8(bytes)) return decoded_text{std::string(bytes), "UTF-8"};
    return decoded_text{to_utf8(bytes, "GB18030"), "GB18030"};
  }
  if (!known_encoding(encoding)) return core::error{"encoding \"" + encoding + "\" is not one iconv knows"};
  return decoded_text{to_utf8(bytes, encoding), encoding};
}

}  // namespace kelu::drivers
