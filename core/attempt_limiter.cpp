// SPDX-License-Identifier: Apache-2.0
#include "attempt_limiter.hpp"

#include <algorithm>

namespace kelu::core {

attempt_limiter::attempt_limiter(int burst, std::chrono::milliseconds refill, std::size_t max_clients)
    : burst_(burst), refill_(refill), max_clients_(std::max<std::size_t>(1, max_clients)) {}

attempt_limiter::entry& attempt_limiter::find(const std::string& client, time_point now) {
  auto it = clients_.find(client);
  if (it == clients_.end()) {
    if (clients_.size() >= max_clients_) {
      clients_.erase(by_age_.back());
      by_age_.pop_back();
    }
    by_age_.push_front(client);
    it = clients_.emplace(client, entry{static_cast<double>(burst_), now, by_age_.begin()}).first;
    return it->second;
  }
  auto& e = it->second;
  by_age_.splice(by_age_.begin(), by_age_, e.age);
  const double earned = std::chrono::duration<double>(now - e.at) / std::chrono::duration<double>(refill_);
  e.tokens = std::min(static_cast<double>(burst_), e.tokens + std::max(0.0, earned));
  e.at = now;
  return e;
}

bool attempt_limiter::allowed(const std::string& client, time_point now) {
  // Clients that never failed are not tracked: the table holds only those that did.
  if (!clients_.count(client)) return true;
  if (find(client, now).tokens >= 1.0) return true;
  ++refused_;
  return false;
}

void attempt_limiter::failed(const std::string& client, time_point now) {
  auto& e = find(client, now);
  e.tokens = std::max(0.0, e.tokens - 1.0);
}

}  // namespace kelu::core
