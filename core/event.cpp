// SPDX-License-Identifier: Apache-2.0
#include "event.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <optional>
#include <random>
#include <variant>

#include "health_json.hpp"
#include "json_writer.hpp"
#include "overloaded.hpp"
#include "traffic_json.hpp"

namespace kelu::core {

namespace {

using nlohmann::json;
using detail::to_json;

// Only non-empty: extensions are rare and their absence is the common, compact case.
void put_extra(json& j, const extensions& extra) {
  if (!extra.empty()) j["extensions"] = json::parse(extra);
}

extensions get_extra(const json& j) {
  const auto it = j.find("extensions");
  if (it == j.end()) return {};
  if (!it->is_object()) throw std::invalid_argument("extensions: expected an object");
  return it->dump();
}

template <class T>
void put_opt_time(json& j, const char* key, const std::optional<T>& t) {
  if (t) j[key] = format_iso8601(*t);
}

std::optional<utc_time> get_opt_time(const json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end()) return std::nullopt;
  auto t = parse_iso8601(it->get<std::string>());
  if (!t) throw std::invalid_argument(std::string(key) + ": " + t.error_message());
  return *t;
}

std::string opt_string(const json& j, const char* key) { return j.contains(key) ? j.at(key).get<std::string>() : ""; }

// Only when the till recorded one: events from tills without salespeople stay as they were.
void put_salesperson(json& j, const std::string& id, const std::string& name) {
  if (!id.empty()) j["salesperson_id"] = id;
  if (!name.empty()) j["salesperson_name"] = name;
}

json to_json(const pos_transaction& t) {
  json items = json::array();
  for (const auto& i : t.items) {
    json item{{"item_id", i.item_id},
              {"description", i.description},
              {"department", i.department},
              {"quantity_milli", i.quantity_milli},
              {"unit_price_minor", i.unit_price_minor},
              {"amount_minor", i.amount_minor},
              {"discount_minor", i.discount_minor}};
    put_salesperson(item, i.salesperson_id, i.salesperson_name);
    put_extra(item, i.extra);
    items.push_back(std::move(item));
  }
  json tenders = json::array();
  for (const auto& td : t.tenders) {
    json tender{{"method", td.method}, {"amount_minor", td.amount_minor}};
    put_extra(tender, td.extra);
    tenders.push_back(std::move(tender));
  }
  json j{{"terminal", t.terminal},       {"transaction_id", t.transaction_id},
         {"business_day", t.business_day}, {"operator_id", t.operator_id},
         {"operator_name", t.operator_name}, {"kind", kind_name(t.kind)},
         {"currency", t.currency},       {"total_minor", t.total_minor},
         {"tax_minor", t.tax_minor},     {"items", std::move(items)},
         {"tenders", std::move(tenders)}};
  put_salesperson(j, t.salesperson_id, t.salesperson_name);
  if (!t.total_from.empty()) j["total_from"] = t.total_from;
  put_extra(j, t.extra);
  return j;
}

json to_json(const pos_operator& o) {
  json j{{"terminal", o.terminal},
         {"transaction_id", o.transaction_id},
         {"business_day", o.business_day},
         {"operator_id", o.operator_id},
         {"operator_name", o.operator_name},
         {"action", o.action == pos_operator_action::sign_on ? "sign_on" : "sign_off"}};
  put_extra(j, o.extra);
  return j;
}

}  // namespace

