// SPDX-License-Identifier: Apache-2.0
#pragma once
// Text for HTML and SVG: & < > and " escaped, so it is safe as element text and inside a
// double-quoted attribute (never put it in a single-quoted one).
#include <string>
#include <string_view>

namespace kelu::core {

std::string markup_escape(std::string_view text);

}  // namespace kelu::core
