// SPDX-License-Identifier: Apache-2.0
#pragma once
// What every POS parser produces, and the one place that turns it into an event, so all
// drivers agree on business days, receive times and dedupe keys.
#include <optional>
#include <string>
#include <variant>

#include "core/event.hpp"
#include "core/time_zone.hpp"

namespace kelu::drivers {

using pos_record = std::variant<core::pos_transaction, core::pos_operator>;

struct parsed_record {
  pos_record record;
  std::optional<core::utc_time> time;  // the till's time; absent: the receive time stands in
};

struct event_origin {
  std::string store;
  std::string source;
  core::utc_time received_at{};
};

// A record without a business day gets the store-local date of its time (or of its receive
// time): the day is part of the dedupe key.
core::event make_pos_event(parsed_record r, const event_origin& origin, const core::time_zone& zone);

// A short label for logs and errors: "terminal 34 transaction 161".
std::string describe(const pos_record& r);

}  // namespace kelu::drivers
