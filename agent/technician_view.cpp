// SPDX-License-Identifier: Apache-2.0
#include "technician_view.hpp"

#include <unistd.h>

#include <boost/asio/post.hpp>

#include "agent/connection_probe.hpp"
#include "core/health_json.hpp"
#include "core/time.hpp"
#include "drivers/till_clock.hpp"
#include "config/schema.hpp"
#include "config/secrets.hpp"

namespace kelu {

using nlohmann::json;

namespace {

constexpr std::chrono::milliseconds connect_deadline{3000};

json by_id(const json& list, const char* key, const std::string& id) {
  for (const auto& e : list)
    if (e.value(key, "") == id) return e;
  return nullptr;
}

// What a listening source's test says: someone can connect, and when the till last sent something.
std::string activity(const json& health, core::utc_time now) {
  std::string out = std::to_string(health.value("accepted", 0)) + " accepted, " +
                    std::to_string(health.value("rejected", 0)) + " rejected";
  if (health.contains("last_event_at") && health["last_event_at"].is_string()) {
    if (const auto at = core::parse_iso8601(health["last_event_at"].get<std::string>()))
      out += "; last record " +
             std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now - *at).count()) + " s ago";
  } else {
    out += "; nothing received yet";
  }
  if (!health.value("last_error", "").empty()) out += "; last error: " + health["last_error"].get<std::string>();
  // A till whose clock is off works, but its sales land in the wrong hours: the technician is there.
  for (const auto& o : health.value("clock_offsets", json::array()))
    out += "; " + drivers::till_clock_change(o.at("terminal").get<std::string>(), o.at("offset_s").get<std::int64_t>());
  return out;
}

}  // namespace

technician_view::technician_view(boost::asio::any_io_executor ex, const config::config& cfg,
                                 const camera_registry& cameras, calibration& cal,
                                 std::filesystem::path calibration_file, const core::clock& clock,
                                 technician_hooks hooks)
    : ex_(std::move(ex)),
      cfg_(cfg),
      cameras_(cameras),
      calibration_(cal),
      calibration_file_(std::move(calibration_file)),
      clock_(clock),
      hooks_(std::move(hooks)) {}

camera::camera_control* technician_view::find(std::string_view camera) const {
  return cameras_.find(camera);
}

json technician_view::state() {
  const auto health = core::to_json(hooks_.health());
  const auto steady_now = std::chrono::steady_clock::now();
  json cameras = json::array();
  for (const auto& cam : cfg_.cameras) {
    json c = config::geometry_json(cam);
    c["id"] = cam.id;
    c["url"] = config::without_password(cam.url);
    const auto saved = calibration_.cameras.find(cam.id);
    c["calibrated_at"] = saved != calibration_.cameras.end() ? saved->second.value("saved_at", json()) : json();
    c["health"] = by_id(health["cameras"], "camera", cam.id);
    if (auto* control = find(cam.id)) {
      const auto n = control->counts();
      c["frame"] = n.frame_width > 0 ? json::array({n.frame_width, n.frame_height}) : json();
      json lines = json::array();
      for (const auto& l : n.lines) lines.push_back({{"name", l.name}, {"in", l.in}, {"out", l.out}});
      json zones = json::array();
      for (const auto& z : n.zones) zones.push_back({{"name", z.name}, {"people", z.people}});
      c["counts"] = {{"since_s", std::chrono::duration<double>(steady_now - n.since).count()},
                     {"tracks", n.tracks},
                     {"lines", lines},
                     {"zones", zones}};
    }
    cameras.push_back(std::move(c));
  }
  json sources = json::array();
  for (const auto& s : health["sources"])
    if (s.value("driver", "") != "camera") sources.push_back(s);
  return {{"store", {{"id", cfg_.store.id}, {"name", cfg_.store.name}}},
          {"cameras", std::move(cameras)},
          {"sources", std::move(sources)},
          {"broker", hooks_.broker()},
          {"changes", hooks_.changes ? hooks_.changes() : json::array()}};
}

json technician_view::config() { return config::masked(json::parse(config::to_json_text(cfg_))); }

json technician_view::settings() { return hooks_.settings(); }

json technician_view::preview_settings(const json& edit) {
  config::settings_edit e;
  if (auto why = config::read_settings_edit(edit, e)) return json{{"ok", false}, {"errors", {*why}}};
  return hooks_.preview_settings(e);
}

