// SPDX-License-Identifier: Apache-2.0
#include "prometheus.hpp"

#include <cstdio>

namespace kelu::dashboard {

namespace {

std::string label_value(const std::string& v) {
  std::string out;
  for (const char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

class writer {
 public:
  // One metric family: HELP and TYPE once, then its samples.
  void family(const std::string& name, const char* type, const std::string& help) {
    out_ += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  }
  void sample(const std::string& name, double value, const std::string& labels = {}) {
    out_ += name + (labels.empty() ? "" : "{" + labels + "}") + " " + number(value) + "\n";
  }
  void one(const std::string& name, const char* type, const std::string& help, double value) {
    family(name, type, help);
    sample(name, value);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

double d(std::int64_t v) { return static_cast<double>(v); }

}  // namespace

std::string prometheus_text(const core::agent_health& h, const std::vector<gauge>& extra) {
  writer w;
  w.one("kelu_uptime_seconds", "gauge", "Seconds since the agent started", d(h.uptime_s));
  w.one("kelu_events_committed_total", "counter", "Events stored since the agent started", d(h.events_committed));
  w.one("kelu_duplicates_total", "counter", "Events refused as already stored", d(h.duplicates));
  w.one("kelu_rejected_lines_total", "counter", "POS records refused as malformed", d(h.rejected_lines));
  w.one("kelu_busy_rejections_total", "counter", "Batches refused because the ingest queue was full",
        d(h.busy_rejections));
  w.one("kelu_outbox_rows", "gauge", "Messages waiting for HQ", d(h.outbox_rows));
  w.one("kelu_outbox_bytes", "gauge", "Bytes waiting for HQ", d(h.outbox_bytes));
  w.one("kelu_outbox_oldest_age_seconds", "gauge", "Age of the oldest message waiting for HQ",
        d(h.outbox_oldest_age_s));
  w.family("kelu_outbox_dropped_total", "counter", "Messages dropped unsent, ever, by reason");
  w.sample("kelu_outbox_dropped_total", d(h.outbox_dropped_by.quota), "reason=\"quota\"");
  w.sample("kelu_outbox_dropped_total", d(h.outbox_dropped_by.age), "reason=\"age\"");
  w.sample("kelu_outbox_dropped_total", d(h.outbox_dropped_by.oversize), "reason=\"oversize\"");
  w.one("kelu_mqtt_connected", "gauge", "1 while connected to HQ's broker", h.mqtt_connected ? 1 : 0);
  w.one("kelu_clock_steps_total", "counter", "Times the wall clock was stepped by a minute or more under the agent",
        d(h.clock.count));
  if (!h.sources.empty()) {
    const auto per_source = [&](const char* name, const char* help, auto field) {
      w.family(name, "counter", help);
      for (const auto& s : h.sources)
        w.sample(name, d(field(s)), "source=\"" + label_value(s.source) + "\",driver=\"" + label_value(s.driver) + "\"");
    };
    per_source("kelu_source_accepted_total", "Records accepted per POS source, duplicates included",
               [](const core::source_health& s) { return s.accepted; });
    per_source("kelu_source_rejected_total", "Records refused as malformed per POS source",
               [](const core::source_health& s) { return s.rejected; });
  }
  if (!h.cameras.empty()) {
    w.family("kelu_camera_online", "gauge", "1 while the camera delivers frames");
    for (const auto& c : h.cameras) w.sample("kelu_camera_online", c.state == "online" ? 1 : 0, "camera=\"" + label_value(c.camera) + "\"");
    w.family("kelu_camera_frames_read_total", "counter", "Frames read per camera");
    for (const auto& c : h.cameras)
      w.sample("kelu_camera_frames_read_total", d(c.frames_read), "camera=\"" + label_value(c.camera) + "\"");
    w.family("kelu_camera_gaps_total", "counter", "Outages per camera");
    for (const auto& c : h.cameras) w.sample("kelu_camera_gaps_total", d(c.gaps), "camera=\"" + label_value(c.camera) + "\"");
  }
  for (const auto& g : extra) w.one(g.name, "gauge", g.help, g.value);
  return w.take();
}

}  // namespace kelu::dashboard
