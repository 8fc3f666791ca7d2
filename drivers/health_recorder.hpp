// SPDX-License-Identifier: Apache-2.0
#pragma once
// Counts what a source accepted, found duplicate and rejected, and its last error, for
// agent.health. Thread-safe: drop folders record from their worker thread.
#include <mutex>
#include <string>
#include <vector>

#include "core/event.hpp"
#include "core/event_ingest.hpp"
#include "drivers/till_clock.hpp"

namespace kelu::drivers {

class health_recorder {
 public:
  health_recorder(std::string source, std::string driver) {
    h_.source = std::move(source);
    h_.driver = std::move(driver);
  }

  void committed(const std::vector<core::commit_outcome>& outcomes, core::utc_time now) {
    std::lock_guard lock(m_);
    for (const auto& o : outcomes) {
      ++h_.accepted;
      h_.duplicates += o.duplicate ? 1 : 0;
    }
    if (!outcomes.empty()) h_.last_event_at = now;
  }
  void rejected(const std::string& why, core::utc_time now, std::int64_t count = 1) {
    std::lock_guard lock(m_);
    h_.rejected += count;
    h_.last_error = why;
    h_.last_error_at = now;
  }
  // A live sale terminal `terminal` stamped `observed_at` reached the box at `received_at`: as
  // till_clock::observe, the terminal's offset when its clock has just been found off (0: set right
  // again), worth one log line.
  std::optional<std::int64_t> observed(const std::string& terminal, core::utc_time observed_at,
                                       core::utc_time received_at) {
    std::lock_guard lock(m_);
    return tills_.observe(terminal, observed_at, received_at);
  }
  // Parts of stored records the parser read around (file_records::warnings).
  void read_around(std::int64_t count) {
    std::lock_guard lock(m_);
    h_.read_around += count;
  }
  // A failure that is not the input's fault (storage busy, printer unreachable).
  void failed(const std::string& why, core::utc_time now) {
    std::lock_guard lock(m_);
    h_.last_error = why;
    h_.last_error_at = now;
  }
  core::source_health snapshot() const {
    std::lock_guard lock(m_);
    auto h = h_;
    h.clock_offsets = tills_.offsets();  // the estimates as of now, not as of the last crossing
    return h;
  }

 private:
  mutable std::mutex m_;
  core::source_health h_;
  till_clock tills_;
};

}  // namespace kelu::drivers
