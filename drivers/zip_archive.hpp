// SPDX-License-Identifier: Apache-2.0
#pragma once
// Reads members of a ZIP archive held in memory: what an Excel .xlsx file is. Stored and
// deflated members, CRC-checked; no ZIP64, no encryption. Pure: no files, no state beyond
// the bytes it was given, which the caller keeps alive.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace kelu::drivers {

class zip_archive {
 public:
  // An error naming what is wrong and where ("byte 1234: ...") when `bytes` is not a ZIP
  // this reader can open. `bytes` must outlive the archive.
  static core::result<zip_archive> open(std::string_view bytes);

  bool contains(std::string_view name) const { return find(name) != nullptr; }
  // A member's contents, inflated and CRC-checked; an error when it is absent, larger than
  // `max_bytes` once inflated (a zip bomb is refused, not expanded), or damaged.
  core::result<std::string> read(std::string_view name, std::size_t max_bytes = 64u << 20) const;

 private:
  struct entry {
    std::string name;
    std::uint16_t method = 0;
    std::uint32_t crc = 0;
    std::uint32_t compressed = 0, size = 0, local_offset = 0;
  };
  explicit zip_archive(std::string_view bytes) : bytes_(bytes) {}
  const entry* find(std::string_view name) const;

  std::string_view bytes_;
  std::vector<entry> entries_;
};

}  // namespace kelu::drivers