json to_json(const agent_health& h) {
  json sources = json::array();
  for (const auto& s : h.sources) {
    json j{{"source", s.source},         {"driver", s.driver},         {"accepted", s.accepted},
           {"duplicates", s.duplicates}, {"rejected", s.rejected}, {"last_error", s.last_error}};
    if (s.read_around > 0) j["read_around"] = s.read_around;
    if (!s.clock_offsets.empty()) {
      auto& offsets = j["clock_offsets"] = json::array();
      for (const auto& o : s.clock_offsets) offsets.push_back({{"terminal", o.terminal}, {"offset_s", o.offset_s}});
    }
    put_opt_time(j, "last_event_at", s.last_event_at);
    put_opt_time(j, "last_error_at", s.last_error_at);
    sources.push_back(std::move(j));
  }
  json j{{"uptime_s", h.uptime_s},
        {"events_committed", h.events_committed},
        {"duplicates", h.duplicates},
        {"rejected_lines", h.rejected_lines},
        {"busy_rejections", h.busy_rejections},
        {"outbox_rows", h.outbox_rows},
        {"outbox_bytes", h.outbox_bytes},
        {"outbox_oldest_age_s", h.outbox_oldest_age_s},
        {"outbox_dropped", h.outbox_dropped},
        {"outbox_dropped_by",
         {{"quota", h.outbox_dropped_by.quota},
          {"age", h.outbox_dropped_by.age},
          {"oversize", h.outbox_dropped_by.oversize}}},
        {"mqtt_connected", h.mqtt_connected},
        {"sources", std::move(sources)},
        {"cameras", [&] {
           json cameras = json::array();
           for (const auto& c : h.cameras) cameras.push_back(to_json(c));
           return cameras;
         }()}};
  if (h.clock.count > 0) {
    j["clock_steps"] = {{"count", h.clock.count}, {"last_step_s", h.clock.last_step_s}};
    put_opt_time(j["clock_steps"], "last_at", h.clock.last_at);
  }
  return j;
}

namespace {

pos_transaction_kind kind_from(const std::string& kind) {
  if (kind == "sale") return pos_transaction_kind::sale;
  // "refund" is how schema version 1 of this payload spelled a return.
  if (kind == "return" || kind == "refund") return pos_transaction_kind::return_;
  if (kind == "void") return pos_transaction_kind::void_;
  if (kind == "suspended") return pos_transaction_kind::suspended;
  if (kind == "training") return pos_transaction_kind::training;
  throw std::invalid_argument("payload.kind: unknown \"" + kind + "\"");
}

pos_transaction transaction_from_json(const json& j) {
  pos_transaction t;
  t.terminal = j.at("terminal").get<std::string>();
  t.transaction_id = j.at("transaction_id").get<std::string>();
  t.business_day = opt_string(j, "business_day");
  t.operator_id = j.at("operator_id").get<std::string>();
  t.operator_name = opt_string(j, "operator_name");
  t.salesperson_id = opt_string(j, "salesperson_id");
  t.salesperson_name = opt_string(j, "salesperson_name");
  t.total_from = opt_string(j, "total_from");
  t.kind = kind_from(j.at("kind").get<std::string>());
  t.currency = j.at("currency").get<std::string>();
  t.total_minor = j.at("total_minor").get<std::int64_t>();
  t.tax_minor = j.at("tax_minor").get<std::int64_t>();
  for (const auto& i : j.at("items")) {
    pos_line_item item;
    item.item_id = i.at("item_id").get<std::string>();
    item.description = i.at("description").get<std::string>();
    item.department = opt_string(i, "department");
    item.quantity_milli = i.at("quantity_milli").get<std::int64_t>();
    item.unit_price_minor = i.at("unit_price_minor").get<std::int64_t>();
    item.amount_minor = i.at("amount_minor").get<std::int64_t>();
    item.discount_minor = i.value("discount_minor", std::int64_t{0});
    item.salesperson_id = opt_string(i, "salesperson_id");
    item.salesperson_name = opt_string(i, "salesperson_name");
    item.extra = get_extra(i);
    t.items.push_back(std::move(item));
  }
  for (const auto& td : j.at("tenders"))
    t.tenders.push_back({td.at("method").get<std::string>(), td.at("amount_minor").get<std::int64_t>(), get_extra(td)});
  t.extra = get_extra(j);
  return t;
}

pos_operator operator_from_json(const json& j) {
  pos_operator o;
  o.terminal = j.at("terminal").get<std::string>();
  o.transaction_id = j.at("transaction_id").get<std::string>();
  o.business_day = j.at("business_day").get<std::string>();
  o.operator_id = j.at("operator_id").get<std::string>();
  o.operator_name = opt_string(j, "operator_name");
  const auto action = j.at("action").get<std::string>();
  if (action != "sign_on" && action != "sign_off")
    throw std::invalid_argument("payload.action: unknown \"" + action + "\"");
  o.action = action == "sign_on" ? pos_operator_action::sign_on : pos_operator_action::sign_off;
  o.extra = get_extra(j);
  return o;
}

agent_health health_from_json(const json& j) {
  agent_health h;
  h.uptime_s = j.at("uptime_s").get<std::int64_t>();
  h.events_committed = j.at("events_committed").get<std::int64_t>();
  h.duplicates = j.at("duplicates").get<std::int64_t>();
  h.rejected_lines = j.at("rejected_lines").get<std::int64_t>();
  h.busy_rejections = j.at("busy_rejections").get<std::int64_t>();
  h.outbox_rows = j.at("outbox_rows").get<std::int64_t>();
  h.outbox_bytes = j.at("outbox_bytes").get<std::int64_t>();
  h.outbox_oldest_age_s = j.at("outbox_oldest_age_s").get<std::int64_t>();
  h.outbox_dropped = j.at("outbox_dropped").get<std::int64_t>();
  if (const auto it = j.find("outbox_dropped_by"); it != j.end()) {  // absent from older agents
    h.outbox_dropped_by.quota = it->at("quota").get<std::int64_t>();
    h.outbox_dropped_by.age = it->at("age").get<std::int64_t>();
    h.outbox_dropped_by.oversize = it->at("oversize").get<std::int64_t>();
  }
  h.mqtt_connected = j.at("mqtt_connected").get<bool>();
  if (const auto it = j.find("clock_steps"); it != j.end()) {
    h.clock.count = it->at("count").get<std::int64_t>();
    h.clock.last_step_s = it->at("last_step_s").get<std::int64_t>();
    h.clock.last_at = get_opt_time(*it, "last_at");
  }
  if (const auto it = j.find("sources"); it != j.end())
    for (const auto& s : *it) {
      source_health sh;
      sh.source = s.at("source").get<std::string>();
      sh.driver = s.at("driver").get<std::string>();
      sh.accepted = s.at("accepted").get<std::int64_t>();
      sh.duplicates = s.at("duplicates").get<std::int64_t>();
      sh.rejected = s.at("rejected").get<std::int64_t>();
      sh.read_around = s.value("read_around", std::int64_t{0});  // absent from older agents and when 0
      if (const auto offsets = s.find("clock_offsets"); offsets != s.end())
        for (const auto& o : *offsets)
          sh.clock_offsets.push_back({o.at("terminal").get<std::string>(), o.at("offset_s").get<std::int64_t>()});
      sh.last_error = s.at("last_error").get<std::string>();
      sh.last_event_at = get_opt_time(s, "last_event_at");
      sh.last_error_at = get_opt_time(s, "last_error_at");
      h.sources.push_back(std::move(sh));
    }
  if (const auto it = j.find("cameras"); it != j.end())
    for (const auto& c : *it) h.cameras.push_back(detail::camera_health_from_json(c));
  return h;
}

std::string length_prefixed(std::initializer_list<std::string_view> parts) {
  // The length prefixes keep ("a:b","c") and ("a","b:c") apart.
  std::string out;
  for (const auto p : parts) {
    out += std::to_string(p.size());
    out += ':';
    out += p;
    out += ':';
  }
  return out;
}

}  // namespace

