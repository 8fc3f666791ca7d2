// SPDX-License-Identifier: Apache-2.0
#pragma once
// `kelu update apply`: the root half of a software update (docs/fleet.md, "Software updates"),
// started by kelu-update.path when the agent leaves a request in its update directory
// (update_dir.hpp). It carries the request out with apt from the repositories the box trusts (HQ's
// signed one among them):
//   1. takes request.json (renamed to applying.json: taken once);
//   2. keeps a copy of the running package (apt-get download, into --keep), so a rollback needs
//      no network; without one it does not update;
//   3. installs the version asked for (apt-get install kelu=V, downgrades allowed: HQ may ask for
//      an older version);
//   4. restarts the agent, which judges itself by the health gate and writes its verdict;
//   5. no passing verdict within gate_s (+ the start allowance): reinstalls the kept copy and
//      restarts the agent again;
//   6. writes result.json (outcome "updated", "rolled_back", "failed" or "current"; reason;
//      took_s), which the agent reports on software/reported.
// A run cut short (power cut mid-install) leaves applying.json: the next run finishes it, judging
// by the verdict if there is one and rolling back otherwise.
//
// Threading: blocks the calling thread (each step has a deadline).
#include <chrono>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

namespace kelu::cli {

struct update_options {
  std::filesystem::path dir;                       // the agent's update directory
  std::filesystem::path keep = "/var/lib/kelu-update";  // root's copy of the running package
  std::vector<std::string> restart = {"systemctl", "restart", "kelu.service"};
  std::string package = "kelu";
  std::chrono::seconds start_allowance{60};  // for the agent to start, beyond the gate's own time
  std::chrono::seconds apt_deadline{1200};   // each apt-get run (a slow store uplink)
};

// Exit status: 0 when there was nothing to do or an outcome was written, 1 when none could be.
int run_update_apply(const update_options& o, std::ostream& out, std::ostream& err);

}  // namespace kelu::cli
