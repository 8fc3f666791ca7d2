// SPDX-License-Identifier: Apache-2.0
#include "accuracy_audit.hpp"

#include <algorithm>
#include <cstdlib>

namespace kelu {

namespace {

// Pairs counted and tapped crossings of one line and direction, closest in time first, each at
// most once and within the tolerance: what a person matching them by eye would do (pairing each
// tap with the earliest free crossing instead can leave the wrong one of two close crossings
// over).
void pair_up(const std::vector<camera::audit_crossing>& counted, const std::vector<camera::audit_crossing>& tapped,
             std::chrono::milliseconds tolerance, line_audit& out) {
  struct candidate {
    core::utc_time::duration apart;
    std::size_t tap, count;
  };
  std::vector<candidate> candidates;
  for (std::size_t t = 0; t < tapped.size(); ++t)
    for (std::size_t c = 0; c < counted.size(); ++c) {
      const auto apart = tapped[t].at > counted[c].at ? tapped[t].at - counted[c].at : counted[c].at - tapped[t].at;
      if (apart <= tolerance) candidates.push_back({apart, t, c});
    }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const candidate& a, const candidate& b) { return a.apart < b.apart; });
  std::vector<bool> tap_paired(tapped.size(), false), count_paired(counted.size(), false);
  for (const auto& k : candidates)
    if (!tap_paired[k.tap] && !count_paired[k.count]) tap_paired[k.tap] = count_paired[k.count] = true;
  for (std::size_t t = 0; t < tapped.size(); ++t)
    if (!tap_paired[t]) out.missed.push_back(tapped[t]);
  for (std::size_t c = 0; c < counted.size(); ++c)
    if (!count_paired[c]) out.extra.push_back(counted[c]);
}

std::vector<camera::audit_crossing> only(const std::vector<camera::audit_crossing>& v, const std::string& line, bool in) {
  std::vector<camera::audit_crossing> out;
  for (const auto& c : v)
    if (c.line == line && c.in == in) out.push_back(c);
  return out;
}

}  // namespace

std::optional<double> count_accuracy(std::int64_t in_box, std::int64_t out_box, std::int64_t in_tapped,
                                     std::int64_t out_tapped) {
  const auto truth = in_tapped + out_tapped;
  if (truth <= 0) return std::nullopt;
  const auto wrong = std::llabs(in_box - in_tapped) + std::llabs(out_box - out_tapped);
  return std::max(0.0, 1.0 - static_cast<double>(wrong) / static_cast<double>(truth));
}

std::vector<line_audit> judge_audit(const std::vector<std::string>& lines, const std::vector<camera::audit_crossing>& counted,
                                    const std::vector<camera::audit_crossing>& tapped, std::chrono::milliseconds tolerance) {
  std::vector<line_audit> out;
  for (const auto& name : lines) {
    line_audit a;
    a.line = name;
    for (const bool in : {true, false}) {
      const auto c = only(counted, name, in);
      const auto t = only(tapped, name, in);
      (in ? a.in_box : a.out_box) = static_cast<std::int64_t>(c.size());
      (in ? a.in_tapped : a.out_tapped) = static_cast<std::int64_t>(t.size());
      pair_up(c, t, tolerance, a);
    }
    a.accuracy = count_accuracy(a.in_box, a.out_box, a.in_tapped, a.out_tapped);
    const auto by_time = [](const camera::audit_crossing& x, const camera::audit_crossing& y) { return x.at < y.at; };
    std::sort(a.missed.begin(), a.missed.end(), by_time);
    std::sort(a.extra.begin(), a.extra.end(), by_time);
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace kelu
