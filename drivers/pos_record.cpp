// SPDX-License-Identifier: Apache-2.0
#include "pos_record.hpp"

namespace kelu::drivers {

core::event make_pos_event(parsed_record r, const event_origin& origin, const core::time_zone& zone) {
  const auto observed = r.time.value_or(origin.received_at);
  auto body = std::visit(
      [&](auto& rec) -> core::payload {
        if (rec.business_day.empty()) rec.business_day = core::format_date(zone.to_local(observed));
        return std::move(rec);
      },
      r.record);
  return core::make_event({origin.store, origin.source, "pos", observed, origin.received_at}, std::move(body));
}

std::string describe(const pos_record& r) {
  return std::visit([](const auto& rec) { return "terminal " + rec.terminal + " transaction " + rec.transaction_id; },
                    r);
}

}  // namespace kelu::drivers