std::string_view kind_name(pos_transaction_kind k) {
  switch (k) {
    case pos_transaction_kind::sale: return "sale";
    case pos_transaction_kind::return_: return "return";
    case pos_transaction_kind::void_: return "void";
    case pos_transaction_kind::suspended: return "suspended";
    case pos_transaction_kind::training: return "training";
  }
  return "sale";
}

std::string_view type_name(const payload& p) {
  return std::visit(overloaded{[](const pos_transaction&) { return std::string_view{"pos.transaction"}; },
                               [](const pos_operator&) { return std::string_view{"pos.operator"}; },
                               [](const agent_health&) { return std::string_view{"agent.health"}; },
                               [](const traffic_line_cross&) { return std::string_view{"traffic.line_cross"}; },
                               [](const traffic_zone_dwell&) { return std::string_view{"traffic.zone_dwell"}; },
                               [](const traffic_occupancy&) { return std::string_view{"traffic.occupancy"}; },
                               [](const heatmap_tile&) { return std::string_view{"heatmap.tile"}; },
                               [](const camera_gap&) { return std::string_view{"camera.gap"}; },
                               [](const traffic_count&) { return std::string_view{"traffic.count"}; }},
                    p);
}

std::string dedupe_key(const event& e) {
  // Sales and control transactions share a till's sequence numbers, hence one key space.
  return std::visit(
      overloaded{[&](const pos_transaction& t) {
                   return "pos:" + length_prefixed({e.store, t.terminal, t.business_day, t.transaction_id});
                 },
                 [&](const pos_operator& o) {
                   return "pos:" + length_prefixed({e.store, o.terminal, o.business_day, o.transaction_id});
                 },
                 // A closed heat-map tile is one per (camera, period, start): a restart that
                 // emits it again is a duplicate.
                 [&](const heatmap_tile& h) {
                   return "heatmap:" + length_prefixed({e.store, h.camera, h.period, format_iso8601(h.start)});
                 },
                 // A counter's period is counted once, however often the device resends it
                 // (Hikvision's isDataRetransmission, a poll repeated after a restart).
                 [&](const traffic_count& c) {
                   return "count:" + length_prefixed({e.store, c.sensor, c.line, format_iso8601(c.start),
                                                      format_iso8601(c.end)});
                 },
                 [](const auto&) { return std::string{}; }},
      e.body);
}

