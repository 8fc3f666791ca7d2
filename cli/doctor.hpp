// SPDX-License-Identifier: Apache-2.0
#pragma once
// `kelu doctor`: is this box fit to leave? One check per line, each passed or failed with what to
// do about it: the configuration, the database and its disk headroom, the clock and the tills'
// clocks, the broker (TLS and credentials included), every camera, every till source, the
// dashboard's port, and (beside a running agent) the software update HQ asked for. On a running box it works beside the agent (it notices the agent holds the
// ports and never takes its MQTT session); on a stopped one it is what a technician runs before
// starting it.
#include <chrono>
#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace kelu::cli {

struct doctor_check {
  std::string name;    // "broker", "camera door", "sources.pos_tcp", ...
  bool ok = false;
  std::string detail;  // what was found
  std::string fix;     // what to do when it failed; empty when ok
};

struct doctor_options {
  std::string config_path;
  std::chrono::milliseconds camera_read{3000};  // per camera
};

std::vector<doctor_check> run_checks(const doctor_options& o);
nlohmann::json to_json(const doctor_check& c);

// Prints one line per check (or, with `json`, a JSON array); exit 0 when every check passed.
int run_doctor(const doctor_options& o, bool json, std::ostream& out);

}  // namespace kelu::cli
