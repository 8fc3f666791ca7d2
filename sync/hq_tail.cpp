// SPDX-License-Identifier: Apache-2.0
#include "hq_tail.hpp"

#include <mqtt/async_client.h>
#include <nlohmann/json.hpp>

#include "batch_codec.hpp"
#include "replay.hpp"
#include "tls_options.hpp"

namespace kelu::sync {

using nlohmann::json;

namespace {
// 1000 events of a few KB at most; a batch inflating beyond this is not one of ours.
constexpr std::size_t max_batch_bytes = 64 << 20;
}  // namespace

struct hq_tail::paho {
  paho(const hq_tail_options& o) : client(o.uri, o.client_id, mqtt::create_options(MQTTVERSION_3_1_1), nullptr) {}
  mqtt::async_client client;
};

hq_tail::hq_tail(hq_tail_options options, printer print) : options_(std::move(options)), print_(std::move(print)) {}

hq_tail::~hq_tail() { stop(); }

core::status hq_tail::start() {
  try {
    paho_ = std::make_unique<paho>(options_);
    auto& c = paho_->client;
    c.set_message_callback([this](mqtt::const_message_ptr m) {
      if (m) handle(m->get_topic(), m->to_string());
    });
    const auto prefix = options_.share_group.empty() ? std::string{} : "$share/" + options_.share_group + "/";
    const auto root = "kelu/v1/" + options_.tenant + "/" + options_.store + "/";
    // Each member needs every store's status (its epoch) for itself: that one is not shared.
    const std::vector<std::string> filters{prefix + root + "events/#", prefix + root + "backfill/#",
                                           prefix + root + "metrics/#", prefix + root + "reply/replay",
                                           root + "status", root + "software/reported"};
    // Persistent session: what arrives while this consumer restarts is kept for it.
    c.set_connected_handler([this, filters](const std::string&) {
      for (const auto& f : filters) paho_->client.subscribe(f, 1);
    });
    mqtt::connect_options opts;
    opts.set_clean_session(false);
    opts.set_keep_alive_interval(30);
    opts.set_automatic_reconnect(std::chrono::milliseconds(200), std::chrono::seconds(10));
    if (!options_.username.empty()) opts.set_user_name(options_.username);
    if (!options_.password.empty()) opts.set_password(options_.password);
    if (is_tls_uri(options_.uri))
      opts.set_ssl(make_ssl_options({options_.tls_ca_file, options_.tls_cert_file, options_.tls_key_file, true}));
    if (!c.connect(opts)->wait_for(std::chrono::seconds(10)))
      return core::error{"hq-tail: no connection to " + options_.uri + " within 10 s"};
    for (const auto& f : filters)
      if (!c.subscribe(f, 1)->wait_for(std::chrono::seconds(10))) return core::error{"hq-tail: subscribe " + f};
  } catch (const mqtt::exception& e) {
    return core::error{std::string("hq-tail: ") + e.what()};
  }
  return core::ok();
}

void hq_tail::stop() {
  if (!paho_) return;
  try {
    paho_->client.disconnect()->wait_for(std::chrono::seconds(2));
  } catch (const mqtt::exception&) {
  }
  paho_.reset();
}

void hq_tail::handle(const std::string& topic, const std::string& payload) {
  // kelu/v1/{tenant}/{store}/...
  std::vector<std::string> parts;
  for (std::size_t at = 0;;) {
    const auto slash = topic.find('/', at);
    parts.push_back(topic.substr(at, slash - at));
    if (slash == std::string::npos) break;
    at = slash + 1;
  }
  if (parts.size() < 5) return;
  const auto& store = parts[3];
  try {
    if (parts.size() == 5 && parts[4] == "status") return on_status(store, payload);
    if (parts.size() >= 6 && parts[4] == "reply" && parts[5] == "replay") return on_replay_reply(store, payload);
    if (parts.size() == 6 && parts[4] == "software" && parts[5] == "reported") return on_software(store, payload);
    if (parts.size() >= 7 && parts[4] == "metrics") return on_aggregate(store, parts[5] + "/" + parts[6], payload);
    if (parts[4] == "events" || parts[4] == "stats") return on_event(payload);
    if (parts[4] != "backfill") return;  // not a topic this consumer reads (live, cmd/..., alerts)
    auto events = inflate_batch(payload, max_batch_bytes);
    if (!events) {
      if (print_) print_("BAD " + topic + ": " + events.error_message());
      std::lock_guard lock(mutex_);
      ++stats_.bad_messages;
      return;
    }
    for (const auto& e : *events) on_event(e);
  } catch (const json::exception& e) {
    // A field of the wrong type deep inside: the message is unusable, the consumer goes on.
    if (print_) print_("BAD " + topic + ": " + e.what());
    std::lock_guard lock(mutex_);
    ++stats_.bad_messages;
  }
}

void hq_tail::advance(stream& s) {
  while (!s.beyond.empty() && *s.beyond.begin() <= s.high + 1) {
    s.high = std::max(s.high, *s.beyond.begin());
    s.beyond.erase(s.beyond.begin());
  }
}

void hq_tail::on_status(const std::string& store, const std::string& payload) {
  const auto j = json::parse(payload, nullptr, false);
  if (!j.is_object() || !j.contains("epoch") || !j["epoch"].is_string()) return;  // a box from before epochs
  const auto epoch = j["epoch"].get<std::string>();
  const auto origin = j.value("epoch_origin", std::string{});
  std::lock_guard lock(mutex_);
  const auto before = epochs_.of(store);
  if (!epochs_.announce(store, epoch, origin)) return;
  if (origin == "upgraded") adopt_legacy(store, epoch);
  if (!print_) return;
  if (before.empty())
    print_("EPOCH " + store + " " + epoch + " (" + origin + " " + j.value("epoch_created_at", "") + ")");
  else
    print_("NEW EPOCH " + store + " " + epoch + " (" + origin + " " + j.value("epoch_created_at", "") + ") after " +
           before.back() + ": a replaced box or a new database, its seqs are a new series");
}

void hq_tail::on_software(const std::string& store, const std::string& payload) {
  const auto j = json::parse(payload, nullptr, false);
  if (!j.is_object() || !j.contains("state")) throw json::other_error::create(501, "software/reported without a state", &j);
  std::string line = "SOFTWARE " + store + " " + j.value("version", std::string{}) + " " + j.value("state", std::string{});
  if (const auto d = j.find("desired"); d != j.end() && d->is_object())
    line += " (HQ asks for " + d->value("version", std::string{}) + ", " + d->value("from", std::string{}) + ")";
  if (j.contains("reason")) line += ": " + j.value("reason", std::string{});
  if (const auto l = j.find("last"); l != j.end() && l->is_object())
    line += "; last " + l->value("previous", std::string{}) + " -> " + l->value("version", std::string{}) + " " +
            l->value("outcome", std::string{}) + " in " + json(l->value("took_s", 0.0)).dump() + " s";
  std::lock_guard lock(mutex_);
  auto& last = software_[store];
  if (last == line) return;  // the retained message again, on a reconnect
  last = line;
  if (print_) print_(line);
}

// Events a store sent before its box had epochs belong to the epoch its database got when it was
// upgraded: one series, deduplicated as one.
void hq_tail::adopt_legacy(const std::string& store, const std::string& epoch) {
  for (auto it = streams_.begin(); it != streams_.end();) {
    const auto& [s, e, source] = it->first;
    if (s != store || !e.empty()) {
      ++it;
      continue;
    }
    auto& into = streams_[{store, epoch, source}];
    into.high = std::max(into.high, it->second.high);
    into.beyond.insert(it->second.beyond.begin(), it->second.beyond.end());
    into.beyond.erase(into.beyond.begin(), into.beyond.upper_bound(into.high));
    into.last_historical = std::max(into.last_historical, it->second.last_historical);
    advance(into);
    it = streams_.erase(it);
  }
}

void hq_tail::on_event(const std::string& payload) {
  const auto j = json::parse(payload, nullptr, false);
  std::lock_guard lock(mutex_);
  ++stats_.received;
  if (!j.is_object() || !j.contains("store") || !j.contains("source") || !j.contains("seq") ||
      !j["seq"].is_number_integer() || (j.contains("epoch") && !j["epoch"].is_string())) {
    ++stats_.bad_messages;
    return;
  }
  const auto store = j["store"].get<std::string>();
  const auto source = j["source"].get<std::string>();
  const auto epoch = epochs_.file_under(store, j.value("epoch", std::string{}));
  const auto seq = j["seq"].get<std::int64_t>();
  auto& s = streams_[{store, epoch, source}];
  if (j.value("historical", false)) s.last_historical = std::chrono::steady_clock::now();
  if (s.high < 0) s.high = options_.from_first ? 0 : seq - 1;
  if (seq <= s.high || s.beyond.count(seq)) {
    ++stats_.duplicates;
    return;
  }
  ++stats_.unique;
  const bool had_gap = !s.beyond.empty();
  s.beyond.insert(seq);
  advance(s);
  if (!s.beyond.empty() && !had_gap) s.gap_since = std::chrono::steady_clock::now();
  if (s.beyond.empty()) s.gap_since = {};
  if (print_) print_(store + " " + source + " #" + std::to_string(seq) + " " + j.value("type", "?") + " " +
                     j.value("observed_at", ""));
}

void hq_tail::on_aggregate(const std::string& store, const std::string& kind, const std::string& payload) {
  const auto j = json::parse(payload, nullptr, false);
  std::lock_guard lock(mutex_);
  if (!j.is_object() || !j.contains("start") || !j["start"].is_string() || !j.contains("revision") ||
      !j["revision"].is_number_integer() || (j.contains("epoch") && !j["epoch"].is_string())) {
    ++stats_.bad_messages;
    return;
  }
  const auto epoch = epochs_.file_under(store, j.value("epoch", std::string{}));
  const auto start = j["start"].get<std::string>();
  const auto revision = j["revision"].get<std::int64_t>();
  const auto o = aggregates_.file(epochs_, store, kind, start, epoch, revision, payload);
  ++(o == bucket_ledger::outcome::stale ? stats_.stale_aggregates : stats_.aggregates);
  if (print_ && o == bucket_ledger::outcome::stale)
    print_("STALE " + store + " " + kind + " " + start + " revision " + std::to_string(revision) + " of epoch " +
           epoch + ": a newer one is held");
}

void hq_tail::mark_lost(stream& s, const stream_key& key, std::int64_t from, std::int64_t to, const std::string& why) {
  std::int64_t marked = 0;
  for (auto seq = std::max(from, s.high + 1); seq <= to; ++seq)
    if (s.beyond.insert(seq).second) ++marked;
  stats_.lost += marked;
  if (print_ && from <= to)
    print_("LOST " + std::get<0>(key) + " " + std::get<2>(key) + " #" + std::to_string(from) + "..#" +
           std::to_string(to) + " (" + why + ")");
}

void hq_tail::on_replay_reply(const std::string& store, const std::string& payload) {
  const auto j = json::parse(payload, nullptr, false);
  if (!j.is_object() || !j.contains("source") || !j["source"].is_string()) {
    if (print_) print_("replay refused by " + store + ": " + payload);
    return;
  }
  std::lock_guard lock(mutex_);
  const auto asked = asked_.find(j.value("request_id", std::string{}));
  const auto epoch = asked != asked_.end() ? std::get<1>(asked->second.key)
                                           : epochs_.file_under(store, j.value("epoch", std::string{}));
  const stream_key key{store, epoch, j["source"].get<std::string>()};
  auto& s = streams_[key];
  if (!j.value("ok", false)) {
    // The box runs another database than the gap's: the old box's events are not on it.
    const auto theirs = j.value("epoch", std::string{});
    if (asked != asked_.end() && !theirs.empty() && theirs != epoch)
      mark_lost(s, key, asked->second.from, asked->second.to, "epoch " + epoch + " left with its box");
    else if (print_)
      print_("replay refused by " + store + ": " + payload);
  } else if (j.contains("missing") && j["missing"].is_array()) {
    // Only what lies inside a gap we asked about: past last_seq nothing was ever lost.
    const auto last = j.value("last_seq", std::int64_t{0});
    for (const auto& range : j["missing"])
      mark_lost(s, key, range.at(0).get<std::int64_t>(), std::min(range.at(1).get<std::int64_t>(), last),
                "no longer on the box");
  }
  if (asked != asked_.end()) asked_.erase(asked);
  advance(s);
  if (s.beyond.empty()) s.gap_since = {};
}

void hq_tail::poll() {
  std::vector<std::pair<std::string, std::string>> requests;  // topic, payload
  {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    for (auto& [key, s] : streams_) {
      // While the box drains its backlog (historical messages keep coming) the gap is on its
      // way: live events overtake the backlog by design. Ask only once that stops.
      if (s.beyond.empty() || now - s.gap_since < options_.gap_grace || now - s.asked < options_.gap_grace ||
          now - s.last_historical < options_.gap_grace)
        continue;
      const auto& [store, epoch, source] = key;
      const auto from = s.high + 1;
      const auto to = std::min(*s.beyond.begin() - 1, from + max_replay_span - 1);
      s.asked = now;
      ++stats_.replay_requests;
      const auto id = options_.client_id + "-" + std::to_string(++next_request_);
      asked_[id] = {key, from, to};
      json request{{"request_id", id}, {"source", source}, {"from_seq", from}, {"to_seq", to}};
      if (!epoch.empty()) request["epoch"] = epoch;
      requests.emplace_back("kelu/v1/" + options_.tenant + "/" + store + "/cmd/replay", request.dump());
    }
  }
  for (const auto& [topic, payload] : requests) {
    if (print_) print_("GAP -> " + topic + " " + payload);
    try {
      if (paho_) paho_->client.publish(topic, payload.data(), payload.size(), 1, false);
    } catch (const mqtt::exception&) {
      // Asked again after the grace period.
    }
  }
}

hq_tail_stats hq_tail::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

std::vector<stream_gap> hq_tail::gaps() const {
  std::lock_guard lock(mutex_);
  std::vector<stream_gap> out;
  for (const auto& [key, s] : streams_)
    if (!s.beyond.empty())
      out.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), s.high + 1, *s.beyond.begin() - 1});
  return out;
}

std::int64_t hq_tail::high_water(const std::string& store, const std::string& source, const std::string& epoch) const {
  std::lock_guard lock(mutex_);
  auto e = epoch;
  if (e.empty()) {
    const auto known = epochs_.of(store);
    if (!known.empty()) e = known.back();
  }
  const auto it = streams_.find({store, e, source});
  return it == streams_.end() ? 0 : std::max<std::int64_t>(it->second.high, 0);
}

std::vector<std::string> hq_tail::epochs(const std::string& store) const {
  std::lock_guard lock(mutex_);
  return epochs_.of(store);
}

std::optional<ledger_entry> hq_tail::aggregate(const std::string& store, const std::string& kind,
                                               const std::string& start) const {
  std::lock_guard lock(mutex_);
  return aggregates_.find(store, kind, start);
}

}  // namespace kelu::sync