std::string format_date(local_time t) {
  const std::chrono::year_month_day ymd{std::chrono::floor<std::chrono::days>(t)};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}

event make_event(envelope from, payload body) {
  event e;
  e.id = new_event_id();
  e.store = std::move(from.store);
  e.source = std::move(from.source);
  e.stream = std::move(from.stream);
  e.observed_at = from.observed_at;
  e.received_at = from.received_at;
  e.body = std::move(body);
  return e;
}

std::string new_event_id() {
  // One generator per thread, seeded from the OS: ids need to be unique, not secret.
  thread_local std::mt19937_64 gen{[] {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  }()};
  static constexpr std::array<char, 16> hex{'0', '1', '2', '3', '4', '5', '6', '7',
                                            '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  std::string out(32, '0');
  for (int half = 0; half < 2; ++half) {
    auto v = gen();
    for (int i = 0; i < 16; ++i) {
      out[static_cast<std::size_t>(half * 16 + i)] = hex[v & 0xF];
      v >>= 4;
    }
  }
  return out;
}

namespace {

// The direct writer's half of encode (json_writer.hpp): POS events, which ingest encodes one by
// one, without extensions (rare, and their text is normalised through the DOM). Keys in sorted
// order, as the DOM keeps them, so both halves write the same text; nullopt when this event is
// the DOM's (another payload, extensions, a string that is not UTF-8).
void put_salesperson(json_writer& w, const std::string& id, const std::string& name) {
  if (!id.empty()) w.member("salesperson_id", id);
  if (!name.empty()) w.member("salesperson_name", name);
}

bool write_payload(json_writer& w, const pos_transaction& t) {
  if (!t.extra.empty()) return false;
  w.begin_object();
  w.member("business_day", t.business_day);
  w.member("currency", t.currency);
  w.key("items");
  w.begin_array();
  for (const auto& i : t.items) {
    if (!i.extra.empty()) return false;
    w.begin_object();
    w.member("amount_minor", i.amount_minor);
    w.member("department", i.department);
    w.member("description", i.description);
    w.member("discount_minor", i.discount_minor);
    w.member("item_id", i.item_id);
    w.member("quantity_milli", i.quantity_milli);
    put_salesperson(w, i.salesperson_id, i.salesperson_name);
    w.member("unit_price_minor", i.unit_price_minor);
    w.end_object();
  }
  w.end_array();
  w.member("kind", kind_name(t.kind));
  w.member("operator_id", t.operator_id);
  w.member("operator_name", t.operator_name);
  put_salesperson(w, t.salesperson_id, t.salesperson_name);
  w.member("tax_minor", t.tax_minor);
  w.key("tenders");
  w.begin_array();
  for (const auto& td : t.tenders) {
    if (!td.extra.empty()) return false;
    w.begin_object();
    w.member("amount_minor", td.amount_minor);
    w.member("method", td.method);
    w.end_object();
  }
  w.end_array();
  w.member("terminal", t.terminal);
  if (!t.total_from.empty()) w.member("total_from", t.total_from);
  w.member("total_minor", t.total_minor);
  w.member("transaction_id", t.transaction_id);
  w.end_object();
  return true;
}

bool write_payload(json_writer& w, const pos_operator& o) {
  if (!o.extra.empty()) return false;
  w.begin_object();
  w.member("action", o.action == pos_operator_action::sign_on ? "sign_on" : "sign_off");
  w.member("business_day", o.business_day);
  w.member("operator_id", o.operator_id);
  w.member("operator_name", o.operator_name);
  w.member("terminal", o.terminal);
  w.member("transaction_id", o.transaction_id);
  w.end_object();
  return true;
}

std::optional<std::string> encode_direct(const event& e) {
  const auto* sale = std::get_if<pos_transaction>(&e.body);
  const auto* sign = std::get_if<pos_operator>(&e.body);
  if (sale == nullptr && sign == nullptr) return std::nullopt;
  json_writer w;
  w.begin_object();
  if (!e.epoch.empty()) w.member("epoch", e.epoch);
  w.member("id", e.id);
  w.member("observed_at", format_iso8601(e.observed_at));
  w.key("payload");
  if (!(sale != nullptr ? write_payload(w, *sale) : write_payload(w, *sign))) return std::nullopt;
  w.member("received_at", format_iso8601(e.received_at));
  w.member("seq", e.seq);
  w.member("source", e.source);
  w.member("store", e.store);
  w.member("stream", e.stream);
  w.member("type", type_name(e.body));
  w.end_object();
  if (!w.ok()) return std::nullopt;
  return w.take();
}

constexpr std::string_view historical_member = R"("historical":true,)";

}  // namespace

std::string mark_historical(std::string_view encoded) {
  std::string out;
  out.reserve(encoded.size() + historical_member.size());
  out += '{';
  out += historical_member;
  out += encoded.substr(1);  // past encode()'s opening brace
  return out;
}

std::size_t historical_mark_size() { return historical_member.size(); }

std::string encode(const event& e) {
  if (auto direct = encode_direct(e)) return std::move(*direct);
  json j = {{"id", e.id},
            {"store", e.store},
            {"source", e.source},
            {"stream", e.stream},
            {"seq", e.seq},
            {"observed_at", format_iso8601(e.observed_at)},
            {"received_at", format_iso8601(e.received_at)},
            {"type", type_name(e.body)},
            {"payload", std::visit([](const auto& p) { return to_json(p); }, e.body)}};
  if (!e.epoch.empty()) j["epoch"] = e.epoch;
  // A till that sends Latin-1 must not make its sale unstorable: bad UTF-8 becomes U+FFFD.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

result<event> decode(std::string_view text) {
  try {
    const auto j = json::parse(text);
    event e;
    e.id = j.at("id").get<std::string>();
    e.store = j.at("store").get<std::string>();
    e.source = j.at("source").get<std::string>();
    e.stream = j.at("stream").get<std::string>();
    e.seq = j.at("seq").get<std::int64_t>();
    e.epoch = j.value("epoch", std::string{});
    for (auto [key, field] : {std::pair{"observed_at", &e.observed_at}, std::pair{"received_at", &e.received_at}}) {
      auto t = parse_iso8601(j.at(key).get<std::string>());
      if (!t) return error{std::string(key) + ": " + t.error_message()};
      *field = *t;
    }
    const auto type = j.at("type").get<std::string>();
    if (type == "pos.transaction")
      e.body = transaction_from_json(j.at("payload"));
    else if (type == "pos.operator")
      e.body = operator_from_json(j.at("payload"));
    else if (type == "agent.health")
      e.body = health_from_json(j.at("payload"));
    else if (type == "traffic.line_cross")
      e.body = detail::line_cross_from_json(j.at("payload"));
    else if (type == "traffic.zone_dwell")
      e.body = detail::zone_dwell_from_json(j.at("payload"));
    else if (type == "traffic.occupancy")
      e.body = detail::occupancy_from_json(j.at("payload"));
    else if (type == "heatmap.tile")
      e.body = detail::heatmap_tile_from_json(j.at("payload"));
    else if (type == "camera.gap")
      e.body = detail::camera_gap_from_json(j.at("payload"));
    else if (type == "traffic.count")
      e.body = detail::traffic_count_from_json(j.at("payload"));
    else
      return error{"type: unknown event type \"" + type + "\""};
    return e;
  } catch (const std::exception& ex) {
    return error{std::string("bad event JSON: ") + ex.what()};
  }
}

}  // namespace kelu::core
