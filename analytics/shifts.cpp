// SPDX-License-Identifier: Apache-2.0
#include "shifts.hpp"

#include <algorithm>
#include <map>
#include <optional>

namespace kelu::analytics {

std::int64_t shift::on_ms() const {
  std::int64_t ms = 0;
  for (const auto& i : on) ms += (i.to - i.from).count();
  return ms;
}

std::string associate_key(const std::string& operator_id, const std::string& operator_name) {
  return operator_id.empty() ? operator_name : operator_id;
}

credit credited_associate(const core::pos_transaction& t) {
  // Amounts per salesperson in line order, so a tie goes to the first named.
  std::vector<std::pair<std::string, std::int64_t>> by_line;
  std::map<std::string, std::string> names;
  // A line without a salesperson of its own is the transaction's salesperson's, if it has one.
  const auto whole = associate_key(t.salesperson_id, t.salesperson_name);
  for (const auto& i : t.items) {
    auto key = associate_key(i.salesperson_id, i.salesperson_name);
    const bool own = !key.empty();
    if (!own) key = whole;
    if (key.empty()) continue;
    const auto amount = i.amount_minor < 0 ? -i.amount_minor : i.amount_minor;
    auto it = std::find_if(by_line.begin(), by_line.end(), [&](const auto& p) { return p.first == key; });
    if (it == by_line.end())
      by_line.emplace_back(key, amount);
    else
      it->second += amount;
    names.try_emplace(key, own ? i.salesperson_name : t.salesperson_name);
  }
  if (!by_line.empty()) {
    const auto best = std::max_element(by_line.begin(), by_line.end(),
                                       [](const auto& a, const auto& b) { return a.second < b.second; });
    return {best->first, names[best->first], true};
  }
  if (auto key = associate_key(t.salesperson_id, t.salesperson_name); !key.empty())
    return {std::move(key), t.salesperson_name, true};
  return {associate_key(t.operator_id, t.operator_name), t.operator_name, false};
}

std::int64_t overlap_ms(const std::vector<utc_interval>& intervals, core::utc_time from, core::utc_time to) {
  std::int64_t ms = 0;
  for (const auto& i : intervals) {
    const auto a = std::max(i.from, from);
    const auto b = std::min(i.to, to);
    if (b > a) ms += (b - a).count() * i.count;
  }
  return ms;
}

std::vector<utc_interval> unite(std::vector<utc_interval> v) {
  std::sort(v.begin(), v.end(), [](const utc_interval& a, const utc_interval& b) { return a.from < b.from; });
  std::vector<utc_interval> out;
  for (auto& i : v) {
    if (i.to <= i.from) continue;
    if (!out.empty() && i.from <= out.back().to) {
      out.back().to = std::max(out.back().to, i.to);
      continue;
    }
    out.push_back({i.from, i.to, 1});
  }
  return out;
}

std::vector<shift> build_shifts(std::span<const core::event* const> events, const funnel_rules& rules,
                                const std::vector<utc_interval>& opening, core::utc_time day_start,
                                core::utc_time until) {
  struct person {
    std::string name;
    std::vector<utc_interval> on;
    std::map<std::string, core::utc_time> open;  // terminal -> signed on at
    bool signed_anywhere = false;
    std::optional<core::utc_time> first_sale, last_sale;
    seq_ranges trace;
  };
  std::map<std::string, person> people;
  // Where the opening hours around `t` end, for a shift nobody closed.
  const auto closing_after = [&](core::utc_time t) {
    for (const auto& i : opening)
      if (i.from <= t && t < i.to) return std::min(i.to, until);
    return until;
  };
  const auto opening_before = [&](core::utc_time t) {
    for (const auto& i : opening)
      if (i.from <= t && t < i.to) return i.from;
    return day_start;
  };
  for (const auto* ev : events) {
    const auto& e = *ev;
    if (const auto* op = std::get_if<core::pos_operator>(&e.body)) {
      const auto key = associate_key(op->operator_id, op->operator_name);
      if (key.empty()) continue;
      auto& p = people[key];
      if (p.name.empty()) p.name = op->operator_name;
      p.signed_anywhere = true;
      p.trace.add(e.source, e.seq);
      const auto t = std::clamp(e.observed_at, day_start, until);
      if (op->action == core::pos_operator_action::sign_on) {
        p.open.try_emplace(op->terminal, t);  // a second sign-on on the same till continues the shift
      } else if (auto it = p.open.find(op->terminal); it != p.open.end()) {
        p.on.push_back({it->second, t, 1});
        p.open.erase(it);
      } else {
        // Signed off without a sign-on today: on since the store opened (or midnight).
        p.on.push_back({opening_before(t), t, 1});
      }
    } else if (const auto* tx = std::get_if<core::pos_transaction>(&e.body)) {
      // A parked or training-mode ticket is no sign of selling on the floor (as in the funnel).
      if (tx->kind == core::pos_transaction_kind::suspended || tx->kind == core::pos_transaction_kind::training)
        continue;
      const auto who = credited_associate(*tx);
      if (who.key.empty()) continue;
      auto& p = people[who.key];
      if (p.name.empty()) p.name = who.name;
      if (!p.first_sale) p.first_sale = e.observed_at;
      p.last_sale = e.observed_at;
    }
  }
  std::vector<shift> out;
  for (auto& [key, p] : people) {
    shift s;
    s.operator_id = key;
    s.name = p.name;
    s.trace = std::move(p.trace);
    if (p.signed_anywhere) {
      for (const auto& [terminal, since] : p.open) p.on.push_back({since, closing_after(since), 1});
      s.basis = "sign-on";
    } else if (p.first_sale) {
      const auto pad = std::chrono::milliseconds(rules.inferred_shift_pad_ms);
      p.on.push_back({std::max(*p.first_sale - pad, day_start), std::min(*p.last_sale + pad, until), 1});
      s.basis = "sales";
    }
    for (auto& i : p.on) {
      i.from = std::clamp(i.from, day_start, until);
      i.to = std::clamp(i.to, day_start, until);
    }
    s.on = unite(std::move(p.on));
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace kelu::analytics
