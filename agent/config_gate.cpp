// SPDX-License-Identifier: Apache-2.0
#include "config_gate.hpp"

namespace kelu {

namespace {

// How often checks are looked at: they read counters the components keep, so this is cheap.
constexpr std::chrono::milliseconds poll_every{100};

}  // namespace

config_gate::config_gate(boost::asio::any_io_executor ex) : timer_(std::move(ex)) {}

config_gate::~config_gate() { *alive_ = false; }

void config_gate::begin(std::vector<gate_check> checks, std::chrono::milliseconds deadline, verdict done) {
  checks_ = std::move(checks);
  deadline_ = std::chrono::steady_clock::now() + deadline;
  done_ = std::move(done);
  busy_ = true;
  judge();
}

void config_gate::cancel() {
  busy_ = false;
  done_ = nullptr;
  timer_.cancel();
}

void config_gate::judge() {
  std::vector<std::string> failing;
  for (const auto& c : checks_)
    if (auto why = c.pending()) failing.push_back(c.component + ": " + *why);
  if (failing.empty() || std::chrono::steady_clock::now() >= deadline_) {
    busy_ = false;
    auto done = std::move(done_);
    done_ = nullptr;
    if (done) done(std::move(failing));
    return;
  }
  timer_.expires_after(poll_every);
  timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (!ec && *alive && busy_) judge();
  });
}

}  // namespace kelu
