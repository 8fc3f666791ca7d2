// SPDX-License-Identifier: Apache-2.0
#include "batch_codec.hpp"

#include <zlib.h>

namespace kelu::sync {

std::string deflate_batch(const std::vector<std::string>& events) {
  std::string joined;
  std::size_t size = 0;
  for (const auto& e : events) size += e.size() + 1;
  joined.reserve(size);
  for (const auto& e : events) (joined += e) += '\n';
  uLongf n = compressBound(static_cast<uLong>(joined.size()));
  std::string out(n, '\0');
  // Z_DEFAULT_COMPRESSION (6): bench/compression_bench shows level 6 within a few percent of 9.
  if (compress2(reinterpret_cast<Bytef*>(out.data()), &n, reinterpret_cast<const Bytef*>(joined.data()),
                static_cast<uLong>(joined.size()), Z_DEFAULT_COMPRESSION) != Z_OK)
    throw std::bad_alloc();  // the only failure compress2 has with a big enough buffer
  out.resize(n);
  return out;
}

core::result<std::vector<std::string>> inflate_batch(std::string_view compressed, std::size_t max_bytes) {
  z_stream z{};
  if (inflateInit(&z) != Z_OK) return core::error{"batch: zlib cannot start"};
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  z.avail_in = static_cast<uInt>(compressed.size());
  std::string text;
  int rc = Z_OK;
  while (rc == Z_OK) {
    if (text.size() >= max_bytes) {
      inflateEnd(&z);
      return core::error{"batch: inflates to more than " + std::to_string(max_bytes) + " bytes"};
    }
    const std::size_t before = text.size();
    text.resize(std::min(max_bytes, before + 65536));
    z.next_out = reinterpret_cast<Bytef*>(text.data() + before);
    z.avail_out = static_cast<uInt>(text.size() - before);
    rc = inflate(&z, Z_NO_FLUSH);  // Z_BUF_ERROR: no progress with fresh output space, i.e. truncated
    text.resize(text.size() - z.avail_out);
  }
  const auto consumed = z.total_in;
  inflateEnd(&z);
  if (rc != Z_STREAM_END)
    return core::error{"batch: not a complete zlib stream (stopped at byte " + std::to_string(consumed) + " of " +
                       std::to_string(compressed.size()) + ")"};
  if (consumed != compressed.size())
    return core::error{"batch: " + std::to_string(compressed.size() - consumed) + " bytes after the zlib stream"};
  std::vector<std::string> lines;
  for (std::size_t at = 0; at < text.size();) {
    const auto nl = text.find('\n', at);
    if (nl == std::string::npos) return core::error{"batch: the last line has no newline (byte " + std::to_string(at) + ")"};
    lines.push_back(text.substr(at, nl - at));
    at = nl + 1;
  }
  return lines;
}

}  // namespace kelu::sync
