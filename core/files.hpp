// SPDX-License-Identifier: Apache-2.0
#pragma once
// Small files the agent keeps beside its database or reads whole (configuration, keys, state).
// Replacing one is atomic: a reader (or the next boot after a power cut) sees the old content or
// the new, never a torn one: written beside it, fsynced, then renamed over it.
#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace kelu::core {

// Creates or replaces `file` with `text`, permissions `mode` (e.g. 0600 for keys). Retries
// interrupted and short writes. On failure the old file is untouched, the temporary removed, and
// the error names the file and why.
status write_file_atomically(const std::filesystem::path& file, std::string_view text, mode_t mode);

// The whole of `file`; nullopt when it cannot be opened (absent, unreadable).
std::optional<std::string> read_file(const std::filesystem::path& file);

}  // namespace kelu::core
