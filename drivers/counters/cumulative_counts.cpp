// SPDX-License-Identifier: Apache-2.0
#include "cumulative_counts.hpp"

namespace kelu::drivers {

cumulative_counts::result cumulative_counts::feed(const counter_reading& r) const {
  result out;
  if (!last_) {
    out.what = outcome::baseline;
    return out;
  }
  if (r.end <= last_->end) {
    out.what = outcome::stale;
    return out;
  }
  if (r.in < last_->in || r.out < last_->out || r.pass < last_->pass) {
    out.what = outcome::reset;
    return out;
  }
  out.what = outcome::counted;
  out.period = r;
  out.period.cumulative = false;
  out.period.start = last_->end;
  out.period.in = r.in - last_->in;
  out.period.out = r.out - last_->out;
  out.period.pass = r.pass - last_->pass;
  return out;
}

}  // namespace kelu::drivers
