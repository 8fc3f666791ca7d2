// SPDX-License-Identifier: Apache-2.0
#include "dahua_counting.hpp"

#include <charconv>
#include <map>
#include <string>

namespace kelu::drivers {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

core::result<counter_reading> parse_dahua_summary(std::string_view body, core::utc_time at) {
  struct value {
    std::string text;
    int line = 0;
  };
  std::map<std::string, value, std::less<>> keys;
  int line_no = 0;
  for (std::size_t pos = 0; pos < body.size();) {
    auto nl = body.find('\n', pos);
    if (nl == std::string_view::npos) nl = body.size();
    const auto line = trim(body.substr(pos, nl - pos));
    pos = nl + 1;
    ++line_no;
    if (line.empty() || line.rfind("--", 0) == 0 || line.rfind("Content-", 0) == 0 || line == "Heartbeat") continue;
    const auto eq = line.find('=');
    if (eq == std::string_view::npos)
      return core::error{"line " + std::to_string(line_no) + ": expected key=value, got \"" +
                         std::string(line.substr(0, 40)) + "\""};
    keys[std::string(trim(line.substr(0, eq)))] = {std::string(trim(line.substr(eq + 1))), line_no};
  }
  const auto count = [&](std::string_view base, bool required) -> core::result<std::int64_t> {
    for (const char* period : {".Total", ".Today"}) {
      const auto it = keys.find("summary." + std::string(base) + period);
      if (it == keys.end()) continue;
      std::int64_t v = 0;
      const auto& s = it->second.text;
      const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (s.empty() || ec != std::errc{} || end != s.data() + s.size() || v < 0)
        return core::error{"line " + std::to_string(it->second.line) + ": " + it->first + ": not a count: \"" +
                           s.substr(0, 40) + "\""};
      return v;
    }
    if (required) return core::error{"summary." + std::string(base) + ".Total: missing (nor .Today)"};
    return std::int64_t{0};
  };
  counter_reading r;
  r.cumulative = true;
  r.start = r.end = at;
  auto in = count("EnteredSubtotal", true);
  if (!in) return core::error{in.error_message()};
  auto out = count("ExitedSubtotal", true);
  if (!out) return core::error{out.error_message()};
  auto pass = count("PassedSubtotal", false);
  if (!pass) return core::error{pass.error_message()};
  r.in = *in;
  r.out = *out;
  r.pass = *pass;
  if (const auto c = keys.find("summary.Channel"); c != keys.end()) r.channel = c->second.text;
  if (const auto n = keys.find("summary.RuleName"); n != keys.end()) r.device = n->second.text;
  return r;
}

}  // namespace kelu::drivers
