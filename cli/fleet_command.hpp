// SPDX-License-Identifier: Apache-2.0
#pragma once
// `kelu simulate --fleet N`: N simulated stores' trading day published to HQ's broker to load-test
// HQ (sim/fleet_publisher.hpp; docs/hq.md, "Simulating a fleet"), and the fleet's master data as
// the CSV files `kelu-hq import` reads.
#include <cstdint>
#include <iosfwd>
#include <string>

namespace kelu::cli {

struct fleet_options {
  int stores = 0;
  std::string uri;              // tcp://host:port
  std::string tenant = "sim";
  std::string day;              // YYYY-MM-DD, the local trading day; "" yesterday
  double speedup = 0;
  double redeliver = 0.005;
  int connections = 8;
  std::uint64_t seed = 1;
  std::string master_dir;       // write stores.csv, products.csv, associates.csv here
  std::string username, password;
};

// Exit code 0, or 1 with the reason on `err`.
int run_fleet_simulation(const fleet_options& o, std::ostream& out, std::ostream& err);

}  // namespace kelu::cli
