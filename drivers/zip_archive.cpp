// SPDX-License-Identifier: Apache-2.0
#include "zip_archive.hpp"

#include <zlib.h>

#include <algorithm>

namespace kelu::drivers {

namespace {

std::uint32_t le(std::string_view b, std::size_t at, int n) {
  std::uint32_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + static_cast<std::size_t>(i)]);
  return v;
}

std::string at_byte(std::uint64_t offset) { return "byte " + std::to_string(offset) + ": "; }

core::result<std::string> inflate_raw(std::string_view data, std::size_t size, std::size_t max_bytes) {
  if (size > max_bytes) return core::error{"inflates to " + std::to_string(size) + " bytes, over the limit"};
  std::string out(size, '\0');
  z_stream z{};
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return core::error{"zlib cannot start"};
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int r = inflate(&z, Z_FINISH);
  const auto produced = out.size() - z.avail_out;
  inflateEnd(&z);
  // Z_BUF_ERROR with the output full: the member holds more than its header says.
  if (r != Z_STREAM_END) return core::error{"damaged deflate data (zlib " + std::to_string(r) + ")"};
  if (produced != size) return core::error{"inflates to " + std::to_string(produced) + " bytes, not " + std::to_string(size)};
  return out;
}

}  // namespace

core::result<zip_archive> zip_archive::open(std::string_view b) {
  // The end-of-central-directory record: the last 22 bytes, or before a comment of up to 64 KiB.
  if (b.size() < 22) return core::error{"not a ZIP archive (" + std::to_string(b.size()) + " bytes)"};
  std::size_t eocd = std::string_view::npos;
  const std::size_t lowest = b.size() > 22 + 65535 ? b.size() - 22 - 65535 : 0;
  for (std::size_t i = b.size() - 22 + 1; i-- > lowest;)
    if (le(b, i, 4) == 0x06054b50) {
      eocd = i;
      break;
    }
  if (eocd == std::string_view::npos) return core::error{"not a ZIP archive: no end of central directory"};
  const auto count = le(b, eocd + 10, 2);
  const auto dir_size = le(b, eocd + 12, 4);
  const auto dir_offset = le(b, eocd + 16, 4);
  if (dir_offset == 0xFFFFFFFF || count == 0xFFFF) return core::error{"a ZIP64 archive: not supported"};
  if (std::uint64_t{dir_offset} + dir_size > eocd)
    return core::error{at_byte(eocd) + "the central directory lies outside the file"};
  zip_archive z(b);
  std::size_t p = dir_offset;
  for (std::uint32_t i = 0; i < count; ++i) {
    if (p + 46 > eocd || le(b, p, 4) != 0x02014b50) return core::error{at_byte(p) + "bad central directory entry"};
    entry e;
    e.method = static_cast<std::uint16_t>(le(b, p + 10, 2));
    e.crc = le(b, p + 16, 4);
    e.compressed = le(b, p + 20, 4);
    e.size = le(b, p + 24, 4);
    const auto name_len = le(b, p + 28, 2), extra_len = le(b, p + 30, 2), comment_len = le(b, p + 32, 2);
    e.local_offset = le(b, p + 42, 4);
    if (p + 46 + name_len > eocd) return core::error{at_byte(p) + "entry name past the directory"};
    e.name = std::string(b.substr(p + 46, name_len));
    if ((le(b, p + 8, 2) & 1) != 0) return core::error{e.name + ": encrypted, not supported"};
    z.entries_.push_back(std::move(e));
    p += 46 + name_len + extra_len + comment_len;
  }
  return z;
}

const zip_archive::entry* zip_archive::find(std::string_view name) const {
  const auto it = std::find_if(entries_.begin(), entries_.end(), [&](const entry& e) { return e.name == name; });
  return it == entries_.end() ? nullptr : &*it;
}

core::result<std::string> zip_archive::read(std::string_view name, std::size_t max_bytes) const {
  const auto* e = find(name);
  if (!e) return core::error{std::string(name) + ": not in the archive"};
  const auto where = std::string(name) + ": ";
  const std::uint64_t lo = e->local_offset;
  if (lo + 30 > bytes_.size() || le(bytes_, e->local_offset, 4) != 0x04034b50)
    return core::error{where + at_byte(lo) + "no local header"};
  const std::uint64_t start = lo + 30 + le(bytes_, e->local_offset + 26, 2) + le(bytes_, e->local_offset + 28, 2);
  if (start + e->compressed > bytes_.size()) return core::error{where + "data past the end of the file"};
  const auto data = bytes_.substr(static_cast<std::size_t>(start), e->compressed);
  core::result<std::string> out = core::error{""};
  if (e->method == 0) {
    if (e->size != e->compressed) return core::error{where + "stored with two sizes"};
    if (e->size > max_bytes) return core::error{where + "larger than the limit"};
    out = std::string(data);
  } else if (e->method == 8) {
    out = inflate_raw(data, e->size, max_bytes);
    if (!out) return core::error{where + out.error_message()};
  } else {
    return core::error{where + "compression method " + std::to_string(e->method) + " is not supported"};
  }
  const auto crc = crc32(0, reinterpret_cast<const Bytef*>(out->data()), static_cast<uInt>(out->size()));
  if (crc != e->crc) return core::error{where + "CRC mismatch: the archive is damaged"};
  return out;
}

}  // namespace kelu::drivers