void technician_view::apply_settings(const json& edit, std::function<void(json)> done) {
  config::settings_edit e;
  if (auto why = config::read_settings_edit(edit, e)) {
    done(json{{"state", "rejected"}, {"origin", "technician"}, {"errors", {*why}}});
    return;
  }
  hooks_.apply_settings(e, std::move(done));
}

void technician_view::snapshot(std::string_view camera, std::function<void(core::result<std::string>)> done) {
  auto* c = find(camera);
  if (c == nullptr) {
    done(core::error{"no running camera \"" + std::string(camera.substr(0, 64)) + "\""});
    return;
  }
  c->snapshot(std::move(done));
}

core::result<json> technician_view::save_geometry(std::string_view camera, const json& body) {
  const auto it = std::find_if(cfg_.cameras.begin(), cfg_.cameras.end(), [&](const auto& c) { return c.id == camera; });
  if (it == cfg_.cameras.end()) return core::error{"no camera \"" + std::string(camera.substr(0, 64)) + "\" in the config"};
  auto cam = *it;
  const auto at = "cameras[" + cam.id + "]";
  if (auto p = config::set_geometry(cam, body)) return core::error{at + *p};
  // The config's range is 0..16384 for any camera; here the frame is known.
  auto* control = find(cam.id);
  if (control != nullptr) {
    const auto n = control->counts();
    const auto outside = [&](const config::point_config& p) {
      return n.frame_width > 0 && (p.x > n.frame_width || p.y > n.frame_height);
    };
    const auto frame = std::to_string(n.frame_width) + "x" + std::to_string(n.frame_height);
    for (std::size_t i = 0; i < cam.lines.size(); ++i)
      if (outside(cam.lines[i].from) || outside(cam.lines[i].to))
        return core::error{at + ".lines[" + std::to_string(i) + "]: outside the " + frame + " frame"};
    for (std::size_t i = 0; i < cam.zones.size(); ++i)
      for (const auto& p : cam.zones[i].polygon)
        if (outside(p)) return core::error{at + ".zones[" + std::to_string(i) + "]: outside the " + frame + " frame"};
  }
  auto entry = config::geometry_json(cam);
  entry["saved_at"] = core::format_iso8601(clock_.now_utc());
  auto next = calibration_;
  next.cameras[cam.id] = entry;
  if (auto st = save_calibration(calibration_file_, next); !st) return core::error{"not saved: " + st.error_message()};
  calibration_ = std::move(next);
  if (control != nullptr) control->set_geometry(cam.lines, cam.zones);
  hooks_.geometry_saved(cam);
  return entry;
}

void technician_view::test(std::string_view target, std::function<void(json)> done) {
  const auto started = std::chrono::steady_clock::now();
  auto finish = [done = std::move(done), started, target = std::string(target)](bool ok, std::string detail) {
    done({{"target", target},
          {"ok", ok},
          {"detail", std::move(detail)},
          {"ms", std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count()}});
  };
  if (target == "broker") {
    const auto broker = hooks_.broker();
    const auto address = host_and_port(cfg_.mqtt.uri, "1883");
    if (!address) {
      finish(false, "mqtt.uri: " + address.error_message());
      return;
    }
    probe_tcp(ex_, address->first, address->second, connect_deadline,
              [finish, broker, uri = cfg_.mqtt.uri](core::result<double> ms) {
                const bool connected = broker.value("connected", false);
                std::string detail = connected ? "connected to " + uri + " (MQTT " +
                                                     (broker.value("protocol", 4) == 5 ? "5" : "3.1.1") + "), " +
                                                     std::to_string(broker.value("acknowledged", 0)) + " acknowledged"
                                               : "not connected to " + uri;
                if (!connected && !broker.value("last_error", "").empty())
                  detail += " (" + broker["last_error"].get<std::string>() + ")";
                detail += ms ? "; TCP connect " + std::to_string(static_cast<int>(*ms + 0.5)) + " ms"
                             : "; " + ms.error_message();
                finish(connected, detail);
              });
    return;
  }
  if (target.starts_with("source:")) {
    test_source(std::string(target.substr(7)), [finish](json r) { finish(r.value("ok", false), r.value("detail", "")); });
    return;
  }
  finish(false, "unknown target; give broker or source:ID");
}

