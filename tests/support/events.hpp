// SPDX-License-Identifier: Apache-2.0
#pragma once
// Small event builders shared by the tests.
#include <string>

#include "core/event.hpp"
#include "core/time.hpp"

namespace kelu::test {

// An instant from its ISO 8601 text (tests only: a bad literal throws).
inline core::utc_time at(const char* iso) { return core::parse_iso8601(iso).value(); }

inline core::event sale(const std::string& terminal, const std::string& txn, std::int64_t total = 100) {
  core::pos_transaction t;
  t.terminal = terminal;
  t.transaction_id = txn;
  t.currency = "CNY";
  t.total_minor = total;
  core::event e;
  e.id = core::new_event_id();
  e.store = "s1";
  e.source = "pos-tcp";
  e.stream = "pos";
  e.observed_at = core::from_unix_ms(1'000);
  e.received_at = core::from_unix_ms(2'000);
  e.body = t;
  return e;
}

inline core::event health() {
  auto e = sale("", "");
  e.source = "agent";
  e.stream = "health";
  e.body = core::agent_health{};
  return e;
}

}  // namespace kelu::test
