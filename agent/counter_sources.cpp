// SPDX-License-Identifier: Apache-2.0
#include "counter_sources.hpp"

#include "drivers/counters/counter_poller.hpp"
#include "drivers/counters/counter_receiver.hpp"

namespace kelu {

drivers::named_sources make_counter_sources(boost::asio::any_io_executor ex,
                                                                   core::event_ingest& ingest, const core::clock& clock,
                                                                   const config::config& c,
                                                                   const core::time_zone& store_zone,
                                                                   std::shared_ptr<spdlog::logger> log) {
  drivers::named_sources out;
  std::map<std::string, std::shared_ptr<drivers::push_counter>> pushing;
  for (const auto& k : c.counters) {
    const drivers::counter_identity id{c.store.id, k.id, k.line, k.channel};
    if (k.vendor == "hikvision" || k.vendor == "xovis") {
      auto p = std::make_shared<drivers::push_counter>(
          k.vendor, id, drivers::http_auth_check(k.auth, k.username, k.password, k.token));
      out.push_back({"counters", std::make_unique<drivers::push_counter_source>(p)});
      pushing.emplace(k.id, std::move(p));
      continue;
    }
    auto o = drivers::counter_poller_options_for(c, k);
    out.push_back({"counters", std::make_unique<drivers::counter_poller>(ex, ingest, clock, std::move(o), log)});
  }
  if (!pushing.empty()) {
    const auto o = drivers::counter_receiver_options_for(c, store_zone);
    out.push_back({"counters", std::make_unique<drivers::counter_receiver>(ex, ingest, clock, o, std::move(pushing), log)});
  }
  return out;
}

}  // namespace kelu
