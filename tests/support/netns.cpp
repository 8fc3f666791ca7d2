// SPDX-License-Identifier: Apache-2.0
#include "netns.hpp"

#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "process.hpp"

namespace kelu::test {

namespace {

constexpr const char* ip_binary = "/usr/sbin/ip";
constexpr const char* nft_binary = "/usr/sbin/nft";
constexpr const char* tc_binary = "/usr/sbin/tc";

int run_quietly(std::vector<std::string> argv, const std::string& log) {
  process p(std::move(argv), log);
  return p.wait(std::chrono::seconds(10));
}

}  // namespace

std::string netns::unavailable() {
  if (::geteuid() != 0) return "network namespaces need root (CAP_NET_ADMIN)";
  for (const auto* tool : {ip_binary, nft_binary, tc_binary})
    if (!std::filesystem::exists(tool))
      return std::string(tool) + " is not installed (scripts/setup installs iproute2 and nftables)";
  const auto probe = "kelu-probe-" + std::to_string(::getpid());
  if (run_quietly({ip_binary, "netns", "add", probe}, "") != 0) return "`ip netns add` is refused here";
  run_quietly({ip_binary, "netns", "del", probe}, "");
  return {};
}

netns::netns() { make(); }

void netns::make() {
  // The first free slot from one derived from the PID: `ip link add` fails on a name in use,
  // which makes the choice atomic between parallel tests.
  const int start = static_cast<int>(::getpid() % 250);
  for (int i = 0; i < 250 && slot_ < 0; ++i) {
    const int slot = (start + i) % 250;
    host_if_ = "kf" + std::to_string(slot) + "h";
    inside_if_ = "kf" + std::to_string(slot) + "n";
    if (run_quietly({ip_binary, "link", "add", host_if_, "type", "veth", "peer", "name", inside_if_}, "") == 0)
      slot_ = slot;
  }
  ASSERT_GE(slot_, 0) << "no free veth name kf0h..kf249h";
  name_ = "kelu-f" + std::to_string(slot_);
  run_quietly({ip_binary, "netns", "del", name_}, dir_.file("quiet.log"));  // left by a test that was killed
  run({ip_binary, "netns", "add", name_});
  run({ip_binary, "link", "set", inside_if_, "netns", name_});
  run({ip_binary, "addr", "add", host_address() + "/30", "dev", host_if_});
  run({ip_binary, "link", "set", host_if_, "up"});
  run({ip_binary, "-n", name_, "addr", "add", inside_address() + "/30", "dev", inside_if_});
  run({ip_binary, "-n", name_, "link", "set", inside_if_, "up"});
  run({ip_binary, "-n", name_, "link", "set", "lo", "up"});
  std::ofstream(dir_.file("faults.nft")) << "table inet kelu_fault {\n"
                                            "  chain in { type filter hook input priority 0; }\n"
                                            "  chain out { type filter hook output priority 0; }\n"
                                            "}\n";
  run(inside({nft_binary, "-f", dir_.file("faults.nft")}));
}

netns::~netns() {
  if (name_.empty()) return;
  run_quietly({ip_binary, "netns", "del", name_}, "");  // takes its end of the veth, and so the pair
  run_quietly({ip_binary, "link", "del", host_if_}, "");
}

std::string netns::host_address() const { return "10.213." + std::to_string(slot_) + ".1"; }
std::string netns::inside_address() const { return "10.213." + std::to_string(slot_) + ".2"; }

std::vector<std::string> netns::inside(std::vector<std::string> argv) const {
  argv.insert(argv.begin(), {ip_binary, "netns", "exec", name_});
  return argv;
}

std::string netns::rule_for(flow f, const char* direction) const {
  // Outgoing packets of a flow to a remote port go to it (dport); incoming ones come from it.
  const bool out = std::string(direction) == "out";
  const char* field = (out == f.remote) ? "dport" : "sport";
  return std::string("tcp ") + field + " " + std::to_string(f.port);
}

void netns::blackhole(flow f) {
  for (const char* chain : {"in", "out"})
    run(inside({nft_binary, "add", "rule", "inet", "kelu_fault", chain, rule_for(f, chain), "counter", "drop"}));
}

void netns::lose(flow f, int percent) {
  for (const char* chain : {"in", "out"})
    run(inside({nft_binary, "add", "rule", "inet", "kelu_fault", chain, rule_for(f, chain), "numgen", "random", "mod",
                "100", "<", std::to_string(percent), "counter", "drop"}));
}

void netns::limit_uplink(std::uint16_t remote_port, int kbit) {
  // A two-class HTB: the uplink's class at `kbit`, everything else by default at line rate.
  const auto dev = std::vector<std::string>{"dev", inside_if_};
  const auto tc = [&](std::vector<std::string> args) {
    args.insert(args.begin() + 2, dev.begin(), dev.end());
    args.insert(args.begin(), tc_binary);
    run(inside(args));
  };
  tc({"qdisc", "add", "root", "handle", "1:", "htb", "default", "20"});
  tc({"class", "add", "parent", "1:", "classid", "1:10", "htb", "rate", std::to_string(kbit) + "kbit", "ceil",
      std::to_string(kbit) + "kbit", "quantum", "1514"});
  tc({"class", "add", "parent", "1:", "classid", "1:20", "htb", "rate", "1000mbit", "quantum", "60000"});
  tc({"filter", "add", "parent", "1:", "protocol", "ip", "u32", "match", "ip", "dport", std::to_string(remote_port),
      "0xffff", "flowid", "1:10"});
  // Past 16 KB waiting, the line drops, as a saturated DSL or mobile line does.
  tc({"qdisc", "add", "parent", "1:10", "bfifo", "limit", "16000"});
  shaped_ = true;
}

void netns::heal() {
  dropped_before_heal_ += dropped();
  for (const char* chain : {"in", "out"}) run(inside({nft_binary, "flush", "chain", "inet", "kelu_fault", chain}));
  if (shaped_) run(inside({tc_binary, "qdisc", "del", "dev", inside_if_, "root"}));
  shaped_ = false;
}

std::int64_t netns::dropped() {
  const auto out = dir_.file("ruleset.json");
  std::filesystem::remove(out);
  EXPECT_EQ(run_quietly(inside({nft_binary, "-j", "list", "table", "inet", "kelu_fault"}), out), 0);
  std::int64_t n = 0;
  const auto j = nlohmann::json::parse(std::ifstream(out), nullptr, false);
  if (j.is_discarded()) return dropped_before_heal_;
  for (const auto& item : j.value("nftables", nlohmann::json::array()))
    if (item.contains("rule"))
      for (const auto& expr : item["rule"].value("expr", nlohmann::json::array()))
        if (expr.contains("counter")) n += expr["counter"].value("packets", std::int64_t{0});
  return dropped_before_heal_ + n;
}

void netns::run(std::vector<std::string> argv) {
  std::string line;
  for (const auto& a : argv) line += a + " ";
  const auto log = dir_.file("commands.log");
  std::filesystem::remove(log);
  const auto status = run_quietly(argv, log);
  std::ifstream in(log);
  ASSERT_EQ(status, 0) << line << "\n" << std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace kelu::test
