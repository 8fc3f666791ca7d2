// SPDX-License-Identifier: Apache-2.0
#include "schema.hpp"

#include <iconv.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>
#include <tuple>

#include "alert_schema.hpp"
#include "camera_schema.hpp"
#include "change_plan.hpp"
#include "counter_schema.hpp"
#include "change_plan.hpp"
#include "key_def.hpp"
#include "weekly_ranges.hpp"

namespace kelu::config {

using nlohmann::json;
using detail::key_def;

namespace {

// Reaches a nested field through a chain of member pointers: field<&config::mqtt, &mqtt_config::uri>.
template <auto... Members>
auto& field(config& c) {
  return (c .* ... .* Members);
}
template <auto... Members>
const auto& field(const config& c) {
  return (c .* ... .* Members);
}

using check_fn = std::function<std::optional<std::string>(const std::string&)>;

struct meta {
  std::string path;
  std::string description;
  reload when = reload::rebuild;
};

template <auto... M>
key_def string_key(meta m, std::optional<std::string> def, check_fn check = {}, std::string example = {}) {
  key_def k;
  k.info = {m.path, "string", def ? json(*def).dump() : "", "", m.description, m.when};
  k.required = !def;
  k.example = example;
  k.set = [check](config& c, const json& v) -> std::optional<std::string> {
    if (!v.is_string()) return "expected a string, got " + v.dump();
    const auto s = v.get<std::string>();
    if (check)
      if (auto problem = check(s)) return problem;
    field<M...>(c) = s;
    return std::nullopt;
  };
  k.get = [](const config& c) { return json(field<M...>(c)); };
  return k;
}

template <auto... M>
key_def int_key(meta m, std::int64_t def, std::int64_t lo, std::int64_t hi) {
  key_def k;
  k.info = {m.path, "integer", std::to_string(def), std::to_string(lo) + ".." + std::to_string(hi), m.description,
            m.when};
  k.set = [lo, hi](config& c, const json& v) -> std::optional<std::string> {
    if (!v.is_number_integer()) return "expected an integer in " + std::to_string(lo) + ".." + std::to_string(hi) +
                                       ", got " + v.dump();
    const auto range = std::to_string(lo) + ".." + std::to_string(hi);
    if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(hi))
      return "value " + v.dump() + " is outside " + range;
    const auto n = v.get<std::int64_t>();
    if (n < lo || n > hi)
      return "value " + std::to_string(n) + " is outside " + range;
    field<M...>(c) = n;
    return std::nullopt;
  };
  k.get = [](const config& c) { return json(field<M...>(c)); };
  return k;
}

template <auto... M>
key_def bool_key(meta m, bool def) {
  key_def k;
  k.info = {m.path, "boolean", def ? "true" : "false", "true|false", m.description, m.when};
  k.set = [](config& c, const json& v) -> std::optional<std::string> {
    if (!v.is_boolean()) return "expected true or false, got " + v.dump();
    field<M...>(c) = v.get<bool>();
    return std::nullopt;
  };
  k.get = [](const config& c) { return json(field<M...>(c)); };
  return k;
}

template <auto... M>
key_def enum_key(meta m, std::string def, std::vector<std::string> choices) {
  std::string joined;
  for (const auto& ch : choices) joined += (joined.empty() ? "" : "|") + ch;
  key_def k = string_key<M...>(m, def, [choices, joined](const std::string& s) -> std::optional<std::string> {
    if (std::find(choices.begin(), choices.end(), s) == choices.end())
      return "\"" + s + "\" is not one of " + joined;
    return std::nullopt;
  });
  k.info.type = "enum";
  k.info.range = joined;
  return k;
}

using detail::identifier;

std::optional<std::string> optional_identifier(const std::string& s) {
  return s.empty() ? std::nullopt : identifier(s);
}

std::optional<std::string> time_zone(const std::string& s) {
  // libstdc++ 12 has no chrono tzdb: the zone must exist in the system's tzdata.
  if (s == "UTC") return std::nullopt;
  const bool shaped = !s.empty() && s.find("..") == std::string::npos && s.front() != '/' &&
                      std::all_of(s.begin(), s.end(), [](char ch) {
                        return std::isalnum(static_cast<unsigned char>(ch)) != 0 || ch == '/' || ch == '_' || ch == '-' ||
                               ch == '+';
                      });
  if (!shaped || !std::filesystem::is_regular_file("/usr/share/zoneinfo/" + s))
    return "\"" + s + "\" is not an IANA time zone known to this system (e.g. \"Asia/Shanghai\")";
  return std::nullopt;
}

std::optional<std::string> currency(const std::string& s) {
  if (s.size() != 3 || !std::all_of(s.begin(), s.end(), [](char ch) { return ch >= 'A' && ch <= 'Z'; }))
    return "\"" + s + "\" is not an ISO 4217 code (three capital letters, e.g. \"CNY\")";
  return std::nullopt;
}

check_fn weekly_text(bool allow_count) {
  return [allow_count](const std::string& s) -> std::optional<std::string> {
    std::vector<weekly_range> ranges;
    return parse_weekly_ranges(s, allow_count, ranges);
  };
}

std::optional<std::string> webhook_url(const std::string& s) {
  if (s.empty() || s.rfind("https://", 0) == 0 || s.rfind("http://", 0) == 0) return std::nullopt;
  return "\"" + s + "\" is not an http:// or https:// URL";
}

std::optional<std::string> broker_uri(const std::string& s) {
  for (const char* scheme : {"tcp://", "mqtt://", "ssl://", "mqtts://", "ws://", "wss://"})
    if (s.rfind(scheme, 0) == 0 && s.size() > std::string_view(scheme).size()) return std::nullopt;
  return "\"" + s + "\" is not a broker URI (tcp://host:1883, ssl://host:8883, ws://, wss://)";
}

std::optional<std::string> readable_file_or_empty(const std::string& s) {
  if (s.empty()) return std::nullopt;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(s, ec)) return "\"" + s + "\" is not a readable file";
  return std::nullopt;
}

std::optional<std::string> non_empty(const std::string& s) {
  if (s.empty()) return "must not be empty";
  return std::nullopt;
}

std::optional<std::string> known_text_encoding(const std::string& s) {
  if (s == "auto") return std::nullopt;
  const iconv_t cd = iconv_open("UTF-8", s.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) return "\"" + s + "\" is neither auto nor an encoding iconv knows";
  iconv_close(cd);
  return std::nullopt;
}

std::optional<std::string> single_char(const std::string& s) {
  if (s.size() != 1) return "\"" + s + "\" must be exactly one character";
  return std::nullopt;
}

