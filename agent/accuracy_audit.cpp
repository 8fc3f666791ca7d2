#include "accuracy_audit.hpp"

#include <algorithm>
#include <cstdlib>

namespace kelu {

namespace {

// Pairs counted and tapped crossings of one line and direction in time order: each tap takes
// the earliest unpaired counted crossing within the tolerance.
void pair_up(std::vector<audit_crossing> counted, std::vector<audit_crossing> tapped,
             std::chrono::milliseconds tolerance, line_audit& out) {
  const auto by_time = [](const audit_crossing& a, const audit_crossing& b) { return a.at < b.at; };
  std::sort(counted.begin(), counted.end(), by_time);
  std::sort(tapped.begin(), tapped.end(), by_time);
  std::vector<bool> used(counted.size(), false);
  for (const auto& t : tapped) {
    bool found = false;
    for (std::size_t i = 0; i < counted.size() && !found; ++i) {
      if (used[i] || counted[i].at < t.at - tolerance || counted[i].at > t.at + tolerance) continue;
      used[i] = found = true;
    }
    if (!found) out.missed.push_back(t);
  }
  for (std::size_t i = 0; i < counted.size(); ++i)
    if (!used[i]) out.extra.push_back(counted[i]);
}

std::vector<audit_crossing> only(const std::vector<audit_crossing>& v, const std::string& line, bool in) {
  std::vector<audit_crossing> out;
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

std::vector<line_audit> judge_audit(const std::vector<std::string>& lines, const std::vector<audit_crossing>& counted,
                                    const std::vector<audit_crossing>& tapped, std::chrono::milliseconds tolerance) {
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
    const auto by_time = [](const audit_crossing& x, const audit_crossing& y) { return x.at < y.at; };
    std::sort(a.missed.begin(), a.missed.end(), by_time);
    std::sort(a.extra.begin(), a.extra.end(), by_time);
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace kelu
