// SPDX-License-Identifier: Apache-2.0
#pragma once
// One POS transaction as one line of JSON (docs/pos-jsonl.md). A pure function, so the
// wire format is tested without sockets and fuzzed (bench/fuzz_pos_json_line.cpp).
//
// {"terminal":"T1","transaction_id":"1001","time":"2026-11-27T18:03:11+08:00",
//  "operator":"E7","kind":"sale","currency":"CNY","total":"23.50","tax":"2.70",
//  "items":[{"item_id":"6901234567892","description":"Oolong tea","quantity":2,
//            "unit_price":"4.50","amount":"9.00"}],
//  "tenders":[{"method":"mobile","amount":"23.50"}]}
//
// Amounts are decimal strings ("23.50") or integers of minor units under the same name
// with a `_minor` suffix ("total_minor": 2350). JSON floating-point amounts are refused.
// "kind" is sale (default), return, void, sign_on or sign_off (an associate's shift; needs
// terminal, transaction_id and operator only). Fields Kelu does not know are kept verbatim
// in the event's "extensions"; a misspelt required field still fails as missing.
#include <optional>
#include <string>
#include <string_view>

#include "core/event.hpp"
#include "core/result.hpp"
#include "core/time_zone.hpp"
#include "pos_record.hpp"

namespace kelu::drivers {

// Errors name the field path ("items[2].amount") or, for malformed JSON, the byte offset.
// A time without a zone designator is wall time in `store_zone`.
core::result<parsed_record> parse_pos_json_line(std::string_view line, std::string_view default_currency,
                                                const core::time_zone& store_zone);

}  // namespace kelu::drivers