std::optional<std::string> host_port_or_empty(const std::string& s) {
  if (s.empty()) return std::nullopt;
  const auto colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == s.size() ||
      s.find_first_not_of("0123456789", colon + 1) != std::string::npos || s.size() - colon > 6 ||
      std::stoi(s.substr(colon + 1)) > 65535 || std::stoi(s.substr(colon + 1)) == 0)
    return "\"" + s + "\" is not host:port (e.g. \"192.168.1.50:9100\")";
  return std::nullopt;
}

std::optional<std::string> http_url_or_empty(const std::string& s) {
  if (s.empty()) return std::nullopt;
  if ((!s.starts_with("http://") && !s.starts_with("https://")) || s.find_first_of(" ?#") != std::string::npos ||
      s.size() < 10)
    return "\"" + s + "\" is not a base URL (e.g. \"http://192.168.1.20:8080\")";
  return std::nullopt;
}

std::optional<std::string> optional_currency(const std::string& s) { return s.empty() ? std::nullopt : currency(s); }
std::optional<std::string> optional_time_zone(const std::string& s) { return s.empty() ? std::nullopt : time_zone(s); }

std::optional<std::string> url_path(const std::string& s) {
  if (s.empty() || s.front() != '/' || s.find_first_of(" ?#") != std::string::npos)
    return "\"" + s + "\" is not a URL path (e.g. \"/pos/webhook\")";
  return std::nullopt;
}

// The keys every drop-folder source has; `Src` picks poslog or csv.
template <auto Src>
void add_folder_keys(std::vector<key_def>& t, const std::string& name, const std::string& what) {
  using C = config;
  using F = folder_source_config;
  const std::string p = "sources." + name + ".";
  t.push_back(bool_key<&C::sources, Src, &F::enabled>({p + "enabled", "Read " + what + " files dropped into the folder"}, false));
  t.push_back(string_key<&C::sources, Src, &F::source_id>(
      {p + "source_id", "Source name in events; (source, seq) identifies each event"}, name, identifier));
  t.push_back(string_key<&C::sources, Src, &F::folder>(
      {p + "folder", "Drop folder; processed files move to its done/ and rejected/ subfolders"},
      "/var/lib/kelu/inbox/" + name, non_empty));
  t.push_back(int_key<&C::sources, Src, &F::rescan_s>(
      {p + "rescan_s", "Seconds between full rescans of the folder (inotify catches new files at once)"}, 30, 1, 3600));
  t.push_back(int_key<&C::sources, Src, &F::settle_s>(
      {p + "settle_s", "A file found by a rescan is read once unchanged this many seconds (still being copied otherwise)"},
      2, 0, 3600));
  t.push_back(int_key<&C::sources, Src, &F::max_file_bytes>(
      {p + "max_file_bytes", "Larger files are rejected, not read"}, 256LL << 20, 1024, 4LL << 30));
  t.push_back(int_key<&C::sources, Src, &F::done_retention_days>(
      {p + "done_retention_days", "Files in done/ are deleted after this many days (0 keeps them)"}, 30, 0,
      3650));
}

// The cameras array: its elements' keys are declared in camera_schema.cpp and documented
// in the sample as a commented example element.
key_def cameras_key() {
  key_def k;
  k.info = {"cameras", "array of cameras", "[]", "0..16 elements",
            "Cameras: each runs motion gate, detector, tracker, lines, zones and heat map on its own thread; no frame "
            "ever leaves the box",
            reload::rebuild};
  k.set = [](config& c, const json& v) { return detail::parse_cameras(v, c.cameras); };
  k.get = [](const config& c) { return detail::cameras_to_json(c.cameras); };
  const json examples = {{"id", "door"}, {"url", "rtsp://viewer:secret@192.168.1.64/Streaming/Channels/102"},
                         {"lines", json::array({{{"name", "entrance"}, {"from", {0, 300}}, {"to", {768, 300}}}})},
                         {"zones", json::array({{{"name", "promo_table"},
                                                 {"polygon", {{100, 350}, {300, 350}, {300, 550}, {100, 550}}},
                                                 {"staff_only", false}}})}};
  k.sample_note = detail::camera_sample_note(examples);
  return k;
}

// People counters already installed: elements declared in counter_schema.cpp.
key_def counters_key() {
  key_def k;
  k.info = {"counters", "array of counters", "[]", "0..32 elements",
            "People counters already on the ceiling (Hikvision, Dahua, AXIS People Counter): their in/out counts "
            "feed the funnel like a door camera's, and the periods they did not report count against coverage",
            reload::rebuild};
  k.set = [](config& c, const json& v) { return detail::parse_counters(v, c.counters); };
  k.get = [](const config& c) { return detail::counters_to_json(c.counters); };
  k.sample_note = detail::counter_sample_note();
  return k;
}

// The alert rules: elements declared in alert_schema.cpp, applied on reload.
key_def alerts_key() {
  key_def k;
  k.info = {"alerts", "array of alert rules", "[]", "0..64 elements",
            "Alert rules, no code: metric, comparison, threshold, window, active hours, cooldown, severity, chat "
            "channels (docs/analytics.md)",
            reload::hot};
  k.set = [](config& c, const json& v) { return detail::parse_alerts(v, c.alerts); };
  k.get = [](const config& c) { return detail::alerts_to_json(c.alerts); };
  k.sample_note = detail::alert_sample_note();
  return k;
}

