// SPDX-License-Identifier: Apache-2.0
// `kelu-hq`: HQ's side that runs on HQ's servers, never on a box (so the box's `kelu` links no
// PostgreSQL client). Subcommands in commands.hpp; docs/hq.md.
#include <csignal>
#include <string>
#include <vector>

#include "commands.hpp"
#include "kelu/version.hpp"

int main(int argc, char** argv) {
  // OpenSSL writes to an ssl:// broker with write(2), which raises SIGPIPE on a connection the
  // broker closed; the consumer reports that as an error and connects again instead.
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"Kelu HQ: the stores' data in PostgreSQL"};
  app.set_version_flag("--version", std::string("kelu-hq ") + kelu::version);
  app.require_subcommand(1);
  namespace cli = kelu::hq::cli;
  const std::vector<cli::command> commands{cli::add_sink(app), cli::add_import(app), cli::add_report(app),
                                           cli::add_config(app)};
  CLI11_PARSE(app, argc, argv);
  for (const auto& c : commands)
    if (const int code = c(); code >= 0) return code;
  return 2;
}
