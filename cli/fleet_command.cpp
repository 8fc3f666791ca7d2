// SPDX-License-Identifier: Apache-2.0
#include "fleet_command.hpp"

#include <chrono>
#include <cstdio>
#include <iostream>

#include "analytics/weekly_hours.hpp"
#include "sim/fleet_publisher.hpp"

namespace kelu::cli {

int run_fleet_simulation(const fleet_options& o, std::ostream& out, std::ostream& err) {
  const auto fleet = sim::make_fleet(o.tenant, o.stores, o.seed);
  if (!o.master_dir.empty()) {
    if (auto st = sim::write_master_data(fleet, o.master_dir); !st) {
      err << "kelu simulate: " << st.error_message() << "\n";
      return 1;
    }
    out << "master data: " << o.master_dir << "/stores.csv, products.csv, associates.csv\n";
  }
  sim::publish_options p;
  p.uri = o.uri;
  p.username = o.username;
  p.password = o.password;
  p.connections = o.connections;
  p.speedup = o.speedup;
  p.redeliver = o.redeliver;
  p.seed = o.seed;
  if (o.day.empty()) {
    p.day = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()) - std::chrono::days(1);
  } else {
    auto d = analytics::parse_day(o.day);
    if (!d) {
      err << "kelu simulate: --day: " << d.error_message() << "\n";
      return 1;
    }
    p.day = *d;
  }
  auto stats = sim::publish_fleet_day(fleet, p, nullptr);
  if (!stats) {
    err << "kelu simulate: " << stats.error_message() << "\n";
    return 1;
  }
  char line[256];
  std::snprintf(line, sizeof line,
                "%d stores: %lld messages (%lld events, %lld closed aggregates), %lld sent twice, %.1f MB in %.1f s\n",
                o.stores, static_cast<long long>(stats->messages), static_cast<long long>(stats->events),
                static_cast<long long>(stats->aggregates), static_cast<long long>(stats->redelivered),
                static_cast<double>(stats->bytes) / 1e6, stats->seconds);
  out << line;
  return 0;
}

}  // namespace kelu::cli