// store.* and storage.*: who the box is and where it keeps its data.
void add_store_keys(std::vector<key_def>& t) {
  using C = config;
  using std::string;
  constexpr auto hot = reload::hot;
  for (auto& k : std::vector<key_def>{
      string_key<&C::store, &store_config::tenant>(
          {"store.tenant", "Retailer account at HQ; the second level of every MQTT topic", reload::restart}, std::nullopt, identifier,
          "acme"),
      string_key<&C::store, &store_config::id>(
          {"store.id", "This store's id, unique within the tenant; the third topic level", reload::restart}, std::nullopt, identifier,
          "store-001"),
      string_key<&C::store, &store_config::name>({"store.name", "Human-readable store name shown on the dashboard", hot},
                                                 string{}),
      string_key<&C::store, &store_config::time_zone>(
          {"store.time_zone", "IANA time zone of the store: day boundaries, opening hours and POS times sent without a zone follow it",
           reload::restart},
          string{"UTC"}, time_zone),
      string_key<&C::store, &store_config::currency>(
          {"store.currency", "ISO 4217 currency assumed when a POS record names none", hot}, string{"CNY"}, currency),
      string_key<&C::store, &store_config::opening_hours>(
          {"store.opening_hours",
           "Local opening hours, e.g. \"mon-fri 09:00-21:00, sat-sun 10:00-22:00\" (22:00-02:00 runs past midnight); "
           "empty: always open. Alerts marked open_only and the funnel's open flag follow it",
           hot},
          string{}, weekly_text(false)),

      string_key<&C::storage, &storage_config::path>({"storage.path", "SQLite database file (created if absent)", reload::restart},
                                                     string{"/var/lib/kelu/kelu.db"}, non_empty),
      enum_key<&C::storage, &storage_config::synchronous>(
          {"storage.synchronous",
           "full: a commit survives power loss (fsync per group commit); normal: survives a crash of the agent only",
           reload::restart},
          "full", {"full", "normal"}),
      int_key<&C::storage, &storage_config::outbox_quota_bytes>(
          {"storage.outbox_quota_bytes", "Most bytes of unsent messages kept; oldest raw events are dropped past it",
           hot},
          256LL << 20, 1LL << 20, 64LL << 30),
      int_key<&C::storage, &storage_config::outbox_max_age_days>(
          {"storage.outbox_max_age_days", "Unsent messages older than this are dropped (counted)", hot}, 30, 1, 3650),
      int_key<&C::storage, &storage_config::events_retention_days>(
          {"storage.events_retention_days",
           "Raw events are kept on the box this long (local reports, replays); older ones are deleted", hot},
          90, 1, 3650),
      int_key<&C::storage, &storage_config::max_pending_events>(
          {"storage.max_pending_events", "Events waiting for commit before sources are told to retry later", hot}, 20000,
          100, 1000000),
      int_key<&C::storage, &storage_config::max_batch_events>(
          {"storage.max_batch_events", "Most events in one group-commit transaction", hot}, 5000, 1, 100000)})
    t.push_back(std::move(k));
}

// mqtt.*: the link to HQ.
void add_mqtt_keys(std::vector<key_def>& t) {
  using C = config;
  using std::string;
  for (auto& k : std::vector<key_def>{
      string_key<&C::mqtt, &mqtt_config::uri>({"mqtt.uri", "HQ broker"}, string{"tcp://localhost:1883"}, broker_uri),
      string_key<&C::mqtt, &mqtt_config::client_id>(
          {"mqtt.client_id", "MQTT client id; empty derives kelu-{tenant}-{store id}"}, string{},
          optional_identifier),
      string_key<&C::mqtt, &mqtt_config::username>({"mqtt.username", "Broker user name; empty for none"}, string{}),
      string_key<&C::mqtt, &mqtt_config::password>({"mqtt.password", "Broker password"}, string{}),
      enum_key<&C::mqtt, &mqtt_config::version>({"mqtt.version", "MQTT protocol version"}, "3.1.1", {"3.1.1", "5"}),
      int_key<&C::mqtt, &mqtt_config::keep_alive_s>({"mqtt.keep_alive_s", "Keep-alive interval in seconds"}, 30, 5,
                                                    3600),
      int_key<&C::mqtt, &mqtt_config::connect_timeout_s>(
          {"mqtt.connect_timeout_s", "Deadline for one connection attempt in seconds"}, 10, 1, 120),
      int_key<&C::mqtt, &mqtt_config::max_inflight>(
          {"mqtt.max_inflight", "QoS 1 messages published and not yet acknowledged, at most"}, 64, 1, 65535),
      int_key<&C::mqtt, &mqtt_config::max_inflight_bytes>(
          {"mqtt.max_inflight_bytes",
           "Payload bytes published and not yet acknowledged before the next message waits (one always goes): "
           "more overflows a slow line's modem queue and TCP crawls"},
          16 * 1024, 1024, 64LL * 1024 * 1024),
      int_key<&C::mqtt, &mqtt_config::reconnect_min_ms>(
          {"mqtt.reconnect_min_ms", "First reconnect delay; doubles per failure, with jitter"}, 500, 10, 60000),
      int_key<&C::mqtt, &mqtt_config::reconnect_max_ms>({"mqtt.reconnect_max_ms", "Longest reconnect delay"}, 60000,
                                                         100, 3600000),
      int_key<&C::mqtt, &mqtt_config::live_window_s>(
          {"mqtt.live_window_s",
           "At a connect, messages older than this are the backlog: sent after live ones, flagged historical"},
          60, 1, 86400),
      int_key<&C::mqtt, &mqtt_config::backfill_rate_per_s>(
          {"mqtt.backfill_rate_per_s", "Most backlog messages a second after an outage, so HQ is not flooded"}, 500, 1,
          1000000),
      int_key<&C::mqtt, &mqtt_config::backfill_batch>(
          {"mqtt.backfill_batch",
           "Backlog events of one stream per zlib-compressed message on backfill/{stream}; 0 sends each on "
           "events/{stream} (HQ must read backfill/ before this is turned on)"},
          0, 0, 1000),
      int_key<&C::mqtt, &mqtt_config::max_payload_bytes>(
          {"mqtt.max_payload_bytes",
           "Largest message sent; a larger one is dropped and counted (set to what HQ's broker accepts)"},
          256 * 1024, 1024, 256LL * 1024 * 1024 - 1),

      string_key<&C::mqtt, &mqtt_config::tls, &mqtt_tls_config::ca_file>(
          {"mqtt.tls.ca_file", "PEM CA bundle that signs HQ's broker certificate (ssl:// URIs); empty: system trust"},
          string{}, readable_file_or_empty),
      string_key<&C::mqtt, &mqtt_config::tls, &mqtt_tls_config::cert_file>(
          {"mqtt.tls.cert_file", "PEM client certificate, for brokers that authenticate stores by certificate"},
          string{}, readable_file_or_empty),
      string_key<&C::mqtt, &mqtt_config::tls, &mqtt_tls_config::key_file>(
          {"mqtt.tls.key_file", "PEM private key of the client certificate (keep it readable by kelu only)"}, string{},
          readable_file_or_empty),
      bool_key<&C::mqtt, &mqtt_config::tls, &mqtt_tls_config::verify_hostname>(
          {"mqtt.tls.verify_hostname", "Check that the broker's certificate names the host in mqtt.uri"}, true)})
    t.push_back(std::move(k));
}

