// SPDX-License-Identifier: Apache-2.0
#pragma once
// Typed configuration. Every field is declared once, with its type, default, range and
// description, in schema.cpp; nothing else in the code base defines a default.
#include <cstdint>
#include <string>
#include <vector>

namespace kelu::config {

struct store_config {
  std::string tenant;
  std::string id;
  std::string name;
  std::string time_zone;
  std::string currency;
  std::string opening_hours;  // weekly_ranges.hpp text; empty: always open
};

struct storage_config {
  std::string path;
  std::string synchronous;  // "full" | "normal"
  std::int64_t outbox_quota_bytes = 0;
  std::int64_t outbox_max_age_days = 0;
  std::int64_t events_retention_days = 0;
  std::int64_t max_pending_events = 0;
  std::int64_t max_batch_events = 0;
};

struct mqtt_tls_config {
  std::string ca_file;    // empty: the system's trust store
  std::string cert_file;  // client certificate (PEM), with key_file
  std::string key_file;
  bool verify_hostname = true;
};

struct mqtt_config {
  std::string uri;
  std::string client_id;  // empty: derived from tenant and store id
  std::string username;
  std::string password;
  std::string version;  // "3.1.1" | "5"
  std::int64_t keep_alive_s = 0;
  std::int64_t connect_timeout_s = 0;
  std::int64_t max_inflight = 0;
  std::int64_t max_inflight_bytes = 0;
  std::int64_t reconnect_min_ms = 0;
  std::int64_t reconnect_max_ms = 0;
  std::int64_t live_window_s = 0;
  std::int64_t backfill_rate_per_s = 0;
  std::int64_t backfill_batch = 0;
  std::int64_t max_payload_bytes = 0;
  mqtt_tls_config tls;
};

struct pos_tcp_config {
  bool enabled = false;
  std::string source_id;
  std::string listen;
  std::int64_t port = 0;
  std::int64_t max_line_bytes = 0;
  std::int64_t max_connections = 0;
  std::int64_t idle_timeout_s = 0;
};

// A watched drop folder: files arrive in `folder`, move to done/ once every transaction in
// them is committed, or to rejected/ with a .error file beside them.
struct folder_source_config {
  bool enabled = false;
  std::string source_id;
  std::string folder;
  std::int64_t rescan_s = 0;
  std::int64_t settle_s = 0;
  std::int64_t max_file_bytes = 0;
  std::int64_t done_retention_days = 0;
};

struct poslog_config : folder_source_config {};

struct csv_columns {
  std::string transaction;
  std::string time;
  std::string item;
  std::string description;
  std::string quantity;
  std::string unit_price;
  std::string amount;
  std::string terminal;
  std::string operator_id;
  std::string department;
  std::string salesperson;
  std::string total;
  std::string payment;
  std::string return_flag;
};

struct csv_config : folder_source_config {
  std::string delimiter;
  std::string decimal_separator;
  std::string time_format;
  std::string time_zone;  // empty: the store's
  std::string currency;   // empty: the store's
  std::string terminal;
  std::string return_prefix;
  std::string encoding;
  std::string preset;      // applied by the loader; kept to show where the layout came from
  std::string preset_dir;
  csv_columns columns;
};

struct webhook_config {
  bool enabled = false;
  std::string source_id;
  std::string listen;
  std::int64_t port = 0;
  std::string path;
  std::string secrets_file;
  std::int64_t max_body_bytes = 0;
  std::int64_t max_connections = 0;
  std::int64_t max_connections_per_client = 0;
  std::int64_t rate_per_s = 0;
  std::int64_t rate_burst = 0;
  std::int64_t timeout_s = 0;
  bool require_timestamp = false;
  std::int64_t timestamp_tolerance_s = 0;
};

struct escpos_layout_config {
  std::string preset;
  std::string encoding;
  std::string total_pattern;
  std::string item_pattern;
  std::string items_end_pattern;
  std::string tax_pattern;
  std::string time_pattern;
  std::string time_format;
  std::string receipt_number_pattern;
  std::string cashier_pattern;
  std::string terminal;
  std::string currency;
};

struct escpos_config {
  bool enabled = false;
  std::string source_id;
  std::string listen;
  std::int64_t port = 0;
  std::string printer;  // host:port of the real printer
  std::string serial_device;          // the till's side of an RS-232 tap; empty: no serial tap
  std::string serial_printer_device;  // the printer's side
  std::int64_t serial_baud = 0;
  std::int64_t max_job_bytes = 0;
  std::int64_t connect_timeout_s = 0;
  escpos_layout_config layout;
};

// The HTTP receiver people counters push to (counters[] whose vendor pushes: Hikvision).
struct counter_push_config {
  std::string listen;
  std::int64_t port = 0;
  std::int64_t max_body_bytes = 0;
  std::int64_t timeout_s = 0;
};

struct sources_config {
  pos_tcp_config pos_tcp;
  poslog_config poslog;
  csv_config csv;
  webhook_config webhook;
  escpos_config escpos;
  counter_push_config counter_push;
};

// A people counter already installed (config `counters[]`): its counts become traffic.count
// events of source "counter-{id}", its line plays a camera line's part in the funnel.
struct counter_config {
  std::string id;
  std::string vendor;   // "hikvision" (pushes) | "dahua" | "axis" (polled)
  std::string url;      // polled vendors: the device's base URL, http://host[:port]
  std::string channel;  // the device's channel or counter to take ("" takes any)
  std::string line;     // the line name its events carry
  std::string role;     // "entrance" | "passby" | "staff"
  std::string auth;     // pushing devices: "digest" | "basic" | "token" | "none"
  std::string username;
  std::string password;
  std::string token;
  std::int64_t interval_s = 0;  // polled vendors: seconds between readings
  std::int64_t timeout_s = 0;   // polled vendors: deadline of one reading
  bool operator==(const counter_config&) const = default;
};

// Pixels of the camera's frame: x right, y down, from the top-left corner.
struct point_config {
  double x = 0;
  double y = 0;
  bool operator==(const point_config&) const = default;
};

// A directed counting line: crossing it towards the side where
// (Bx−Ax)(Py−Ay) − (By−Ay)(Px−Ax) > 0 is `in` (walking down a left-to-right line).
struct camera_line_config {
  std::string name;
  point_config from;
  point_config to;
  // "entrance": the store's door; "passby": outside it; "internal"; "staff": a staff-only
  // door or passage, never visitors
  std::string role = "entrance";
  bool operator==(const camera_line_config&) const = default;
};

struct camera_zone_config {
  std::string name;
  std::vector<point_config> polygon;
  bool staff_only = false;  // behind the till, the stock room door: tracks seen here are staff
  bool operator==(const camera_zone_config&) const = default;
};

struct camera_config {
  std::string id;
  std::string url;  // video file, rtsp://..., or /dev/videoN
  bool loop = false;
  std::string detector;
  std::vector<std::string> model;
  std::int64_t process_fps = 0;
  bool motion_gate = true;
  std::int64_t person_height_px = 0;
  std::int64_t engaged_dwell_s = 0;
  std::int64_t staff_after_h = 0;
  std::int64_t occupancy_interval_s = 0;
  std::int64_t heat_checkpoint_s = 0;
  std::int64_t heat_cols = 0;
  std::int64_t heat_rows = 0;
  std::int64_t read_timeout_s = 0;
  std::int64_t reconnect_max_s = 0;
  std::vector<camera_line_config> lines;
  std::vector<camera_zone_config> zones;
  bool operator==(const camera_config&) const = default;
};

// How events become funnel figures (kelu::analytics). Hot: a reload recomputes today.
struct analytics_config {
  std::string staff_schedule;  // weekly_ranges.hpp text with headcounts
  std::int64_t coverage_floor_pct = 0;
  std::int64_t close_grace_s = 0;
  std::int64_t live_interval_s = 0;
  std::int64_t low_close_ratio_pct = 0;
  std::int64_t close_rate_min_opportunities = 0;
  bool staff_sign_on_entries = false;  // each sign-on removes one door entry just before it
  std::int64_t inferred_shift_pad_min = 0;
  std::int64_t forecast_weeks = 0;
  std::int64_t target_star = 0;  // visitors per staff hour the store plans for
};

// An alert rule (config `alerts[]`): when `metric` compares with `threshold` by `op` while
// `active`, an alert fires on MQTT, the dashboard and the listed chat channels; it resolves
// when the condition clears, and fires again no sooner than `cooldown_min` after.
struct alert_rule_config {
  std::string name;
  std::string metric;  // kelu::analytics::alert_metrics lists them
  std::string op;      // "<" | "<=" | ">" | ">="
  double threshold = 0;
  std::int64_t window_min = 0;
  std::int64_t min_visitors = 0;  // ratios of fewer visitors than this are not judged
  std::string active;             // "open" | "always" | weekly hours ("mon-fri 09:00-18:00")
  std::int64_t cooldown_min = 0;
  std::string severity;           // "info" | "warning" | "critical"
  std::vector<std::string> notify;  // "wecom" | "dingtalk" | "feishu"
  bool operator==(const alert_rule_config&) const = default;
};

// A chat group robot: WeCom (企业微信), DingTalk (钉钉) or Feishu (飞书).
struct chat_webhook_config {
  std::string url;     // empty: not configured
  std::string secret;  // DingTalk/Feishu signing secret ("加签"); empty: unsigned
};

struct notify_config {
  chat_webhook_config wecom;
  chat_webhook_config dingtalk;
  chat_webhook_config feishu;
  std::string language;  // "zh" | "en" | "both"
  std::int64_t timeout_s = 0;
  std::int64_t max_attempts = 0;
  std::int64_t max_queued = 0;
};

struct health_config {
  std::int64_t interval_s = 0;
};

// How changes reach a running box (docs/fleet.md).
struct fleet_config {
  std::int64_t gate_s = 0;  // a changed component has this long to come up before the change is undone
};

struct dashboard_config {
  bool enabled = false;
  std::string listen;
  std::int64_t port = 0;
  std::string base_url;
  std::int64_t max_connections = 0;
  std::int64_t max_connections_per_client = 0;
  std::string key_file;
  std::string technician_password;  // a password_hash, never the password
  bool tls = false;
  std::string tls_cert;  // empty: dashboard.crt beside storage.path, self-signed when absent
  std::string tls_key;
};

struct log_config {
  std::string level;
};

struct config {
  store_config store;
  storage_config storage;
  mqtt_config mqtt;
  sources_config sources;
  std::vector<camera_config> cameras;
  std::vector<counter_config> counters;
  analytics_config analytics;
  std::vector<alert_rule_config> alerts;
  notify_config notify;
  health_config health;
  fleet_config fleet;
  dashboard_config dashboard;
  log_config log;
};

// "kelu-{tenant}-{store}" unless mqtt.client_id is set.
std::string effective_client_id(const config& c);

}  // namespace kelu::config
