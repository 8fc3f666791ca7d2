// SPDX-License-Identifier: Apache-2.0
#include "pos_simulator.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <ostream>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "pos_tcp_client.hpp"

namespace kelu::drivers {

using nlohmann::json;

core::result<simulator_totals> simulate_pos(const simulator_options& o, const std::atomic<bool>& stop,
                                            std::ostream& out) {
  std::ifstream in(o.file);
  if (!in) return core::error{"cannot open " + o.file};
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] != '#') lines.push_back(line);
  if (lines.empty()) return core::error{o.file + ": no lines to send"};

  auto client = pos_tcp_client::connect(o.host, o.port, std::chrono::seconds(5));
  if (!client) return core::error{client.error_message()};
  const core::system_clock clock;
  simulator_totals totals;
  const auto gap = o.rate_per_s > 0 ? std::chrono::duration<double>(1.0 / o.rate_per_s) : std::chrono::duration<double>(0);
  auto next = std::chrono::steady_clock::now();
  for (int round = 0; !stop; ++round) {
    for (const auto& raw : lines) {
      if (stop) break;
      std::string line = raw;
      // Valid lines get the current time and, after the first round, a fresh id; the file's
      // deliberately bad lines are sent as they are.
      if (auto j = json::parse(raw, nullptr, false); j.is_object()) {
        j["time"] = core::format_iso8601(clock.now_utc());
        if (round > 0 && j.contains("transaction_id"))
          j["transaction_id"] = j["transaction_id"].get<std::string>() + "-r" + std::to_string(round);
        line = j.dump();
      }
      if (auto st = client->send(line + "\n", std::chrono::seconds(5)); !st) return core::error{st.error_message()};
      ++totals.sent;
      auto answer = client->read_line(std::chrono::seconds(30));
      if (!answer) return core::error{answer.error_message()};
      const auto a = json::parse(*answer, nullptr, false);
      if (a.value("ok", false))
        ++(a.value("duplicate", false) ? totals.duplicates : totals.stored);
      else
        ++totals.rejected;
      out << "till <- " << *answer << std::endl;
      next += std::chrono::duration_cast<std::chrono::steady_clock::duration>(gap);
      std::this_thread::sleep_until(next);
    }
    if (!o.loop) break;
  }
  return totals;
}

}  // namespace kelu::drivers