// sources.pos_tcp, sources.poslog, sources.csv (its folder): tills that send lines, exports dropped in folders.
void add_pos_keys(std::vector<key_def>& t) {
  using C = config;
  using std::string;
  for (auto& k : std::vector<key_def>{
      bool_key<&C::sources, &sources_config::pos_tcp, &pos_tcp_config::enabled>(
          {"sources.pos_tcp.enabled", "Accept POS transactions as JSON lines over TCP"}, true),
      string_key<&C::sources, &sources_config::pos_tcp, &pos_tcp_config::source_id>(
          {"sources.pos_tcp.source_id", "Source name in events; (source, seq) identifies each event"},
          string{"pos-tcp"}, identifier),
      string_key<&C::sources, &sources_config::pos_tcp, &pos_tcp_config::listen>(
          {"sources.pos_tcp.listen", "Address to listen on (0.0.0.0 for every interface)"}, string{"0.0.0.0"},
          non_empty),
      int_key<&C::sources, &sources_config::pos_tcp, &pos_tcp_config::port>(
          {"sources.pos_tcp.port", "TCP port; 0 picks a free one (tests)"}, 9750, 0, 65535),
      int_key<&C::sources, &sources_config::pos_tcp, &pos_tcp_config::max_line_bytes>(
          {"sources.pos_tcp.max_line_bytes", "Longest accepted line; a longer one closes the connection"}, 65536, 256,
          16 << 20),
      int_key<&C::sources, &sources_config::pos_tcp, &pos_tcp_config::max_connections>(
          {"sources.pos_tcp.max_connections", "Concurrent POS connections; more are refused with an error line"}, 64,
          1, 4096),
      int_key<&C::sources, &sources_config::pos_tcp, &pos_tcp_config::idle_timeout_s>(
          {"sources.pos_tcp.idle_timeout_s", "A connection silent this long is closed"}, 300, 1, 86400)})
    t.push_back(std::move(k));
  add_folder_keys<&sources_config::poslog>(t, "poslog", "NRF ARTS POSLog XML");
  add_folder_keys<&sources_config::csv>(t, "csv", "CSV sales export");
}

// sources.csv.*: how a CSV export maps to transactions.
void add_csv_keys(std::vector<key_def>& t) {
  using C = config;
  using std::string;
  using CS = csv_config;
  using CC = csv_columns;
  const auto csv = [&](key_def k) { t.push_back(std::move(k)); };
  csv(string_key<&C::sources, &sources_config::csv, &CS::delimiter>({"sources.csv.delimiter", "Field separator"},
                                                                      string{","}, single_char));
  csv(string_key<&C::sources, &sources_config::csv, &CS::decimal_separator>(
      {"sources.csv.decimal_separator", "Decimal separator in amounts and quantities (\",\" in much of Europe)"},
      string{"."}, single_char));
  csv(string_key<&C::sources, &sources_config::csv, &CS::time_format>(
      {"sources.csv.time_format", "strptime format of the time column (%Y-%m-%d %H:%M:%S, %d/%m/%Y %H:%M, ...)"},
      string{"%Y-%m-%d %H:%M:%S"}, non_empty));
  csv(string_key<&C::sources, &sources_config::csv, &CS::time_zone>(
      {"sources.csv.time_zone", "IANA zone of the export's times; empty: store.time_zone"}, string{},
      optional_time_zone));
  csv(string_key<&C::sources, &sources_config::csv, &CS::currency>(
      {"sources.csv.currency", "Currency of the export's amounts; empty: store.currency"}, string{},
      optional_currency));
  csv(string_key<&C::sources, &sources_config::csv, &CS::terminal>(
      {"sources.csv.terminal", "Terminal id for every row when there is no terminal column"}, string{"csv"},
      non_empty));
  csv(string_key<&C::sources, &sources_config::csv, &CS::return_prefix>(
      {"sources.csv.return_prefix", "Transaction ids starting with this are returns (e.g. \"C\"); empty: none"},
      string{}));
  csv(string_key<&C::sources, &sources_config::csv, &CS::encoding>(
      {"sources.csv.encoding",
       "Text encoding of the export: auto (UTF-8 when it is valid UTF-8 or has a BOM, else GB18030, which reads GBK "
       "and GB2312 too), or any name iconv knows (UTF-8, GB18030, GBK, BIG5, CP1252, ...)"},
      string{"auto"}, known_text_encoding));
  csv(string_key<&C::sources, &sources_config::csv, &CS::preset>(
      {"sources.csv.preset",
       "A back office's export layout: the name of a file in sources.csv.preset_dir (zh-lines, zh-receipts, "
       "uci-online-retail, ...) or a path, holding sources.csv keys; keys set here win over the preset's"},
      string{}));
  csv(string_key<&C::sources, &sources_config::csv, &CS::preset_dir>(
      {"sources.csv.preset_dir", "Where preset names are looked up"}, string{KELU_PRESET_DIR "/csv"}, non_empty));
  struct column {
    std::string CC::*member;
    const char* name;
    const char* def;
    const char* desc;
  };
  // Member pointers vary at run time here, so these keys bind through a small lambda pair.
  for (const column& col : {column{&CC::transaction, "transaction", "transaction_id", "Header of the transaction (receipt, invoice) id column; rows sharing it form one transaction"},
                            column{&CC::time, "time", "time", "Header of the sale time column"},
                            column{&CC::item, "item", "item_id",
                                   "Header of the item id (SKU, GTIN) column; empty: one row per transaction, with no "
                                   "line items (then columns.total is required)"},
                            column{&CC::description, "description", "description", "Header of the item description column; empty: none"},
                            column{&CC::quantity, "quantity", "quantity", "Header of the quantity column; empty: 1 per row"},
                            column{&CC::unit_price, "unit_price", "unit_price", "Header of the unit price column; empty: none"},
                            column{&CC::amount, "amount", "", "Header of the line amount column; empty: unit price x quantity"},
                            column{&CC::terminal, "terminal", "", "Header of the terminal column; empty: sources.csv.terminal"},
                            column{&CC::operator_id, "operator", "", "Header of the cashier column; empty: none"},
                            column{&CC::department, "department", "", "Header of the department column; empty: none"},
                            column{&CC::salesperson, "salesperson", "",
                                   "Header of the sales associate (导购/营业员) column, per row: close rates credit the row's sale to "
                                   "them rather than the cashier; empty: none"},
                            column{&CC::total, "total", "",
                                   "Header of the transaction's amount paid (实收), on its row or repeated on each line's row; "
                                   "empty: the sum of the lines"},
                            column{&CC::payment, "payment", "", "Header of the payment method (支付方式) column; empty: none"},
                            column{&CC::return_flag, "return_flag", "",
                                   "Header of a column marking returns (退货: 是/Y/1/true/退货/退); empty: none"}}) {
    key_def k;
    const std::string path = std::string("sources.csv.columns.") + col.name;
    k.info = {path, "string", json(std::string(col.def)).dump(), "", col.desc, reload::rebuild};
    const auto member = col.member;
    k.set = [member](config& c, const json& v) -> std::optional<std::string> {
      if (!v.is_string()) return "expected a string, got " + v.dump();
      c.sources.csv.columns.*member = v.get<std::string>();
      return std::nullopt;
    };
    k.get = [member](const config& c) { return json(c.sources.csv.columns.*member); };
    t.push_back(std::move(k));
  }
}

