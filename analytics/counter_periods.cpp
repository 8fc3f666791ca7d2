// SPDX-License-Identifier: Apache-2.0
#include "counter_periods.hpp"

#include <algorithm>

namespace kelu::analytics {

namespace {
// Longer periods are not shared out (a counter's periods are minutes to hours): it keeps the
// arithmetic below within 64 bits on every target, 32-bit ARM included.
constexpr std::int64_t longest_ms = std::int64_t{31} * 24 * 3600 * 1000;
}  // namespace

std::map<std::string, std::vector<utc_interval>> counter_gaps(std::span<const core::event* const> events,
                                                              const std::set<std::string>& counters,
                                                              core::utc_time from, core::utc_time to) {
  std::map<std::string, std::vector<utc_interval>> seen;
  for (const auto* e : events)
    if (const auto* c = std::get_if<core::traffic_count>(&e->body); c && counters.count(c->sensor))
      seen[c->sensor].push_back({std::max(c->start, from), std::min(c->end, to), 1});
  std::map<std::string, std::vector<utc_interval>> gaps;
  for (const auto& id : counters) {
    auto& periods = seen[id];
    std::sort(periods.begin(), periods.end(), [](const utc_interval& a, const utc_interval& b) { return a.from < b.from; });
    auto cursor = from;
    auto& g = gaps[id];
    for (const auto& p : periods) {
      if (p.to <= p.from) continue;
      if (p.from > cursor) g.push_back({cursor, p.from, 1});
      cursor = std::max(cursor, p.to);
    }
    if (cursor < to) g.push_back({cursor, to, 1});
  }
  return gaps;
}

std::vector<share> spread(std::int64_t count, core::utc_time start, core::utc_time end, core::utc_time origin,
                          std::chrono::milliseconds step) {
  if (end <= start || count <= 0 || (end - start).count() > longest_ms) return {};
  const auto length = (end - start).count();
  // count · overlap ÷ length without its product: count = q · length + r, so the share is
  // q · overlap + (r · overlap) ÷ length, where r · overlap < length² < 2⁶³.
  const auto q = count / length;
  const auto r = count % length;
  // Every bucket the period touches, those before `origin` too, so a bucket's share does not
  // depend on where the day begins; those are dropped at the end.
  struct part {
    std::int64_t index = 0;
    std::int64_t count = 0;
    std::int64_t remainder = 0;
  };
  std::vector<part> parts;
  const auto from = start - origin;
  auto first = from / step;
  if (from.count() < 0 && from % step != std::chrono::milliseconds{0}) --first;  // floor, not truncation
  std::int64_t given = 0;
  for (auto i = first;; ++i) {
    const auto b_from = origin + i * step;
    if (b_from >= end) break;
    const auto overlap = (std::min(end, b_from + step) - std::max(start, b_from)).count();
    if (overlap <= 0) continue;
    const auto rest = r * overlap;
    parts.push_back({i, q * overlap + rest / length, rest % length});
    given += parts.back().count;
  }
  std::vector<std::size_t> order(parts.size());
  for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return parts[a].remainder > parts[b].remainder; });
  for (std::size_t k = 0; k < order.size() && given < count; ++k, ++given) ++parts[order[k]].count;
  std::vector<share> out;
  for (const auto& p : parts)
    if (p.index >= 0 && p.count > 0) out.push_back({static_cast<std::size_t>(p.index), p.count});
  return out;
}

}  // namespace kelu::analytics
