// SPDX-License-Identifier: Apache-2.0
#pragma once
// What HQ asks of a box's software (docs/mqtt.md, "Software"): the retained software/desired
// document, read here apart from any I/O, and the maintenance window it may be installed in.
//   {"version": "0.2.1", "attempt": 0, "gate_s": 120, "window": "closed"}
// Only "version" is required. "window": "closed" (default) = while the store is closed
// (store.opening_hours; 01:00-05:00 store time when it has none), "any", or weekly ranges in
// store time ("02:00-05:00", "mon-fri 02:00-05:00", the opening-hours syntax). "attempt": a
// version that was rolled back is tried again only when HQ raises it. "gate_s": how long the new
// version has to pass the health gate (30..900 s, default 120).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "analytics/weekly_hours.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "core/time_zone.hpp"

namespace kelu {

struct software_desired {
  std::string version;
  std::int64_t attempt = 0;
  std::chrono::seconds gate{120};
  std::string window = "closed";  // as HQ wrote it
};

inline constexpr std::chrono::seconds min_update_gate{30};
inline constexpr std::chrono::seconds max_update_gate{900};

// A payload of software/desired. Errors name the key and what is wrong; an unknown key is an error
// too (an instruction from HQ is followed whole or not at all). An empty payload is not a
// document: HQ cleared it.
core::result<software_desired> parse_software_desired(std::string_view payload);

// A Debian package version as apt takes it after "kelu=" ([epoch:]upstream[-revision], starting
// with a digit): nothing that apt-get could read as an option or a second package.
bool valid_package_version(std::string_view version);

// When an update may start, in the store's time. The "closed" window also needs the store to stay
// closed for `margin` (an update and a rollback must be over before the doors open).
class maintenance_window {
 public:
  // Errors name the window's text and what is wrong.
  static core::result<maintenance_window> make(const std::string& window, const std::string& opening_hours,
                                               std::chrono::seconds margin);
  bool open_at(core::utc_time t, const core::time_zone& zone) const;
  // The first instant from `t` on (5-minute steps, up to 8 days) at which the window is open.
  std::optional<core::utc_time> next_open(core::utc_time t, const core::time_zone& zone) const;

 private:
  enum class kind { any, ranges, closed };
  bool in(const analytics::weekly_hours& h, core::utc_time t, const core::time_zone& zone) const;
  kind kind_ = kind::any;
  analytics::weekly_hours hours_;  // ranges: when allowed; closed: when the store is open
  std::chrono::seconds margin_{0};
};

}  // namespace kelu
