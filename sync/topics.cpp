// SPDX-License-Identifier: Apache-2.0
#include "topics.hpp"

namespace kelu::sync {

topics::topics(std::string tenant, std::string store)
    : root_("kelu/v1/" + tenant + "/" + store + "/"), estate_software_("kelu/v1/" + tenant + "/software/desired") {}

std::string topics::metrics(const std::string& kind) const {
  auto path = kind;
  for (auto& ch : path)
    if (ch == '.') ch = '/';
  return root_ + "metrics/" + path;
}

outbox_address route_for(const core::event& e, const topics& t) {
  if (std::holds_alternative<core::agent_health>(e.body))
    return {t.stats(), 1, false, health_priority, message_kind::health, {}};
  return {t.events(e.stream), 1, false, raw_priority, message_kind::event, e.stream};
}

}  // namespace kelu::sync
