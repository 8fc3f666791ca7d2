// SPDX-License-Identifier: Apache-2.0
#pragma once
// The subcommands of `kelu-hq`: each adds its options to the app and returns what runs it once
// parsed (the exit code). main.cpp only dispatches.
#include <CLI/CLI.hpp>

#include <functional>

namespace kelu::hq::cli {

using command = std::function<int()>;

command add_sink(CLI::App& app);
command add_import(CLI::App& app);
command add_report(CLI::App& app);
command add_config(CLI::App& app);

}  // namespace kelu::hq::cli
