#pragma once
// The one envelope that flows from every source through the store to HQ.
// `(source, seq)` identifies an event end to end: the store assigns `seq` at commit,
// gap-free per source, so HQ can detect a hole and ask for a replay.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "result.hpp"
#include "time.hpp"

namespace kelu::core {

// Money is integer minor units of `currency` (ISO 4217), never floating point.
struct pos_line_item {
  std::string item_id;
  std::string description;
  std::int64_t quantity_milli = 1000;  // thousandths, so weighed goods (0.375 kg) stay exact
  std::int64_t unit_price_minor = 0;
  std::int64_t amount_minor = 0;       // extended amount after line discounts
  bool operator==(const pos_line_item&) const = default;
};

struct pos_tender {
  std::string method;  // cash, card, mobile, voucher, ...
  std::int64_t amount_minor = 0;
  bool operator==(const pos_tender&) const = default;
};

enum class pos_transaction_kind { sale, refund };

struct pos_transaction {
  std::string terminal;
  std::string transaction_id;
  std::string operator_id;
  pos_transaction_kind kind = pos_transaction_kind::sale;
  std::string currency;
  std::int64_t total_minor = 0;
  std::int64_t tax_minor = 0;
  std::vector<pos_line_item> items;
  std::vector<pos_tender> tenders;
  bool operator==(const pos_transaction&) const = default;
};

// Periodic self-report; the figures HQ needs to trust the rest of the data.
struct agent_health {
  std::int64_t uptime_s = 0;
  std::int64_t events_committed = 0;
  std::int64_t duplicates = 0;
  std::int64_t rejected_lines = 0;
  std::int64_t busy_rejections = 0;   // batches refused because the ingest queue was full
  std::int64_t outbox_rows = 0;
  std::int64_t outbox_bytes = 0;
  std::int64_t outbox_oldest_age_s = 0;
  std::int64_t outbox_dropped = 0;    // rows dropped by the quota, ever
  bool mqtt_connected = false;
  bool operator==(const agent_health&) const = default;
};

// Closed set: adding a kind means every std::visit over `payload` fails to compile until handled.
using payload = std::variant<pos_transaction, agent_health>;

struct event {
  std::string id;      // random 128-bit hex, for references from reports and alerts
  std::string store;
  std::string source;  // the configured source instance, e.g. "pos-tcp"
  std::string stream;  // what HQ subscribes to: "pos", "health"
  std::int64_t seq = 0;  // assigned by the store at commit; 0 before
  utc_time observed_at{};  // when it happened, per the source
  utc_time received_at{};  // when the box received it
  payload body;
  bool operator==(const event&) const = default;
};

// "pos.transaction", "agent.health".
std::string_view type_name(const payload& p);

// A natural key for sources whose records carry their own identity (terminal + transaction id);
// the store refuses a second event with the same key. Empty when the kind has none.
std::string dedupe_key(const event& e);

std::string new_event_id();

// The JSON wire and storage form (documented in docs/schemas/event.schema.json).
std::string encode(const event& e);
result<event> decode(std::string_view json);

}  // namespace kelu::core
