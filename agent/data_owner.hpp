// SPDX-License-Identifier: Apache-2.0
#pragma once
// A command run as root that touches the data directory (kelu run by hand, ingest, report,
// doctor, config history, qr, tls) acts as the user who owns that directory, the agent's, so it
// never leaves a file the agent cannot open afterwards ("permission denied" on kelu.db-wal).
#include <filesystem>
#include <string>

#include "core/result.hpp"

namespace kelu {

// When this process runs as root and the directory holding `database` (or, not yet created,
// its parent) belongs to another user: become that user and group for good. Otherwise nothing.
// Returns the user's name when it switched ("" when not); an error when it could not.
core::result<std::string> act_as_data_owner(const std::filesystem::path& database);

}  // namespace kelu
