// SPDX-License-Identifier: Apache-2.0
#pragma once
// Failed attempts (dashboard logins, enrolment codes) per client address: `burst` at once, then one more per `refill`.
// A client over it is refused (429) before its token is even looked at, so guessing tokens
// costs time. The table is bounded: past `max_clients` addresses the least recently seen goes.
// Not thread-safe: its users run on their io_context thread.
#include <chrono>
#include <cstdint>
#include <list>
#include <string>
#include <unordered_map>

namespace kelu::core {

class attempt_limiter {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  attempt_limiter(int burst, std::chrono::milliseconds refill, std::size_t max_clients);

  // May this client try a token now? Counts a refusal when not.
  bool allowed(const std::string& client, time_point now);
  void failed(const std::string& client, time_point now);
  std::int64_t refused() const { return refused_; }

 private:
  struct entry {
    double tokens;
    time_point at;
    std::list<std::string>::iterator age;
  };
  entry& find(const std::string& client, time_point now);

  int burst_;
  std::chrono::milliseconds refill_;
  std::size_t max_clients_;
  std::unordered_map<std::string, entry> clients_;
  std::list<std::string> by_age_;  // most recently seen first
  std::int64_t refused_ = 0;
};

}  // namespace kelu::core
