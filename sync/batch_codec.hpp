// SPDX-License-Identifier: Apache-2.0
#pragma once
// The backfill lane's batches (mqtt.backfill_batch > 1): consecutive historical events of one
// stream, each exactly the JSON the box would publish on events/{stream}, one per line, the
// whole zlib-compressed (RFC 1950, what Python's zlib.decompress, Java's Inflater, Go's
// compress/zlib and Node's zlib.inflateSync read). Published on backfill/{stream}.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace kelu::sync {

std::string deflate_batch(const std::vector<std::string>& events);

// Refuses, with the byte offset where it stopped, anything that is not one complete zlib stream
// or that would inflate beyond `max_bytes` (a bomb). Lines are returned without their '\n'.
core::result<std::vector<std::string>> inflate_batch(std::string_view compressed, std::size_t max_bytes);

}  // namespace kelu::sync
