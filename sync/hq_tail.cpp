#include "hq_tail.hpp"

#include <mqtt/async_client.h>
#include <nlohmann/json.hpp>

#include "batch_codec.hpp"
#include "replay.hpp"

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
      if (m) on_message(m->get_topic(), m->to_string());
    });
    const auto prefix = options_.share_group.empty() ? std::string{} : "$share/" + options_.share_group + "/";
    const auto root = "kelu/v1/" + options_.tenant + "/" + options_.store + "/";
    const std::vector<std::string> filters{prefix + root + "events/#", prefix + root + "backfill/#",
                                           prefix + root + "reply/replay"};
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

void hq_tail::on_message(const std::string& topic, const std::string& payload) {
  // kelu/v1/{tenant}/{store}/...
  std::vector<std::string> parts;
  for (std::size_t at = 0;;) {
    const auto slash = topic.find('/', at);
    parts.push_back(topic.substr(at, slash - at));
    if (slash == std::string::npos) break;
    at = slash + 1;
  }
  if (parts.size() >= 6 && parts[4] == "reply" && parts[5] == "replay") return on_replay_reply(parts[3], payload);
  if (parts.size() >= 5 && parts[4] == "backfill") {
    auto events = inflate_batch(payload, max_batch_bytes);
    if (!events) {
      if (print_) print_("BAD " + topic + ": " + events.error_message());
      std::lock_guard lock(mutex_);
      ++stats_.bad_messages;
      return;
    }
    for (const auto& e : *events) on_event(e);
    return;
  }
  on_event(payload);
}

void hq_tail::advance(stream& s) {
  while (!s.beyond.empty() && *s.beyond.begin() <= s.high + 1) {
    s.high = std::max(s.high, *s.beyond.begin());
    s.beyond.erase(s.beyond.begin());
  }
}

void hq_tail::on_event(const std::string& payload) {
  const auto j = json::parse(payload, nullptr, false);
  std::lock_guard lock(mutex_);
  ++stats_.received;
  if (!j.is_object() || !j.contains("store") || !j.contains("source") || !j.contains("seq") ||
      !j["seq"].is_number_integer()) {
    ++stats_.bad_messages;
    return;
  }
  const auto store = j["store"].get<std::string>();
  const auto source = j["source"].get<std::string>();
  const auto seq = j["seq"].get<std::int64_t>();
  auto& s = streams_[{store, source}];
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

void hq_tail::on_replay_reply(const std::string& store, const std::string& payload) {
  const auto j = json::parse(payload, nullptr, false);
  if (!j.is_object() || !j.value("ok", false) || !j.contains("missing") || !j.contains("source")) {
    if (print_) print_("replay refused by " + store + ": " + payload);
    return;
  }
  std::lock_guard lock(mutex_);
  auto& s = streams_[{store, j["source"].get<std::string>()}];
  for (const auto& range : j["missing"]) {
    const auto a = range[0].get<std::int64_t>();
    const auto b = range[1].get<std::int64_t>();
    // Only what lies inside a gap we asked about: past last_seq nothing was ever lost.
    const auto last = j.value("last_seq", std::int64_t{0});
    for (auto seq = std::max(a, s.high + 1); seq <= std::min(b, last); ++seq)
      if (s.beyond.insert(seq).second) ++stats_.lost;
    if (print_ && a <= last) print_("LOST " + store + " " + j["source"].get<std::string>() + " #" + std::to_string(a) +
                                    "..#" + std::to_string(std::min(b, last)) + " (no longer on the box)");
  }
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
      const auto from = s.high + 1;
      const auto to = std::min(*s.beyond.begin() - 1, from + max_replay_span - 1);
      s.asked = now;
      ++stats_.replay_requests;
      requests.emplace_back("kelu/v1/" + options_.tenant + "/" + key.first + "/cmd/replay",
                            json{{"request_id", options_.client_id + "-" + std::to_string(++next_request_)},
                                 {"source", key.second},
                                 {"from_seq", from},
                                 {"to_seq", to}}
                                .dump());
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
    if (!s.beyond.empty()) out.push_back({key.first, key.second, s.high + 1, *s.beyond.begin() - 1});
  return out;
}

std::int64_t hq_tail::high_water(const std::string& store, const std::string& source) const {
  std::lock_guard lock(mutex_);
  const auto it = streams_.find({store, source});
  return it == streams_.end() ? 0 : it->second.high;
}

}  // namespace kelu::sync
