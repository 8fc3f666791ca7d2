// SPDX-License-Identifier: Apache-2.0
#pragma once
// Finds the line of every object key in a JSON-with-comments text, so that semantic
// errors ("mqtt.port: out of range") can point at a line like syntax errors do.
#include <map>
#include <string>
#include <string_view>

namespace kelu::config::detail {

// Dotted key path ("sources.pos_tcp.port") -> 1-based line of the key. Best effort:
// on malformed input it returns what it found before the fault.
std::map<std::string, int> locate_keys(std::string_view text);

// 1-based line and column of a byte offset.
std::pair<int, int> line_column(std::string_view text, std::size_t offset);

}  // namespace kelu::config::detail
