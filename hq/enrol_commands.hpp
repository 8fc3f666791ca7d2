// SPDX-License-Identifier: Apache-2.0
#pragma once
// HQ's enrolment commands (docs/hq.md, "Enrolling a box"):
//   kelu hq enroll-code --codes FILE --tenant T --store S [--valid-hours H] [--settings FILE] [--hq URL]
//   kelu hq enroll-code --codes FILE --list [--tenant T]
//   kelu hq enroll-server --codes FILE --sign "CMD ARGS" [--revoke "CMD ARGS"] --ca FILE --cert FILE
//                         --key FILE [--settings FILE] [--listen ADDR] [--port N]
// A settings file is a JSON object of key paths as `kelu config set` takes them
// ({"mqtt.uri": "ssl://hq.example.com:8883", "store.time_zone": "Asia/Shanghai"}), checked
// against the box's key table when it is read.
#include <iosfwd>
#include <string>
#include <vector>

namespace kelu::hq {

struct enrol_code_options {
  std::string codes;
  std::string tenant;
  std::string store;
  int valid_hours = 72;
  std::string settings;  // file; empty: none beyond the estate's
  std::string hq_url;    // printed in the technician's command line
  bool list = false;
};

// Prints the new code and the command the technician runs; exit 0, or 2 with the reason on `err`.
int run_enrol_code(const enrol_code_options& o, std::ostream& out, std::ostream& err);

struct enrol_server_options {
  std::string codes;
  std::vector<std::string> sign;    // the signing command's argv (ca_command.hpp)
  std::vector<std::string> revoke;  // the revoking command's argv; empty: none
  std::string ca;                 // PEM file: the CA boxes trust for HQ's broker
  std::string cert, key;          // this server's https identity
  std::string settings;           // the estate's settings file; empty: none
  std::string listen = "0.0.0.0";
  int port = 8443;                // 0: any free port (tests); printed once listening
  int sign_timeout_s = 20;
};

// Serves until SIGINT or SIGTERM; prints "listening on https://ADDR:PORT" once it does. Exit 0, or
// 2 when it cannot start (the reason on `err`).
int run_enrol_server(const enrol_server_options& o, std::ostream& out, std::ostream& err);

}  // namespace kelu::hq
