// SPDX-License-Identifier: Apache-2.0
#pragma once
// What every POS parser's output must satisfy, checked by the fuzz targets:
// records carry an identity, extensions are JSON objects, and the event built
// from each survives the storage encoding unchanged.
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "core/event.hpp"
#include "drivers/file_records.hpp"

namespace kelu::bench {

inline void check_extensions(const core::extensions& e) {
  if (e.empty()) return;
  const auto j = nlohmann::json::parse(e, nullptr, false);
  if (!j.is_object()) std::abort();
}

inline void check_records(drivers::file_records& out, const core::time_zone& zone) {
  if (out.ignored != static_cast<std::int64_t>(out.ignored_kinds.size())) std::abort();
  for (const auto& e : out.errors)
    if (e.empty()) std::abort();
  for (const auto& [what, n] : out.warnings)
    if (what.empty() || n <= 0) std::abort();
  for (auto& r : out.records) {
    auto e = drivers::make_pos_event(r, {"s", "fuzz", core::from_unix_ms(0)}, zone);
    std::visit(
        [](const auto& rec) {
          if constexpr (requires { rec.terminal; }) {
            if (rec.terminal.empty() || rec.transaction_id.empty() || rec.business_day.size() != 10) std::abort();
            check_extensions(rec.extra);
            if constexpr (requires { rec.items; }) {
              if (rec.currency.size() != 3) std::abort();
              for (const auto& i : rec.items) {
                if (i.item_id.empty()) std::abort();
                check_extensions(i.extra);
              }
              for (const auto& t : rec.tenders) check_extensions(t.extra);
            }
          } else {
            std::abort();  // parsers make POS records only
          }
        },
        e.body);
    e.seq = 1;
    auto back = core::decode(core::encode(e));
    if (!back) std::abort();
    // Text that was not UTF-8 is stored with U+FFFD: then the round trip may differ, by design.
    if (!(*back == e) && core::encode(*back) != core::encode(e)) std::abort();
  }
}

}  // namespace kelu::bench