// sources.webhook.*: POS systems that post transactions over HTTP.
void add_webhook_keys(std::vector<key_def>& t) {
  using C = config;
  using std::string;
  using W = webhook_config;
  const auto w = [&](key_def k) { t.push_back(std::move(k)); };
  w(bool_key<&C::sources, &sources_config::webhook, &W::enabled>(
      {"sources.webhook.enabled", "Accept POS transactions pushed as JSON over HTTP (HMAC-SHA256 signed)"}, false));
  w(string_key<&C::sources, &sources_config::webhook, &W::source_id>(
      {"sources.webhook.source_id", "Source name in events"}, string{"webhook"}, identifier));
  w(string_key<&C::sources, &sources_config::webhook, &W::listen>(
      {"sources.webhook.listen", "Address to listen on"}, string{"0.0.0.0"}, non_empty));
  w(int_key<&C::sources, &sources_config::webhook, &W::port>({"sources.webhook.port", "HTTP port; 0 picks a free one"},
                                                             9751, 0, 65535));
  w(string_key<&C::sources, &sources_config::webhook, &W::path>(
      {"sources.webhook.path", "URL path the POS posts to"}, string{"/pos/transactions"}, url_path));
  w(string_key<&C::sources, &sources_config::webhook, &W::secrets_file>(
      {"sources.webhook.secrets_file",
       "File of \"terminal secret\" lines (\"* secret\" for any terminal); keep it readable by kelu only"},
      string{"/etc/kelu/webhook-secrets"}, non_empty));
  w(int_key<&C::sources, &sources_config::webhook, &W::max_body_bytes>(
      {"sources.webhook.max_body_bytes", "Larger requests get 413"}, 1 << 20, 256, 64 << 20));
  w(int_key<&C::sources, &sources_config::webhook, &W::max_connections>(
      {"sources.webhook.max_connections", "Concurrent connections; more are answered 503 (Retry-After) and closed"}, 64, 1, 10000));
  w(int_key<&C::sources, &sources_config::webhook, &W::max_connections_per_client>(
      {"sources.webhook.max_connections_per_client",
       "Connections one address may hold at once; more are answered 503, so one device cannot take every place"},
      16, 1, 10000));
  w(int_key<&C::sources, &sources_config::webhook, &W::rate_per_s>(
      {"sources.webhook.rate_per_s", "Requests per second per client address, sustained; more get 429"}, 50, 1, 100000));
  w(int_key<&C::sources, &sources_config::webhook, &W::rate_burst>(
      {"sources.webhook.rate_burst", "Requests a client may send at once above the sustained rate"}, 200, 1, 1000000));
  w(int_key<&C::sources, &sources_config::webhook, &W::timeout_s>(
      {"sources.webhook.timeout_s", "Deadline to read a request or write a response"}, 15, 1, 600));
  w(bool_key<&C::sources, &sources_config::webhook, &W::require_timestamp>(
      {"sources.webhook.require_timestamp",
       "Refuse v1 signatures (no X-Kelu-Timestamp): a captured v1 delivery can be stored again once retention has "
       "deleted its sale. Set it once every terminal signs v2"},
      false));
  // At most 12 h: under storage.events_retention_days' floor of a day, so a replayed v2 delivery is
  // either refused or still a duplicate of its stored sale.
  w(int_key<&C::sources, &sources_config::webhook, &W::timestamp_tolerance_s>(
      {"sources.webhook.timestamp_tolerance_s",
       "How far a v2 delivery's X-Kelu-Timestamp may be from the box's clock; farther is refused (401) as a replay"},
      3600, 60, 43200));
}

// sources.escpos.*: the printer tap.
void add_escpos_keys(std::vector<key_def>& t) {
  using C = config;
  using std::string;
  using E = escpos_config;
  using L = escpos_layout_config;
  const auto e = [&](key_def k) { t.push_back(std::move(k)); };
  e(bool_key<&C::sources, &sources_config::escpos, &E::enabled>(
      {"sources.escpos.enabled", "Tap the receipt printer: pass every byte through and read sales from the receipts"},
      false));
  e(string_key<&C::sources, &sources_config::escpos, &E::source_id>({"sources.escpos.source_id", "Source name in events"},
                                                                    string{"escpos"}, identifier));
  e(string_key<&C::sources, &sources_config::escpos, &E::listen>({"sources.escpos.listen", "Address the till prints to"},
                                                                 string{"0.0.0.0"}, non_empty));
  e(int_key<&C::sources, &sources_config::escpos, &E::port>(
      {"sources.escpos.port", "Raw printing port the till prints to, when sources.escpos.printer is set"}, 9100, 0, 65535));
  e(string_key<&C::sources, &sources_config::escpos, &E::printer>(
      {"sources.escpos.printer", "host:port of the real receipt printer (network tap)"}, string{},
      host_port_or_empty));
  e(string_key<&C::sources, &sources_config::escpos, &E::serial_device>(
      {"sources.escpos.serial_device", "Serial port the till prints to (RS-232 tap); empty: none"}, string{}));
  e(string_key<&C::sources, &sources_config::escpos, &E::serial_printer_device>(
      {"sources.escpos.serial_printer_device", "Serial port of the real printer (RS-232 tap)"}, string{}));
  e(int_key<&C::sources, &sources_config::escpos, &E::serial_baud>(
      {"sources.escpos.serial_baud", "Baud rate of both serial ports"}, 9600, 1200, 921600));
  e(int_key<&C::sources, &sources_config::escpos, &E::max_job_bytes>(
      {"sources.escpos.max_job_bytes", "Bytes of one print job kept for parsing; past it the job still prints, unparsed"},
      4 << 20, 4096, 256 << 20));
  e(int_key<&C::sources, &sources_config::escpos, &E::connect_timeout_s>(
      {"sources.escpos.connect_timeout_s", "Deadline to reach the real printer"}, 5, 1, 120));
  e(enum_key<&C::sources, &sources_config::escpos, &E::layout, &L::preset>(
      {"sources.escpos.preset", "Receipt layout preset; the pattern keys below override parts of it"}, "generic-en",
      {"generic-en", "generic-zh"}));
  for (const auto& [member, name, desc] : std::vector<std::tuple<std::string L::*, const char*, const char*>>{
           {&L::encoding, "encoding", "Printer code page (CP437, GB18030, UTF-8, ...); empty: the preset's"},
           {&L::total_pattern, "total_pattern", "Regular expression of the total line; group 1 is the amount"},
           {&L::item_pattern, "item_pattern", "Item line; group 1 description, 2 amount, optional 3 quantity"},
           {&L::items_end_pattern, "items_end_pattern", "First line after the items (subtotal, total)"},
           {&L::tax_pattern, "tax_pattern", "Tax line; group 1 is the amount"},
           {&L::time_pattern, "time_pattern", "Group 1 is the sale time, read with time_format"},
           {&L::time_format, "time_format", "strptime format of the time_pattern capture"},
           {&L::receipt_number_pattern, "receipt_number_pattern", "Group 1 is the receipt number"},
           {&L::cashier_pattern, "cashier_pattern", "Group 1 is the cashier"},
           {&L::currency, "currency", "Currency of the receipts; empty: store.currency"}}) {
    key_def k;
    const std::string path = std::string("sources.escpos.") + name;
    k.info = {path, "string", "\"\"", "", desc, reload::rebuild};
    k.set = [m = member](config& c, const json& v) -> std::optional<std::string> {
      if (!v.is_string()) return "expected a string, got " + v.dump();
      c.sources.escpos.layout.*m = v.get<std::string>();
      return std::nullopt;
    };
    k.get = [m = member](const config& c) { return json(c.sources.escpos.layout.*m); };
    t.push_back(std::move(k));
  }
  e(string_key<&C::sources, &sources_config::escpos, &E::layout, &L::terminal>(
      {"sources.escpos.terminal", "Terminal id of the till behind this printer"}, string{"printer"}, non_empty));
}

