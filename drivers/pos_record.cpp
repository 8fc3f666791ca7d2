// SPDX-License-Identifier: Apache-2.0
#include "pos_record.hpp"

namespace kelu::drivers {

core::event make_pos_event(parsed_record r, const event_origin& origin, const core::time_zone& zone) {
  core::event e;
  e.id = core::new_event_id();
  e.store = origin.store;
  e.source = origin.source;
  e.stream = "pos";
  e.received_at = origin.received_at;
  e.observed_at = r.time.value_or(origin.received_at);
  std::visit(
      [&](auto& rec) {
        if (rec.business_day.empty()) rec.business_day = core::format_date(zone.to_local(e.observed_at));
        e.body = std::move(rec);
      },
      r.record);
  return e;
}

std::string describe(const pos_record& r) {
  return std::visit([](const auto& rec) { return "terminal " + rec.terminal + " transaction " + rec.transaction_id; },
                    r);
}

}  // namespace kelu::drivers
