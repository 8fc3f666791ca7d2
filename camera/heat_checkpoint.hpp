// SPDX-License-Identifier: Apache-2.0
#pragma once
// The heat in progress of one camera (heat_tiles.hpp's heat_progress), kept in a file beside the
// database so that a restart (an update, a settings change that rebuilds the camera, a crash)
// carries the hour and the day on instead of starting them empty: a stop loses nothing, a crash
// at most `every` of heat. Heat is counts of person-seconds per cell, never an image.
// Not thread-safe: the camera's vision thread owns it.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "heat_tiles.hpp"

namespace kelu::camera {

class heat_checkpoint {
 public:
  // `file` empty: keeps nothing (kelu count, tests without a data directory).
  heat_checkpoint(std::filesystem::path file, std::chrono::seconds every);

  // What the file holds; nothing when there is no file (or no `file`). An error names the file
  // and the key it could not read; the camera logs it and starts afresh.
  core::result<std::optional<heat_progress>> load() const;

  // True when `every` has passed since the last save (or there was none yet).
  bool due(std::chrono::steady_clock::time_point at) const;
  // Writes `p` (the caller decides when: due(), an hour closed, the camera stopping). Atomic
  // (core/files.hpp): a crash leaves the previous checkpoint. An error names the file; due()
  // waits `every` before the next try.
  core::status save(const heat_progress& p, std::chrono::steady_clock::time_point at);

  const std::filesystem::path& file() const { return file_; }

 private:
  std::filesystem::path file_;
  std::chrono::seconds every_;
  std::optional<std::chrono::steady_clock::time_point> last_;
};

// Where camera `id`'s checkpoint lives for a database at `database` (its directory).
std::filesystem::path heat_checkpoint_file(const std::filesystem::path& database, const std::string& id);

}  // namespace kelu::camera
