// SPDX-License-Identifier: Apache-2.0
#pragma once
// The one envelope that flows from every source through the store to HQ.
// `(store, epoch, source, seq)` identifies an event end to end: the store assigns `seq` at
// commit, gap-free per source, so HQ can detect a hole and ask for a replay; `epoch` names the
// database that assigned it, so a replaced box (an empty database, seqs from 1 again) is a new
// series at HQ and never a duplicate of the old box's events.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "clock_watch.hpp"
#include "result.hpp"
#include "time.hpp"
#include "traffic.hpp"

namespace kelu::core {

// Fields a source sent that Kelu has no slot for, kept verbatim so nothing a till sends is
// lost: the text of a JSON object ("" when there were none). XML sources keep each unknown
// element as its markup under its qualified name, CSV sources each unmapped column.
using extensions = std::string;

// Money is integer minor units of `currency` (ISO 4217), never floating point.
struct pos_line_item {
  std::string item_id;  // SKU, PLU or GTIN, as the till identifies the item
  std::string description;
  std::string department;
  std::int64_t quantity_milli = 1000;  // thousandths, so weighed goods (0.375 kg) stay exact
  std::int64_t unit_price_minor = 0;
  std::int64_t amount_minor = 0;       // extended amount after line discounts
  std::int64_t discount_minor = 0;     // line discounts, as a positive amount
  extensions extra;
  // The sales associate credited with this line (导购 / 营业员), when the till records one apart
  // from the cashier; empty otherwise. Last, so positional initialisers stay as they were.
  std::string salesperson_id;
  std::string salesperson_name;
  bool operator==(const pos_line_item&) const = default;
};

struct pos_tender {
  std::string method;  // cash, card, mobile, voucher, ...
  std::int64_t amount_minor = 0;
  extensions extra;
  bool operator==(const pos_tender&) const = default;
};

// A return is its own transaction with negative or positive amounts as the till sent them;
// a void is a transaction cancelled before completion (counted, never revenue); a suspended
// one was parked at the till (its completion, if any, is another transaction); a training
// one was rung in the till's training mode. None of the last three is ever revenue.
enum class pos_transaction_kind { sale, return_, void_, suspended, training };

struct pos_transaction {
  std::string terminal;        // workstation / register id
  std::string transaction_id;  // the till's transaction id or sequence number
  std::string business_day;    // "YYYY-MM-DD": the till's business day, else the local date of the sale
  std::string operator_id;  // the cashier
  std::string operator_name;
  pos_transaction_kind kind = pos_transaction_kind::sale;
  std::string currency;
  std::int64_t total_minor = 0;
  std::int64_t tax_minor = 0;
  std::vector<pos_line_item> items;
  std::vector<pos_tender> tenders;
  extensions extra;
  std::string salesperson_id;  // the sales associate of the whole transaction, when recorded apart
  std::string salesperson_name;
  // How total_minor was obtained when the source gave no grand total: "net_plus_tax",
  // "tenders" or "lines"; empty when it is the source's own total.
  std::string total_from;
  bool operator==(const pos_transaction&) const = default;
};

enum class pos_operator_action { sign_on, sign_off };

// An associate signing on or off a till: who is on shift, for close rates and STAR.
struct pos_operator {
  std::string terminal;
  std::string transaction_id;  // control transactions share the till's sequence numbers
  std::string business_day;
  std::string operator_id;
  std::string operator_name;
  pos_operator_action action = pos_operator_action::sign_on;
  extensions extra;
  bool operator==(const pos_operator&) const = default;
};

// A till whose clock is off from the box's (drivers/till_clock.hpp): its sales keep the till's time.
struct till_clock_offset {
  std::string terminal;
  std::int64_t offset_s = 0;  // till minus box: positive when the till is ahead
  bool operator==(const till_clock_offset&) const = default;
};

// What each configured source reports about itself.
struct source_health {
  std::string source;  // the configured source id
  std::string driver;  // "pos-tcp", "poslog", "csv", "webhook", "escpos"
  std::int64_t accepted = 0;    // stored, duplicates included
  std::int64_t duplicates = 0;
  std::int64_t rejected = 0;    // records or files refused as malformed
  std::optional<utc_time> last_event_at;  // receive time of the last accepted record
  std::string last_error;
  std::optional<utc_time> last_error_at;
  // Parts of stored records read around (an empty tender amount, a line without an amount):
  // kept records, but a mapping or a till worth a look. Last, so positional initialisers stay.
  std::int64_t read_around = 0;
  // Live sources (a till over TCP, a webhook): terminals whose clock is 5 min or more off.
  std::vector<till_clock_offset> clock_offsets;
  bool operator==(const source_health&) const = default;
};

// Outbox rows dropped unsent, ever (persisted across restarts), by why.
struct outbox_drops {
  std::int64_t quota = 0;     // over storage.outbox_quota_bytes: oldest raw events first
  std::int64_t age = 0;       // older than storage.outbox_max_age_days
  std::int64_t oversize = 0;  // larger than mqtt.max_payload_bytes
  bool operator==(const outbox_drops&) const = default;
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
  std::int64_t outbox_dropped = 0;    // the sum of outbox_dropped_by
  outbox_drops outbox_dropped_by;
  bool mqtt_connected = false;
  std::vector<source_health> sources;
  std::vector<camera_health> cameras;
  clock_steps clock;  // the wall clock stepped under the agent (clock_watch.hpp); on stats only once it has
  bool operator==(const agent_health&) const = default;
};

// Closed set: adding a kind means every std::visit over `payload` fails to compile until handled.
using payload = std::variant<pos_transaction, pos_operator, agent_health, traffic_line_cross, traffic_zone_dwell,
                             traffic_occupancy, heatmap_tile, camera_gap, traffic_count>;

struct event {
  std::string id;      // random 128-bit hex, for references from reports and alerts
  std::string store;
  std::string source;  // the configured source instance, e.g. "pos-tcp"
  std::string stream;  // what HQ subscribes to: "pos", "health"
  std::int64_t seq = 0;  // assigned by the store at commit; 0 before
  // The database's epoch (sync::database::identity), set with seq; empty before, and in the
  // events of boxes from before epochs (decode() accepts those).
  std::string epoch;
  utc_time observed_at{};  // when it happened, per the source's own clock
  utc_time received_at{};  // when the box received it: the two side by side show clock skew
  payload body;
  bool operator==(const event&) const = default;
};

// "pos.transaction", "pos.operator", "agent.health", "traffic.line_cross", "traffic.zone_dwell",
// "traffic.occupancy", "heatmap.tile", "camera.gap", "traffic.count".
std::string_view type_name(const payload& p);
std::string_view kind_name(pos_transaction_kind k);

// The natural key of records that carry their own identity: (store, terminal, business
// day, transaction id or sequence number). Tills restart their numbering, per day or on a
// reinstall; the day keeps those apart. The store refuses a second event with the same key.
// Empty when the kind has none.
std::string dedupe_key(const event& e);

// "YYYY-MM-DD" of a local time.
std::string format_date(local_time t);

std::string new_event_id();

// Who an event is from and when: all of an event but its ids and its body.
struct envelope {
  std::string store;
  std::string source;
  std::string stream;  // "pos", "traffic", "heatmap", "health"
  utc_time observed_at{};
  utc_time received_at{};
};
// A new event with a fresh id: the one place an envelope is put together. seq and epoch stay
// unset; the store gives them at commit.
event make_event(envelope from, payload body);

// The JSON wire and storage form (documented in docs/schemas/event.schema.json).
std::string encode(const event& e);
result<event> decode(std::string_view json);
// An event as encode() wrote it, marked late: `"historical":true` as the object's first member,
// as the backlog lane sends it (docs/mqtt.md), so HQ tells a late event from a live one without
// comparing clocks. Whether an event is late is known only when a connection begins, long after
// it was encoded and stored; the mark never goes into the stored body.
std::string mark_historical(std::string_view encoded);
// How many bytes mark_historical adds.
std::size_t historical_mark_size();

}  // namespace kelu::core
