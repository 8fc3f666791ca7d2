// SPDX-License-Identifier: Apache-2.0
#pragma once
// Counts what a source accepted, found duplicate and rejected, and its last error, for
// agent.health. Thread-safe: drop folders record from their worker thread.
#include <mutex>
#include <string>
#include <vector>

#include "core/event.hpp"
#include "core/event_ingest.hpp"

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
    return h_;
  }

 private:
  mutable std::mutex m_;
  core::source_health h_;
};

}  // namespace kelu::drivers