// sources.counter_push.*: people counters that push their counts.
void add_counter_push_keys(std::vector<key_def>& t) {
  using C = config;
  using std::string;
  using P = counter_push_config;
  const auto cp = [&](key_def k) { t.push_back(std::move(k)); };
  cp(string_key<&C::sources, &sources_config::counter_push, &P::listen>(
      {"sources.counter_push.listen", "Address the people-counter receiver listens on (when a counter pushes)"},
      string{"0.0.0.0"}, non_empty));
  cp(int_key<&C::sources, &sources_config::counter_push, &P::port>(
      {"sources.counter_push.port", "HTTP port pushing counters are pointed at (http://box:port/counters/{id}); 0 "
                                    "picks a free one"},
      9752, 0, 65535));
  cp(int_key<&C::sources, &sources_config::counter_push, &P::max_body_bytes>(
      {"sources.counter_push.max_body_bytes", "Larger pushes get 413 (Hikvision may attach a picture; it is dropped)"},
      4 << 20, 1024, 64 << 20));
  cp(int_key<&C::sources, &sources_config::counter_push, &P::timeout_s>(
      {"sources.counter_push.timeout_s", "Deadline to read a push or write the answer"}, 15, 1, 600));
}

// analytics.* and notify.*: how figures are computed and where alerts go.
void add_analytics_keys(std::vector<key_def>& t) {
  using C = config;
  using std::string;
  constexpr auto hot = reload::hot;
  for (auto& k : std::vector<key_def>{
      string_key<&C::analytics, &analytics_config::staff_schedule>(
          {"analytics.staff_schedule",
           "Staff on shift by local time with headcounts, e.g. \"mon-fri 09:00-17:00 x2, sat 10:00-18:00 x3\"; used "
           "for STAR on days without POS sign-ons",
           hot},
          string{}, weekly_text(true)),
      int_key<&C::analytics, &analytics_config::coverage_floor_pct>(
          {"analytics.coverage_floor_pct",
           "An open hour whose door cameras saw less than this % of it is left out of every visitor-based rate (conversion, engaged rate, close rates, STAR)", hot},
          90, 0, 100),
      int_key<&C::analytics, &analytics_config::close_grace_s>(
          {"analytics.close_grace_s", "Seconds after a bucket ends before it is closed and sent; later data revises it",
           hot},
          300, 0, 86400),
      int_key<&C::analytics, &analytics_config::live_interval_s>(
          {"analytics.live_interval_s", "Seconds between updates of today's figures (the retained live topic)", hot}, 15,
          1, 3600),
      int_key<&C::analytics, &analytics_config::low_close_ratio_pct>(
          {"analytics.low_close_ratio_pct",
           "An associate with above-median revenue and a close rate under this % of the team's is flagged", hot},
          70, 1, 100),
      int_key<&C::analytics, &analytics_config::close_rate_min_opportunities>(
          {"analytics.close_rate_min_opportunities",
           "An associate's close rate is shown, and can be flagged, only over at least this many opportunities "
           "(their buyers plus their share of the non-buyers in covered open hours)",
           hot},
          20, 1, 100000),
      bool_key<&C::analytics, &analytics_config::staff_sign_on_entries>(
          {"analytics.staff_sign_on_entries",
           "Associates come in through the counted door: each start of a shift signed on at a till removes the last "
           "door entry of the 30 minutes before it from the visitors (and each end the first exit after it); turn "
           "off where staff use another door",
           hot},
          true),
      int_key<&C::analytics, &analytics_config::inferred_shift_pad_min>(
          {"analytics.inferred_shift_pad_min",
           "Without sign-on/off, an associate's shift runs from their first sale minus this to their last plus this",
           hot},
          15, 0, 240),
      int_key<&C::analytics, &analytics_config::forecast_weeks>(
          {"analytics.forecast_weeks", "Weeks of the same weekday the traffic forecast learns from", hot}, 6, 1, 52),
      int_key<&C::analytics, &analytics_config::target_star>(
          {"analytics.target_star",
           "Visitors per staff hour the store plans for: the forecast's staffing hint is visitors ÷ this", hot},
          20, 1, 1000),
      string_key<&C::notify, &notify_config::wecom, &chat_webhook_config::url>(
          {"notify.wecom.url", "WeCom (企业微信) group robot webhook, https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...",
           hot},
          string{}, webhook_url),
      string_key<&C::notify, &notify_config::dingtalk, &chat_webhook_config::url>(
          {"notify.dingtalk.url", "DingTalk (钉钉) robot webhook, https://oapi.dingtalk.com/robot/send?access_token=...",
           hot},
          string{}, webhook_url),
      string_key<&C::notify, &notify_config::dingtalk, &chat_webhook_config::secret>(
          {"notify.dingtalk.secret", "DingTalk signing secret (加签, SEC...); empty: unsigned", hot}, string{}),
      string_key<&C::notify, &notify_config::feishu, &chat_webhook_config::url>(
          {"notify.feishu.url", "Feishu (飞书) bot webhook, https://open.feishu.cn/open-apis/bot/v2/hook/...", hot},
          string{}, webhook_url),
      string_key<&C::notify, &notify_config::feishu, &chat_webhook_config::secret>(
          {"notify.feishu.secret", "Feishu signature secret; empty: unsigned", hot}, string{}),
      enum_key<&C::notify, &notify_config::language>({"notify.language", "Language of chat messages", hot}, "both",
                                                     {"zh", "en", "both"}),
      int_key<&C::notify, &notify_config::timeout_s>(
          {"notify.timeout_s", "Deadline of one webhook request (connect, TLS, send, answer)", hot}, 10, 1, 120),
      int_key<&C::notify, &notify_config::max_attempts>(
          {"notify.max_attempts", "Attempts per message (capped jittered backoff between); then dropped and counted",
           hot},
          6, 1, 50),
      int_key<&C::notify, &notify_config::max_queued>(
          {"notify.max_queued", "Chat messages waiting to be sent, at most; the oldest is dropped (counted)", hot}, 100,
          1, 10000)})
    t.push_back(std::move(k));
}

