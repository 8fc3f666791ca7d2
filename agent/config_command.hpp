#pragma once
// `kelu config show|history|diff`: what a box runs and why, without reading code (docs/fleet.md).
#include <cstddef>
#include <iosfwd>
#include <string>

namespace kelu {

// Every key's value and where it came from (file, hq, local, default), secrets masked; `json`
// prints the same as a JSON array. Exit 2 when the file does not load.
int run_config_show(const std::string& config_path, bool json, std::ostream& out, std::ostream& err);

// The newest `limit` configuration changes from the store's database, newest first.
int run_config_history(const std::string& config_path, std::size_t limit, bool json, std::ostream& out,
                       std::ostream& err);

// What changing `old_path` into `new_path` does to a running agent: the key paths, the
// components rebuilt, the keys only a restart applies and why. Exit 2 when either does not load.
int run_config_diff(const std::string& old_path, const std::string& new_path, std::ostream& out, std::ostream& err);

}  // namespace kelu
