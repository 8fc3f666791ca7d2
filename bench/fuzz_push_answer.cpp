// SPDX-License-Identifier: Apache-2.0
// A staged configuration push (hq::rollout) fed whatever stores publish: each line of the input is
// one step, its first byte the store (one of four, "a" and "b" the canaries), its second what
// happens (r: a config/reported payload, s: a status payload, t: the clock moves on by the digits
// that follow, in seconds; anything else: HQ publishes what is due), the rest the payload, parsed
// as the push command parses it. Checked after every step and at the end:
// - every store's state is one the table knows, each store once;
// - a halted push never sent to the stores it held back;
// - once the clock passes every deadline, the push ends (settle() true): it never waits forever.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "hq/push/rollout.hpp"

namespace {

using namespace std::chrono_literals;
using kelu::hq::rollout;
using kelu::hq::steady;

const std::set<std::string> states{"pending",     "sent",     "restarting", "applied", "rolled_back",
                                   "rejected",    "no_answer", "not_sent",  "offline"};

void check(const rollout& r, const std::set<std::string>& sent) {
  if (r.outcomes().size() != 4) std::abort();
  for (const auto& o : r.outcomes()) {
    if (!states.contains(o.state)) std::abort();
    if (r.halted() && !o.canary && sent.contains(o.store)) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto soak = 60s, deadline = 900s;
  rollout r({"a", "b", "c", "d"}, {"a", "b"}, {7, soak, deadline});
  steady::time_point now{};
  std::set<std::string> sent;
  const auto publish = [&] {
    for (const auto& s : r.publish_now(now)) sent.insert(s);
  };
  for (std::size_t at = 0; at < input.size();) {
    const auto end = std::min(input.find('\n', at), input.size());
    const auto line = input.substr(at, end - at);
    at = end + 1;
    if (line.size() < 2) continue;
    const std::string store(1, static_cast<char>('a' + (static_cast<unsigned char>(line[0]) % 4)));
    const auto payload = nlohmann::json::parse(line.substr(2), nullptr, false);
    if (line[1] == 'r') r.on_reported(store, payload, now);
    else if (line[1] == 's') r.on_status(store, payload, now);
    else if (line[1] == 't') now += std::chrono::seconds(std::strtol(std::string(line.substr(2, 6)).c_str(), nullptr, 10) & 0xffff);
    else publish();
    (void)r.settle(now);
    check(r, sent);
  }
  // Nobody answers any more: within a few deadlines of the clock, every store has its final state.
  bool done = false;
  for (int step = 0; step < 4 && !done; ++step) {
    now += deadline + soak;
    publish();
    done = r.settle(now);
    check(r, sent);
  }
  if (!done) std::abort();
  return 0;
}
