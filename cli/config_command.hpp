// SPDX-License-Identifier: Apache-2.0
#pragma once
// `kelu config show|history|diff`: what a box runs and why, without reading code (docs/fleet.md).
#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

namespace kelu::cli {

// Every key's value and where it came from (file, hq, local, default), secrets masked; `json`
// prints the same as a JSON array. Exit 2 when the file does not load.
int run_config_show(const std::string& config_path, bool json, std::ostream& out, std::ostream& err);

// The newest `limit` configuration changes from the store's database, newest first.
int run_config_history(const std::string& config_path, std::size_t limit, bool json, std::ostream& out,
                       std::ostream& err);

// What changing `old_path` into `new_path` does to a running agent: the key paths, the
// components rebuilt, the keys only a restart applies and why. Exit 2 when either does not load.
int run_config_diff(const std::string& old_path, const std::string& new_path, std::ostream& out, std::ostream& err);

// Installs `new_path` as the agent's file (`config_path`; the old one kept as .previous), has the
// running agent reload it through its control socket and waits for the verdict. A refused or
// rolled_back change puts the old file back. Exit 0 when applied (or when no agent runs: it takes
// the file at its next start), 1 when undone, 2 when the new file does not load.
int run_config_apply(const std::string& new_path, const std::string& config_path, std::ostream& out,
                     std::ostream& err);

// `kelu status`: the running agent's components, queues and last errors, through its control socket.
// `kelu config set KEY=VALUE... [--reset KEY]`: the technician's settings (technician.json) through
// the running agent's control socket, checked, applied and judged like the technician page's; a
// box in minimal mode takes them too. VALUE is JSON when it parses (9760, true, ["a"], "\"123\""),
// a string otherwise. Exit 0 when the change holds, 1 when refused or undone, 2 for a bad argument.
int run_config_set(const std::vector<std::string>& assignments, const std::vector<std::string>& resets,
                   const std::string& config_path, std::ostream& out, std::ostream& err);

int run_status(const std::string& config_path, bool json, std::ostream& out, std::ostream& err);

}  // namespace kelu::cli
