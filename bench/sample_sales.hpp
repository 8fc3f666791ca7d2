// SPDX-License-Identifier: Apache-2.0
#pragma once
// The benchmarks' common row: one synthetic two-item sale as a till sends it (~420 bytes of
// JSON) and as the agent stores it, so every figure in docs/BENCHMARKS.md is about the same data.
#include <nlohmann/json.hpp>

#include <string>

#include "core/event.hpp"
#include "core/time_zone.hpp"
#include "drivers/pos_json_line.hpp"

namespace kelu::bench {

// `prefix` keeps runs that share a database apart: the transaction id is part of the dedupe key.
inline std::string sale_line(int n, const std::string& prefix = "B") {
  return nlohmann::json{{"terminal", "T" + std::to_string(n % 8)},
                        {"transaction_id", prefix + std::to_string(n)},
                        {"time", "2026-11-27T18:00:00+08:00"},
                        {"operator", "E7"},
                        {"total", "23.50"},
                        {"items", {{{"item_id", "6901234567892"}, {"description", "Oolong tea"}, {"quantity", 2},
                                    {"unit_price", "4.50"}, {"amount", "9.00"}},
                                   {{"item_id", "6920202888883"}, {"description", "Rice crackers"},
                                    {"quantity", 1}, {"unit_price", "14.50"}}}},
                        {"tenders", {{{"method", "alipay"}, {"amount", "23.50"}}}}}
             .dump() +
         "\n";
}

// The same sale parsed into an event of source pos-tcp, before the store numbers it.
inline core::event sale_event(int n, const std::string& prefix = "B") {
  const auto utc = core::time_zone::utc();
  return drivers::make_pos_event(*drivers::parse_pos_json_line(sale_line(n, prefix), "CNY", utc),
                                 {"s1", "pos-tcp", core::from_unix_ms(0)}, utc);
}

}  // namespace kelu::bench
