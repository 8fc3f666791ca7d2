#include "event.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <random>

namespace kelu::core {

namespace {

using nlohmann::json;

template <class... F>
struct overloaded : F... {
  using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;

const char* kind_name(pos_transaction_kind k) { return k == pos_transaction_kind::refund ? "refund" : "sale"; }

json to_json(const pos_transaction& t) {
  json items = json::array();
  for (const auto& i : t.items)
    items.push_back({{"item_id", i.item_id},
                     {"description", i.description},
                     {"quantity_milli", i.quantity_milli},
                     {"unit_price_minor", i.unit_price_minor},
                     {"amount_minor", i.amount_minor}});
  json tenders = json::array();
  for (const auto& td : t.tenders) tenders.push_back({{"method", td.method}, {"amount_minor", td.amount_minor}});
  return {{"terminal", t.terminal},       {"transaction_id", t.transaction_id},
          {"operator_id", t.operator_id}, {"kind", kind_name(t.kind)},
          {"currency", t.currency},       {"total_minor", t.total_minor},
          {"tax_minor", t.tax_minor},     {"items", std::move(items)},
          {"tenders", std::move(tenders)}};
}

json to_json(const agent_health& h) {
  return {{"uptime_s", h.uptime_s},
          {"events_committed", h.events_committed},
          {"duplicates", h.duplicates},
          {"rejected_lines", h.rejected_lines},
          {"busy_rejections", h.busy_rejections},
          {"outbox_rows", h.outbox_rows},
          {"outbox_bytes", h.outbox_bytes},
          {"outbox_oldest_age_s", h.outbox_oldest_age_s},
          {"outbox_dropped", h.outbox_dropped},
          {"mqtt_connected", h.mqtt_connected}};
}

pos_transaction transaction_from_json(const json& j) {
  pos_transaction t;
  t.terminal = j.at("terminal").get<std::string>();
  t.transaction_id = j.at("transaction_id").get<std::string>();
  t.operator_id = j.at("operator_id").get<std::string>();
  const auto kind = j.at("kind").get<std::string>();
  if (kind != "sale" && kind != "refund") throw std::invalid_argument("payload.kind: unknown \"" + kind + "\"");
  t.kind = kind == "refund" ? pos_transaction_kind::refund : pos_transaction_kind::sale;
  t.currency = j.at("currency").get<std::string>();
  t.total_minor = j.at("total_minor").get<std::int64_t>();
  t.tax_minor = j.at("tax_minor").get<std::int64_t>();
  for (const auto& i : j.at("items"))
    t.items.push_back({i.at("item_id").get<std::string>(), i.at("description").get<std::string>(),
                       i.at("quantity_milli").get<std::int64_t>(), i.at("unit_price_minor").get<std::int64_t>(),
                       i.at("amount_minor").get<std::int64_t>()});
  for (const auto& td : j.at("tenders"))
    t.tenders.push_back({td.at("method").get<std::string>(), td.at("amount_minor").get<std::int64_t>()});
  return t;
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
  h.mqtt_connected = j.at("mqtt_connected").get<bool>();
  return h;
}

}  // namespace

std::string_view type_name(const payload& p) {
  return std::visit(overloaded{[](const pos_transaction&) { return std::string_view{"pos.transaction"}; },
                               [](const agent_health&) { return std::string_view{"agent.health"}; }},
                    p);
}

std::string dedupe_key(const event& e) {
  return std::visit(overloaded{[](const pos_transaction& t) {
                                 // The length prefix keeps ("a:b","c") and ("a","b:c") apart.
                                 return "pos:" + std::to_string(t.terminal.size()) + ":" + t.terminal + ":" +
                                        t.transaction_id;
                               },
                               [](const agent_health&) { return std::string{}; }},
                    e.body);
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

std::string encode(const event& e) {
  json j = {{"id", e.id},
            {"store", e.store},
            {"source", e.source},
            {"stream", e.stream},
            {"seq", e.seq},
            {"observed_at", format_iso8601(e.observed_at)},
            {"received_at", format_iso8601(e.received_at)},
            {"type", type_name(e.body)},
            {"payload", std::visit([](const auto& p) { return to_json(p); }, e.body)}};
  return j.dump();
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
    for (auto [key, field] : {std::pair{"observed_at", &e.observed_at}, std::pair{"received_at", &e.received_at}}) {
      auto t = parse_iso8601(j.at(key).get<std::string>());
      if (!t) return error{std::string(key) + ": " + t.error_message()};
      *field = *t;
    }
    const auto type = j.at("type").get<std::string>();
    if (type == "pos.transaction")
      e.body = transaction_from_json(j.at("payload"));
    else if (type == "agent.health")
      e.body = health_from_json(j.at("payload"));
    else
      return error{"type: unknown event type \"" + type + "\""};
    return e;
  } catch (const std::exception& ex) {
    return error{std::string("bad event JSON: ") + ex.what()};
  }
}

}  // namespace kelu::core