void technician_view::test_source(const std::string& id, std::function<void(json)> done) {
  const auto health = by_id(core::to_json(hooks_.health())["sources"], "source", id);
  if (health.is_null()) {
    done({{"ok", false}, {"detail", "no running source \"" + id.substr(0, 64) + "\""}});
    return;
  }
  const auto now = clock_.now_utc();
  const auto& s = cfg_.sources;
  // A listening source: connect to it as a till would (its own address, on this box).
  const auto listening = [&](const std::string& listen, std::int64_t port, std::function<void(json)> then) {
    const auto host = listen.empty() || listen == "0.0.0.0" ? "127.0.0.1" : listen == "::" ? "::1" : listen;
    probe_tcp(ex_, host, std::to_string(port), connect_deadline,
              [then = std::move(then), port, health, now](core::result<double> ms) {
                if (!ms) {
                  then({{"ok", false}, {"detail", "not listening on port " + std::to_string(port) + ": " + ms.error_message()}});
                  return;
                }
                then({{"ok", !health.contains("clock_offsets")},
                      {"detail", "listening on port " + std::to_string(port) + "; " + activity(health, now)}});
              });
  };
  const auto folder = [&](const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_directory(path, ec)) {
      done({{"ok", false}, {"detail", "folder " + path + " is missing"}});
      return;
    }
    std::size_t waiting = 0;
    for (const auto& e : std::filesystem::directory_iterator(path, ec))
      if (e.is_regular_file()) ++waiting;
    const bool writable = ::access(path.c_str(), W_OK) == 0;
    done({{"ok", writable},
          {"detail", path + (writable ? "" : " is not writable by the agent") + "; " + std::to_string(waiting) +
                         " files waiting; " + activity(health, now)}});
  };
  if (s.pos_tcp.enabled && s.pos_tcp.source_id == id) return listening(s.pos_tcp.listen, s.pos_tcp.port, done);
  if (s.webhook.enabled && s.webhook.source_id == id) return listening(s.webhook.listen, s.webhook.port, done);
  if (s.poslog.enabled && s.poslog.source_id == id) return folder(s.poslog.folder);
  if (s.csv.enabled && s.csv.source_id == id) return folder(s.csv.folder);
  if (s.escpos.enabled && s.escpos.source_id == id) {
    // The tap sits between till and printer: both sides must answer.
    const auto printer = host_and_port(s.escpos.printer, "9100");
    listening(s.escpos.listen, s.escpos.port, [this, printer, done](json till_side) {
      if (!till_side.value("ok", false) || !printer) {
        if (!printer) till_side["detail"] = till_side["detail"].get<std::string>() + "; printer: " + printer.error_message();
        done(till_side);
        return;
      }
      probe_tcp(ex_, printer->first, printer->second, connect_deadline, [till_side, done](core::result<double> ms) mutable {
        till_side["ok"] = static_cast<bool>(ms);
        till_side["detail"] = till_side["detail"].get<std::string>() +
                              (ms ? "; printer answered in " + std::to_string(static_cast<int>(*ms + 0.5)) + " ms"
                                  : "; printer: " + ms.error_message());
        done(till_side);
      });
    });
    return;
  }
  done({{"ok", health.value("last_error", "").empty()}, {"detail", activity(health, now)}});
}

core::result<nlohmann::json> technician_view::start_audit(std::string_view camera, std::int64_t seconds) {
  if (!hooks_.audits) return core::error{"camera: no cameras on this box"};
  return hooks_.audits->start(camera, seconds);
}

core::result<nlohmann::json> technician_view::audit(std::string_view id) {
  if (!hooks_.audits) return core::error{"no audits on this box"};
  return hooks_.audits->state(id);
}

core::result<std::string> technician_view::audit_clip(std::string_view id) {
  if (!hooks_.audits) return core::error{"no audits on this box"};
  return hooks_.audits->clip_bytes(id);
}

core::result<nlohmann::json> technician_view::finish_audit(std::string_view id, const nlohmann::json& body) {
  if (!hooks_.audits) return core::error{"no audits on this box"};
  return hooks_.audits->finish(id, body);
}

core::status technician_view::cancel_audit(std::string_view id) {
  if (!hooks_.audits) return core::error{"no audits on this box"};
  return hooks_.audits->cancel(id);
}

}  // namespace kelu