// health.*, fleet.*, dashboard.*, log.*: the box itself.
void add_box_keys(std::vector<key_def>& t) {
  using C = config;
  using std::string;
  constexpr auto hot = reload::hot;
  for (auto& k : std::vector<key_def>{
      int_key<&C::health, &health_config::interval_s>(
          {"health.interval_s", "Seconds between agent.health reports to HQ", hot}, 60, 1, 86400),
      int_key<&C::fleet, &fleet_config::gate_s>(
          {"fleet.gate_s",
           "Seconds a component a change rebuilt has to come up (the broker connected, a camera's frames, a listener "
           "bound) before the agent undoes the change",
           hot},
          20, 1, 600),
      bool_key<&C::dashboard, &dashboard_config::enabled>(
          {"dashboard.enabled", "Serve the store manager's dashboard (QR code) and the technician page"}, true),
      string_key<&C::dashboard, &dashboard_config::listen>(
          {"dashboard.listen", "Address the dashboard listens on (0.0.0.0 for every interface)"}, string{"0.0.0.0"},
          non_empty),
      int_key<&C::dashboard, &dashboard_config::port>({"dashboard.port", "Dashboard HTTP port; 0 picks a free one"},
                                                      8080, 0, 65535),
      string_key<&C::dashboard, &dashboard_config::base_url>(
          {"dashboard.base_url",
           "Address the QR code carries, e.g. http://192.168.1.20:8080; empty: this box's LAN address and port",
           hot},
          string{}, http_url_or_empty),
      int_key<&C::dashboard, &dashboard_config::max_connections>(
          {"dashboard.max_connections", "Browsers served at once; more are asked to retry"}, 64, 1, 10000),
      int_key<&C::dashboard, &dashboard_config::max_connections_per_client>(
          {"dashboard.max_connections_per_client",
           "Connections one address may hold at once (a phone's browser uses up to 7); more are asked to retry, so "
           "one device cannot take every slot"},
          16, 1, 10000),
      string_key<&C::dashboard, &dashboard_config::key_file>(
          {"dashboard.key_file",
           "The key that signs the QR code's token (created when absent; `kelu qr --rotate` replaces it); empty: "
           "dashboard.key beside storage.path"},
          string{}),
      string_key<&C::dashboard, &dashboard_config::technician_password>(
          {"dashboard.technician_password",
           "Hash of the technician page's password, as `kelu passwd` prints it (pbkdf2-sha256$...); empty: the "
           "technician page is off",
           hot},
          string{},
          [](const std::string& s) -> std::optional<std::string> {
            if (s.empty()) return std::nullopt;
            if (!s.starts_with("pbkdf2-sha256$") || std::count(s.begin(), s.end(), '$') != 3)
              return "expected the hash `kelu passwd` prints (pbkdf2-sha256$...), never the password itself";
            return std::nullopt;
          }),
      bool_key<&C::dashboard, &dashboard_config::tls>(
          {"dashboard.tls",
           "Serve the dashboard over https (plain http is redirected to it), so the technician's session and the "
           "audit clip travel encrypted"},
          false),
      string_key<&C::dashboard, &dashboard_config::tls_cert>(
          {"dashboard.tls_cert",
           "PEM certificate chain for https (your PKI's); empty: dashboard.crt beside storage.path, self-signed for "
           "the box's LAN address and host name and created when absent (`kelu tls` prints its fingerprint)"},
          string{}, readable_file_or_empty),
      string_key<&C::dashboard, &dashboard_config::tls_key>(
          {"dashboard.tls_key", "PEM private key of dashboard.tls_cert; empty: dashboard-tls.key beside storage.path"},
          string{}, readable_file_or_empty),
      enum_key<&C::log, &log_config::level>({"log.level", "Log verbosity", hot}, "info",
                                            {"trace", "debug", "info", "warn", "error"})})
    t.push_back(std::move(k));
}

// The table, in the order `kelu config sample` prints it.
std::vector<key_def> build_table() {
  std::vector<key_def> t;
  add_store_keys(t);
  add_mqtt_keys(t);
  add_pos_keys(t);
  add_csv_keys(t);
  add_webhook_keys(t);
  add_escpos_keys(t);
  add_counter_push_keys(t);
  t.push_back(cameras_key());
  t.push_back(counters_key());
  t.push_back(alerts_key());
  add_analytics_keys(t);
  add_box_keys(t);
  return t;
}

}  // namespace

std::string effective_client_id(const config& c) {
  return c.mqtt.client_id.empty() ? "kelu-" + c.store.tenant + "-" + c.store.id : c.mqtt.client_id;
}

