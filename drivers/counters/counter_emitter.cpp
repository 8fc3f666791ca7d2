// SPDX-License-Identifier: Apache-2.0
#include "counter_emitter.hpp"

#include <algorithm>

namespace kelu::drivers {

core::event counter_emitter::make(const counter_reading& p, const char* basis, core::utc_time received) const {
  core::traffic_count c;
  c.sensor = id_.counter_id;
  c.line = id_.line;
  c.start = p.start;
  c.end = p.end;
  c.in = p.in;
  c.out = p.out;
  c.pass = p.pass;
  c.basis = basis;
  return core::make_event({id_.store_id, source_id(), "traffic", p.start, received}, std::move(c));
}

counter_emitter::taken counter_emitter::take(const std::vector<counter_reading>& readings, core::utc_time received) {
  taken out;
  for (const auto& r : readings) {
    if (!id_.channel.empty() && r.channel != id_.channel) {
      ++out.other_channel;
      continue;
    }
    if (!r.cumulative) {
      // Several lines of one device for the same period (channel empty): one period, summed,
      // rather than a second event with the same identity taken for a duplicate.
      const auto same = std::find_if(out.events.begin(), out.events.end(), [&](const core::event& e) {
        const auto& c = std::get<core::traffic_count>(e.body);
        return c.basis == "period" && c.start == r.start && c.end == r.end;
      });
      if (same == out.events.end()) {
        out.events.push_back(make(r, "period", received));
      } else {
        auto& c = std::get<core::traffic_count>(same->body);
        c.in += r.in;
        c.out += r.out;
        c.pass += r.pass;
      }
      continue;
    }
    const auto fed = cumulative_.feed(r);
    switch (fed.what) {
      case cumulative_counts::outcome::counted:
        out.events.push_back(make(fed.period, "cumulative", received));
        out.steps.push_back({cumulative_.last(), r});
        cumulative_.accept(r);
        break;
      case cumulative_counts::outcome::baseline:
      case cumulative_counts::outcome::reset:
        cumulative_.accept(r);
        ++out.baselines;
        break;
      case cumulative_counts::outcome::stale: break;
    }
  }
  return out;
}

void counter_emitter::not_stored(const std::vector<step>& steps) {
  for (auto it = steps.rbegin(); it != steps.rend(); ++it)
    if (cumulative_.last() == it->to) cumulative_.restore(it->from);
}

}  // namespace kelu::drivers
