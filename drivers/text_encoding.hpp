// SPDX-License-Identifier: Apache-2.0
#pragma once
// Bytes from a till or a back office to UTF-8. Chinese back offices export GBK/GB18030 as
// often as UTF-8, with or without a byte-order mark, and rarely say which.
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace kelu::drivers {

// Code page to UTF-8 with iconv ("CP437", "GB18030", "UTF-8", ...). Undecodable bytes become
// U+FFFD; an encoding iconv does not know returns the text unchanged (check it first with
// known_encoding).
std::string to_utf8(std::string_view text, const std::string& encoding);
bool known_encoding(const std::string& encoding);

struct decoded_text {
  std::string text;      // UTF-8, without a byte-order mark
  std::string encoding;  // what it was read as: "UTF-8" or the one given / detected
};

// `encoding` "auto" (or empty): a UTF-8 byte-order mark or valid UTF-8 is UTF-8, anything else
// GB18030 (a superset of GBK and GB2312, so their files read the same). Any other value is
// used as given; an error when iconv does not know it.
core::result<decoded_text> decode_export(std::string_view bytes, const std::string& encoding);

}  // namespace kelu::drivers