namespace detail {

std::optional<std::string> identifier(const std::string& s) {
  if (s.empty() || s.size() > 64) return "must be 1 to 64 characters";
  for (const char ch : s)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.'))
      return "\"" + s + "\" may contain only letters, digits, '-', '_' and '.'";
  return std::nullopt;
}

const std::vector<key_def>& key_table() {
  static const std::vector<key_def> table = build_table();  // immutable after first use
  return table;
}

std::vector<cross_error> cross_check(const config& c) {
  std::vector<cross_error> out;
  if (c.dashboard.tls_cert.empty() != c.dashboard.tls_key.empty())
    out.push_back({c.dashboard.tls_cert.empty() ? "dashboard.tls_cert" : "dashboard.tls_key",
                   "is empty while its pair is set: give both files of your certificate, or neither for a "
                   "self-signed one"});
  if (c.mqtt.reconnect_min_ms > c.mqtt.reconnect_max_ms)
    out.push_back({"mqtt.reconnect_min_ms", "is larger than mqtt.reconnect_max_ms (" +
                                                std::to_string(c.mqtt.reconnect_max_ms) + ")"});
  if (c.mqtt.tls.cert_file.empty() != c.mqtt.tls.key_file.empty())
    out.push_back({c.mqtt.tls.cert_file.empty() ? "mqtt.tls.key_file" : "mqtt.tls.cert_file",
                   "mqtt.tls.cert_file and mqtt.tls.key_file go together"});
  const auto& e = c.sources.escpos;
  if (e.enabled && e.printer.empty() && e.serial_device.empty())
    out.push_back({"sources.escpos.printer", "set the printer (network tap) or serial_device (RS-232 tap)"});
  if (!e.serial_device.empty() && e.serial_printer_device.empty())
    out.push_back({"sources.escpos.serial_printer_device", "is required with sources.escpos.serial_device"});
  if (c.sources.poslog.enabled && c.sources.csv.enabled && c.sources.poslog.folder == c.sources.csv.folder)
    out.push_back({"sources.csv.folder", "is the same folder as sources.poslog.folder; each format needs its own"});
  for (std::size_t i = 0; i < c.counters.size(); ++i)
    for (const auto& cam : c.cameras)
      if (cam.id == c.counters[i].id)
        out.push_back({"counters[" + std::to_string(i) + "].id", "\"" + cam.id + "\" is also a camera's id"});
  if (c.storage.max_batch_events > c.storage.max_pending_events)
    out.push_back({"storage.max_batch_events", "is larger than storage.max_pending_events"});
  return out;
}

}  // namespace detail

std::vector<key_info> keys() {
  std::vector<key_info> out;
  for (const auto& k : detail::key_table()) out.push_back(k.info);
  for (auto& k : detail::camera_keys()) out.push_back(std::move(k));
  for (auto& k : detail::counter_keys()) out.push_back(std::move(k));
  for (auto& k : detail::alert_keys()) out.push_back(std::move(k));
  return out;
}

config defaults() {
  config c;
  for (const auto& k : detail::key_table())
    if (!k.required) (void)k.set(c, json::parse(k.info.default_json));
  return c;
}

config salvage(const json& file) {
  auto c = defaults();
  if (!file.is_object()) return c;
  for (const auto& k : detail::key_table()) {
    const auto at = key_pointer(k.info.path);
    if (file.contains(at)) (void)k.set(c, file[at]);
  }
  return c;
}

json::json_pointer key_pointer(std::string path) {
  std::replace(path.begin(), path.end(), '.', '/');
  return json::json_pointer("/" + path);
}

std::string to_json_text(const config& c) {
  json root = json::object();
  for (const auto& k : detail::key_table()) root[key_pointer(k.info.path)] = k.get(c);
  return root.dump();
}

std::string hash(const config& c) { return hash_text(to_json_text(c)); }

std::string hash_text(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char ch : text) {
    h ^= static_cast<unsigned char>(ch);
    h *= 0x100000001b3ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::vector<std::string> diff(const config& a, const config& b) {
  std::vector<std::string> out;
  for (const auto& k : detail::key_table())
    if (k.get(a) != k.get(b)) out.push_back(k.info.path);
  return out;
}

config merge_live(const config& running, const config& next) {
  config out = running;
  for (const auto& k : detail::key_table())
    if (k.info.when != reload::restart) (void)k.set(out, k.get(next));
  return out;
}

namespace {

std::string reload_note(const key_info& k) {
  switch (k.when) {
    case reload::hot:
      return "applied live";
    case reload::rebuild: {
      const auto component = component_of(k.path);
      return "applied live" + (component.empty() ? std::string() : ", rebuilding " + component);
    }
    case reload::restart:
      break;
  }
  return "applied by a restart";
}

}  // namespace

std::string sample_text() {
  // Keys are grouped by their dotted prefix, in table order, nested as the loader expects.
  std::ostringstream out;
  out << "// Kelu agent configuration (JSON with comments). Generated by `kelu config sample`.\n"
         "// Every key is optional unless marked REQUIRED; unknown keys are errors.\n{";
  const auto& table = detail::key_table();
  std::vector<std::string> open;  // currently open object path segments
  auto split = [](const std::string& path) {
    std::vector<std::string> parts;
    std::stringstream ss(path);
    for (std::string p; std::getline(ss, p, '.');) parts.push_back(p);
    return parts;
  };
  auto indent = [](std::size_t depth) { return std::string(2 * (depth + 1), ' '); };
  bool first_in_object = true;
  for (const auto& k : table) {
    auto parts = split(k.info.path);
    const std::vector<std::string> section(parts.begin(), parts.end() - 1);
    std::size_t common = 0;
    while (common < open.size() && common < section.size() && open[common] == section[common]) ++common;
    while (open.size() > common) {
      open.pop_back();
      out << "\n" << indent(open.size()) << "}";
      first_in_object = false;
    }
    while (open.size() < section.size()) {
      out << (first_in_object ? "" : ",") << "\n" << indent(open.size()) << json(section[open.size()]).dump()
          << ": {";
      open.push_back(section[open.size()]);
      first_in_object = true;
    }
    const std::string pad = indent(open.size());
    out << (first_in_object ? "" : ",") << "\n" << pad << "// " << k.info.description << ".\n";
    if (!k.sample_note.empty()) {
      std::istringstream note(k.sample_note);
      for (std::string line; std::getline(note, line);) out << pad << "// " << line << "\n";
    }
    out << pad << "// " << k.info.type;
    if (!k.info.range.empty()) out << " " << k.info.range;
    if (k.required)
      out << "; REQUIRED";
    else
      out << "; default " << k.info.default_json;
    out << "; " << reload_note(k.info) << "\n"
        << pad << json(parts.back()).dump() << ": " << (k.required ? k.example.dump() : k.info.default_json);
    first_in_object = false;
  }
  while (!open.empty()) {
    open.pop_back();
    out << "\n" << indent(open.size()) << "}";
  }
  out << "\n}\n";
  return out.str();
}

}  // namespace kelu::config
