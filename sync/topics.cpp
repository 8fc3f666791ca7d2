#include "topics.hpp"

namespace kelu::sync {

topics::topics(std::string tenant, std::string store)
    : root_("kelu/v1/" + std::move(tenant) + "/" + std::move(store) + "/") {}

route route_for(const core::event& e, const topics& t) {
  if (std::holds_alternative<core::agent_health>(e.body)) return {t.stats(), 1, false, 1};
  return {t.events(e.stream), 1, false, 0};
}

}  // namespace kelu::sync
