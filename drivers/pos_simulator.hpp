// SPDX-License-Identifier: Apache-2.0
#pragma once
// Replays a JSON-lines file of POS transactions to a pos_tcp_source as a till would: one
// line at a time, waiting for each answer, stamped with the current time. Used by
// `kelu simulate pos` and scripts/demo.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>

#include "core/result.hpp"

namespace kelu::drivers {

struct simulator_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 9750;
  std::string file;
  double rate_per_s = 2.0;  // 0: as fast as answers come
  bool loop = false;        // replay forever, suffixing transaction ids per round
};

struct simulator_totals {
  std::int64_t sent = 0;
  std::int64_t stored = 0;
  std::int64_t duplicates = 0;
  std::int64_t rejected = 0;
};

// Runs until the file ends (or, with loop, until `stop` is set). Answers are echoed to `out`.
core::result<simulator_totals> simulate_pos(const simulator_options& options, const std::atomic<bool>& stop,
                                            std::ostream& out);

}  // namespace kelu::drivers
