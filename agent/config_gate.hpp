// SPDX-License-Identifier: Apache-2.0
#pragma once
// The health gate after a configuration change (docs/fleet.md): each component the change rebuilt
// has a check, judged against that component's own state before the change (a camera that was
// already offline, switched off at night, does not fail by staying offline). The gate passes as
// soon as every check passes and fails at its deadline, naming each check still failing.
//
// Threading: io_context thread.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kelu {

struct gate_check {
  std::string component;
  // nullopt once the component is up; otherwise why not yet, which becomes the reason at the deadline.
  std::function<std::optional<std::string>()> pending;
};

class config_gate {
 public:
  // `done` gets the reasons of the checks that failed ("mqtt: not connected to tcp://...: ..."); empty: passed.
  using verdict = std::function<void(std::vector<std::string> failures)>;

  explicit config_gate(boost::asio::any_io_executor ex);
  ~config_gate();
  config_gate(const config_gate&) = delete;
  config_gate& operator=(const config_gate&) = delete;

  // Judges `checks` until they all pass or `deadline` passes; `done` runs once, on the io_context
  // thread (at once when every check already passes). One gate at a time: not while busy().
  void begin(std::vector<gate_check> checks, std::chrono::milliseconds deadline, verdict done);
  bool busy() const { return busy_; }
  // Abandons the gate under way; its verdict never comes (the agent's stop).
  void cancel();

 private:
  void judge();

  boost::asio::steady_timer timer_;
  std::vector<gate_check> checks_;
  std::chrono::steady_clock::time_point deadline_{};
  verdict done_;
  bool busy_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace kelu
