// SPDX-License-Identifier: Apache-2.0
#pragma once
// A network namespace of the test's own, joined to this one by a veth pair: a second host on the
// machine, and a link between the two that the test can break. What runs inside (the agent, under
// `ip netns exec`) reaches this side at host_address() and is reached at inside_address(); faults
// are nftables rules and a tc qdisc on the namespace's end only, so nothing outside the test sees
// them. Needs root (CAP_NET_ADMIN) and Debian's iproute2 and nftables: available() says why not.
// Not thread-safe: one test thread sets faults.
#include <cstdint>
#include <string>
#include <vector>

#include "temp_dir.hpp"

namespace kelu::test {

class netns {
 public:
  // Empty when a namespace can be made here; otherwise why not (for GTEST_SKIP).
  static std::string unavailable();
  // Makes the namespace and the link (a fatal test failure if it cannot: check HasFatalFailure()).
  // The /30 subnet and the names come from the first free slot, so parallel tests each get their own.
  netns();
  ~netns();  // deletes the namespace and the link
  netns(const netns&) = delete;
  netns& operator=(const netns&) = delete;

  const std::string& name() const { return name_; }
  std::string host_address() const;    // this side of the link
  std::string inside_address() const;  // the namespace's side
  // `argv` prefixed to run inside: ip netns exec NAME argv...
  std::vector<std::string> inside(std::vector<std::string> argv) const;

  // Faults on traffic to and from `port` on the far side of the link, as seen from inside (the
  // broker's port, for the agent's uplink) or on `port` inside (a till's or a phone's connection
  // to the box): `remote` says which.
  struct flow {
    std::uint16_t port = 0;
    bool remote = true;
  };
  // Every packet of `f`, both ways, silently dropped: a router gone, a half-open connection.
  void blackhole(flow f);
  // Each packet of `f`, both ways, dropped with probability percent/100.
  void lose(flow f, int percent);
  // What the namespace sends to `remote_port` (HQ's broker: the store's WAN uplink) limited to
  // `kbit` kbit/s behind a 16 KB queue; the rest of the link (tills, phones: the LAN) unlimited.
  void limit_uplink(std::uint16_t remote_port, int kbit);
  // Removes every fault set above.
  void heal();
  // Packets dropped by the fault rules since the namespace was made (nftables counters).
  std::int64_t dropped();

 private:
  void make();
  // Runs `argv`, asserting it exits 0; its output goes to the test's log.
  void run(std::vector<std::string> argv);
  std::string rule_for(flow f, const char* direction) const;

  temp_dir dir_;
  int slot_ = -1;
  std::string name_, host_if_, inside_if_;
  bool shaped_ = false;
  std::int64_t dropped_before_heal_ = 0;
};

}  // namespace kelu::test
