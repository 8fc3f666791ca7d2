// SPDX-License-Identifier: Apache-2.0
#pragma once
// What technicians' accuracy audits found, per counting line: the counts the box made and the
// crossings the technician tapped over the same clip (docs/dashboard.md, "Accuracy audit"). The
// latest audit of a line is the accuracy that counts for its installation. On the io_context
// thread; calls throw std::runtime_error when SQLite fails.
#include <cstdint>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "database.hpp"

namespace kelu::sync {

struct audit_row {
  std::string camera;
  std::string line;
  core::utc_time audited_at{};
  std::int64_t seconds = 0;  // the clip's length
  std::int64_t in_box = 0, out_box = 0;
  std::int64_t in_tapped = 0, out_tapped = 0;
};

class audit_store {
 public:
  explicit audit_store(database& db);
  // One audit's lines, together.
  void add(const std::vector<audit_row>& rows);
  // The latest audit of every line ever audited, by camera and line.
  std::vector<audit_row> latest();

 private:
  database& db_;
};

}  // namespace kelu::sync
