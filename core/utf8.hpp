// SPDX-License-Identifier: Apache-2.0
#pragma once
// Well-formed UTF-8 as the standard defines it (RFC 3629; Unicode, Table 3-7): no overlong forms,
// no surrogates, nothing above U+10FFFF. Telling a till's GBK export from UTF-8
// (drivers/text_encoding) and deciding which JSON strings the direct writer may copy as they are
// (json_writer) are the same question. Pure.
#include <cstddef>
#include <string_view>

namespace kelu::core {

// The length in bytes of the well-formed sequence starting at text[i] (1 for ASCII), or 0.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i);

bool valid_utf8(std::string_view text);

}  // namespace kelu::core
