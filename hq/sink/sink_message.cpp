// SPDX-License-Identifier: Apache-2.0
#include "sink_message.hpp"

#include <nlohmann/json.hpp>

#include <exception>
#include <initializer_list>

#include "core/time.hpp"
#include "sync/batch_codec.hpp"

namespace kelu::hq {

namespace {

using nlohmann::json;

std::vector<std::string_view> split(std::string_view topic) {
  std::vector<std::string_view> parts;
  for (std::size_t at = 0;;) {
    const auto slash = topic.find('/', at);
    parts.push_back(topic.substr(at, slash == std::string_view::npos ? std::string_view::npos : slash - at));
    if (slash == std::string_view::npos) return parts;
    at = slash + 1;
  }
}

core::result<json> object_of(std::string_view payload, const std::string& where) {
  auto j = json::parse(payload, nullptr, false);
  if (j.is_discarded()) return core::error{where + ": not JSON"};
  if (!j.is_object()) return core::error{where + ": not a JSON object"};
  return j;
}

// A string field, required or optional ("" when absent); errors name it.
core::result<std::string> text(const json& j, const char* key, bool required, const std::string& where) {
  const auto it = j.find(key);
  if (it == j.end()) {
    if (required) return core::error{where + ": " + key + " is missing"};
    return std::string{};
  }
  if (!it->is_string()) return core::error{where + ": " + key + " is not a string"};
  return it->get<std::string>();
}

// String fields into their places; the error names the first one missing or mistyped.
struct text_field {
  const char* key;
  std::string* out;
  bool required = true;
};
core::status read_texts(const json& j, std::initializer_list<text_field> fields, const std::string& where) {
  for (const auto& f : fields) {
    auto v = text(j, f.key, f.required, where);
    if (!v) return core::error{v.error_message()};
    *f.out = std::move(v).value();
  }
  return core::ok();
}

core::result<sink_event> event_of(std::string_view payload, std::string_view store, const std::string& where) {
  auto j = object_of(payload, where);
  if (!j) return core::error{j.error_message()};
  auto named = text(*j, "store", true, where);
  if (!named) return core::error{named.error_message()};
  if (*named != store)
    return core::error{where + ": store \"" + *named + "\" is not the topic's \"" + std::string(store) + "\""};
  sink_event e;
  if (auto st = read_texts(*j,
                          {{"epoch", &e.epoch, false}, {"source", &e.source}, {"stream", &e.stream}, {"type", &e.type},
                           {"observed_at", &e.observed_at}, {"received_at", &e.received_at}},
                          where);
      !st)
    return core::error{st.error_message()};
  const auto seq = j->find("seq");
  if (seq == j->end() || !seq->is_number_integer() || seq->get<std::int64_t>() < 1)
    return core::error{where + ": seq is missing or not a whole number from 1"};
  e.seq = seq->get<std::int64_t>();
  const auto at = core::parse_iso8601(e.observed_at);
  if (!at) return core::error{where + ": observed_at: " + at.error_message()};
  e.day = std::chrono::floor<std::chrono::days>(*at);
  if (const auto h = j->find("historical"); h != j->end()) {
    // value("historical", false) would throw on a non-boolean: one store's message must never stop
    // the sink, which gets it again, unacknowledged, every time it starts.
    if (!h->is_boolean()) return core::error{where + ": historical is not true/false"};
    e.historical = h->get<bool>();
  }
  e.body = std::string(payload);
  return e;
}

core::result<std::vector<sink_event>> events_of(const std::vector<std::string>& lines, std::string_view store,
                                                const std::string& topic) {
  std::vector<sink_event> out;
  out.reserve(lines.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    auto e = event_of(lines[i], store, lines.size() == 1 ? topic : topic + " event " + std::to_string(i));
    if (!e) return core::error{e.error_message()};
    out.push_back(std::move(e).value());
  }
  return out;
}

core::result<sink_aggregate> aggregate_of(std::string_view payload, std::string kind, const std::string& topic) {
  auto j = object_of(payload, topic);
  if (!j) return core::error{j.error_message()};
  sink_aggregate a;
  a.kind = std::move(kind);
  auto start = text(*j, "start", true, topic);
  auto epoch = text(*j, "epoch", false, topic);
  if (!start) return core::error{start.error_message()};
  if (!epoch) return core::error{epoch.error_message()};
  const auto revision = j->find("revision");
  if (revision == j->end() || !revision->is_number_integer())
    return core::error{topic + ": revision is missing or not a whole number"};
  a.start = std::move(start).value();
  a.epoch = std::move(epoch).value();
  a.revision = revision->get<std::int64_t>();
  a.body = std::string(payload);
  return a;
}

core::result<sink_status> status_of(std::string_view payload, const std::string& topic) {
  auto j = object_of(payload, topic);
  if (!j) return core::error{j.error_message()};
  auto epoch = text(*j, "epoch", false, topic);
  auto origin = text(*j, "epoch_origin", false, topic);
  if (!epoch) return core::error{epoch.error_message()};
  if (!origin) return core::error{origin.error_message()};
  return sink_status{std::move(epoch).value(), std::move(origin).value(), std::string(payload)};
}

core::result<sink_alert> alert_of(std::string_view payload, const std::string& topic) {
  auto j = object_of(payload, topic);
  if (!j) return core::error{j.error_message()};
  sink_alert a;
  if (auto st = read_texts(*j,
                          {{"id", &a.id}, {"state", &a.state}, {"rule", &a.rule}, {"severity", &a.severity},
                           {"at", &a.at}},
                          topic);
      !st)
    return core::error{st.error_message()};
  if (!core::parse_iso8601(a.at)) return core::error{topic + ": at is not an ISO 8601 time"};
  a.body = std::string(payload);
  return a;
}

core::result<sink_replay_reply> replay_reply_of(std::string_view payload, const std::string& topic) {
  auto j = object_of(payload, topic);
  if (!j) return core::error{j.error_message()};
  sink_replay_reply r;
  auto id = text(*j, "request_id", true, topic);
  if (!id) return core::error{id.error_message()};
  r.request_id = std::move(id).value();
  const auto ok = j->find("ok");
  if (ok == j->end() || !ok->is_boolean()) return core::error{topic + ": ok is missing or not true/false"};
  r.ok = ok->get<bool>();
  auto epoch = text(*j, "epoch", false, topic);
  auto error = text(*j, "error", false, topic);
  if (!epoch) return core::error{epoch.error_message()};
  if (!error) return core::error{error.error_message()};
  r.epoch = std::move(epoch).value();
  r.error = std::move(error).value();
  if (const auto last = j->find("last_seq"); last != j->end()) {
    if (!last->is_number_integer()) return core::error{topic + ": last_seq is not a whole number"};
    r.last_seq = last->get<std::int64_t>();
  }
  if (const auto missing = j->find("missing"); missing != j->end()) {
    if (!missing->is_array()) return core::error{topic + ": missing is not an array"};
    for (std::size_t i = 0; i < missing->size(); ++i) {
      const auto& range = (*missing)[i];
      if (!range.is_array() || range.size() != 2 || !range[0].is_number_integer() || !range[1].is_number_integer() ||
          range[0].get<std::int64_t>() > range[1].get<std::int64_t>())
        return core::error{topic + ": missing[" + std::to_string(i) + "] is not a range [from, to]"};
      r.missing.emplace_back(range[0].get<std::int64_t>(), range[1].get<std::int64_t>());
    }
  }
  r.body = std::string(payload);
  return r;
}

// The message's content by its topic; anything refused says why.
core::result<sink_message> decode(std::string_view topic, std::string_view payload, std::size_t max_bytes) {
  const std::string t(topic);
  if (payload.size() > max_bytes)
    return core::error{t + ": " + std::to_string(payload.size()) + " bytes, over the limit of " + std::to_string(max_bytes)};
  const auto parts = split(topic);
  if (parts.size() < 5 || parts[0] != "kelu" || parts[2].empty() || parts[3].empty())
    return core::error{t + ": not a store's topic (kelu/v1/{tenant}/{store}/...)"};
  if (parts[1] != "v1") return core::error{t + ": major version " + std::string(parts[1]) + " is not one this sink reads (v1)"};
  sink_message m{std::string(parts[2]), std::string(parts[3]), sink_ignored{}};
  const auto what = parts[4];
  if ((what == "events" && parts.size() == 6) || (what == "stats" && parts.size() == 5)) {
    auto events = events_of({std::string(payload)}, m.store, t);
    if (!events) return core::error{events.error_message()};
    m.content = std::move(events).value();
  } else if (what == "backfill" && parts.size() == 6) {
    auto lines = sync::inflate_batch(payload, max_bytes);
    if (!lines) return core::error{t + ": " + lines.error_message()};
    auto events = events_of(*lines, m.store, t);
    if (!events) return core::error{events.error_message()};
    m.content = std::move(events).value();
  } else if (what == "metrics" && parts.size() == 7) {
    auto a = aggregate_of(payload, std::string(parts[5]) + "/" + std::string(parts[6]), t);
    if (!a) return core::error{a.error_message()};
    m.content = std::move(a).value();
  } else if (what == "alerts" && parts.size() == 5) {
    auto a = alert_of(payload, t);
    if (!a) return core::error{a.error_message()};
    m.content = std::move(a).value();
  } else if (what == "reply" && parts.size() == 6 && parts[5] == "replay") {
    auto r = replay_reply_of(payload, t);
    if (!r) return core::error{r.error_message()};
    m.content = std::move(r).value();
  } else if (what == "status" && parts.size() == 5) {
    if (payload.empty()) return m;  // a retained status cleared by an operator
    auto s = status_of(payload, t);
    if (!s) return core::error{s.error_message()};
    m.content = std::move(s).value();
  }
  return m;
}

}  // namespace

core::result<sink_message> decode_sink_message(std::string_view topic, std::string_view payload,
                                               std::size_t max_bytes) {
  // The readers above check each field's type before taking it; this is for the one they miss. A
  // message that throws would be redelivered to every member at every start, forever.
  try {
    return decode(topic, payload, max_bytes);
  } catch (const std::exception& e) {
    return core::error{std::string(topic) + ": cannot be read: " + e.what()};
  }
}

}  // namespace kelu::hq
