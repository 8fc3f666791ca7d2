// SPDX-License-Identifier: Apache-2.0
#include "doctor.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <sys/statvfs.h>
#include <sys/timex.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <ostream>

#include "sync/box_certificate.hpp"
#include "agent/broker_link.hpp"
#include "agent/camera_module.hpp"
#include "agent/config_control.hpp"
#include "agent/control_socket.hpp"
#include "agent/data_owner.hpp"
#include "agent/instance_lock.hpp"
#include "core/clock.hpp"
#include "config/change_plan.hpp"
#include "config/schema.hpp"
#include "drivers/listen.hpp"
#include "sync/database.hpp"
#include "sync/outbox.hpp"

namespace kelu::cli {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// A box below this many days of disk at its current rate, or this many bytes, is not fit to leave.
constexpr double min_headroom_days = 30;
constexpr std::uintmax_t min_free_bytes = 200ull << 20;
// Tills this far off the box's clock put sales in the wrong hour.
constexpr std::chrono::minutes max_till_skew{5};

doctor_check pass(std::string name, std::string detail) { return {std::move(name), true, std::move(detail), ""}; }
doctor_check fail(std::string name, std::string detail, std::string fix) {
  return {std::move(name), false, std::move(detail), std::move(fix)};
}

std::string megabytes(std::uintmax_t bytes) { return std::to_string(bytes >> 20) + " MB"; }

doctor_check check_disk(sync::database& db, const config::config& c) {
  const auto dir = fs::path(c.storage.path).parent_path();
  struct statvfs vfs {};
  if (::statvfs(dir.c_str(), &vfs) != 0) return fail("disk", dir.string() + ": cannot tell free space", "");
  const auto free_bytes = static_cast<std::uintmax_t>(vfs.f_bavail) * vfs.f_frsize;
  std::error_code ec;
  const auto db_bytes = fs::file_size(c.storage.path, ec);
  sync::statement st{db.handle(), "SELECT count(*), sum(received_at >= ?) FROM events"};
  st.bind(1, core::to_unix_ms(core::system_clock{}.now_utc() - std::chrono::days(1)));
  st.step();
  const auto events = st.column_int(0);
  const auto last_day = st.column_is_null(1) ? 0 : st.column_int(1);
  std::string detail = megabytes(free_bytes) + " free in " + dir.string();
  double days = 1e9;
  if (events > 0 && last_day > 0 && !ec) {
    const double per_day = static_cast<double>(db_bytes) / static_cast<double>(events) * static_cast<double>(last_day);
    days = static_cast<double>(free_bytes) / per_day;
    detail += "; " + std::to_string(last_day) + " events in the last day: " + std::to_string(static_cast<long>(days)) +
              " days of headroom";
  }
  if (free_bytes < min_free_bytes || days < min_headroom_days)
    return fail("disk", detail,
                "free space on the data filesystem, or lower storage.events_retention_days (now " +
                    std::to_string(c.storage.events_retention_days) + ")");
  return pass("disk", detail);
}

doctor_check check_clock() {
  timex tx{};
  const int state = ::ntp_adjtime(&tx);
  // Refused (a seccomp filter denying @clock, as the agent's own unit does): say so, rather than
  // read the untouched zeros as "synchronised".
  if (state == -1)
    return fail("clock", std::string("cannot read the clock's synchronisation state: ") + std::strerror(errno),
                "run kelu doctor from a shell, not from a sandboxed service");
  if (state == TIME_ERROR || (tx.status & STA_UNSYNC))
    return fail("clock", "not synchronised to a time server",
                "enable NTP (timedatectl set-ntp true) and let the box reach a time server");
  return pass("clock", "synchronised (estimated error " + std::to_string(tx.esterror / 1000) + " ms)");
}

doctor_check check_till_clocks(sync::database& db) {
  sync::statement st{db.handle(),
                     "SELECT received_at - observed_at FROM events WHERE stream = 'pos' ORDER BY received_at DESC "
                     "LIMIT 200"};
  std::vector<std::int64_t> skew;
  while (st.step()) skew.push_back(st.column_int(0));
  if (skew.empty()) return pass("till clocks", "no sale received yet to compare");
  std::nth_element(skew.begin(), skew.begin() + static_cast<std::ptrdiff_t>(skew.size() / 2), skew.end());
  const auto median = std::chrono::milliseconds(skew[skew.size() / 2]);
  const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(median).count();
  const auto detail = "the last " + std::to_string(skew.size()) + " sales arrived a median " +
                      std::to_string(minutes) + " min after the time on them";
  if (median > max_till_skew || median < -max_till_skew)
    return fail("till clocks", detail, "set the tills' clocks (or their time server) to the store's time");
  return pass("till clocks", detail);
}

// The box's client certificate, when the broker authenticates by one (docs/hq.md).
doctor_check check_certificate(const config::config& c) {
  const auto cert = sync::read_box_certificate(c.mqtt.tls.cert_file);
  if (!cert) return fail("certificate", cert.error_message(), "install the certificate HQ issued for this box");
  const auto now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  const auto detail = cert->common_name + ", valid until " + core::format_iso8601(cert->not_after);
  if (auto problem = sync::certificate_problem(*cert, c.store.tenant, c.store.id, now))
    return fail("certificate", *problem, "ask HQ for this store's certificate (docs/hq.md, \"Box identities\")");
  return pass("certificate", detail);
}

// A broker check's failure, with the fix its error points to.
doctor_check broker_failure(const config::config& c, std::string why) {
  // Paho's "connect failed (code -1, reason 255)" is a TCP connection refused or unreachable.
  if (why.find("code -1") != std::string::npos) why += ": nothing accepted the connection";
  std::string fix = "check that the broker runs at " + c.mqtt.uri + " and this box may reach it (firewall)";
  if (why.find("auth") != std::string::npos || why.find("password") != std::string::npos ||
      why.find("identifier") != std::string::npos)
    fix = "check mqtt.username and mqtt.password (or the box's certificate) with HQ";
  else if (why.find("SSL") != std::string::npos || why.find("TLS") != std::string::npos ||
           why.find("certificate") != std::string::npos)
    fix = "check mqtt.tls.ca_file against the broker's certificate, and the box's clock";
  return fail("broker", c.mqtt.uri + ": " + why, fix);
}

// A connection as the agent makes it, under another client id and without status messages, so a
// running agent's session and HQ's view of the box are left alone.
doctor_check check_broker(const config::config& c, const fs::path& scratch) {
  auto db = sync::database::open({scratch.string(), false});
  if (!db) return fail("broker", db.error_message(), "");
  sync::outbox empty{**db};
  auto o = sync::publisher_options_for(c);
  o.link.client_id = o.link.client_id.substr(0, 48) + "-doctor";
  o.link.status_topic.clear();
  o.link.reconnect_min = o.link.reconnect_max = std::chrono::hours(1);  // one attempt
  boost::asio::io_context io;
  auto quiet = std::make_shared<spdlog::logger>("doctor", std::make_shared<spdlog::sinks::null_sink_mt>());
  sync::mqtt_publisher p{io.get_executor(), empty, o, quiet};
  // Paho's answers are posted from its thread: the loop must not run out of work before they come.
  auto guard = boost::asio::make_work_guard(io);
  const auto started = std::chrono::steady_clock::now();
  p.start();
  const auto deadline = started + o.link.connect_timeout + std::chrono::seconds(2);
  while (std::chrono::steady_clock::now() < deadline) {
    io.run_for(std::chrono::milliseconds(50));
    const auto s = p.stats();
    if (s.connected || s.connection_failures > 0) break;
  }
  const auto s = p.stats();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  bool stopped = false;
  p.stop(std::chrono::milliseconds(0), [&] { stopped = true; });
  while (!stopped) io.run_one_for(std::chrono::milliseconds(100));
  if (s.connected)
    return pass("broker", "connected to " + c.mqtt.uri + " (MQTT " + (s.protocol == 5 ? "5" : "3.1.1") + ") in " +
                              std::to_string(ms.count()) + " ms");
  return broker_failure(c, s.last_error.empty() ? "no answer in " + std::to_string(o.link.connect_timeout.count()) + " s"
                                                : s.last_error);
}

// The running agent's own link to HQ: what it holds, not another connection beside it.
doctor_check check_broker_in(const config::config& c, const json& broker) {
  if (broker.value("connected", false))
    return pass("broker", "the running agent is connected to " + c.mqtt.uri + " (MQTT " +
                              (broker.value("protocol", 4) == 5 ? "5" : "3.1.1") + "), " +
                              std::to_string(broker.value("outbox_rows", 0)) + " messages waiting");
  return broker_failure(c, "the running agent is not connected" +
                               (broker.value("last_error", "").empty() ? "" : ": " + broker.value("last_error", "")));
}

doctor_check check_listener(const std::string& name, const std::string& listen, std::int64_t port, bool running,
                            const std::string& key) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a{io};
  const auto where = listen + ":" + std::to_string(port);
  const auto bound = drivers::listen_on(a, listen, static_cast<std::uint16_t>(port), key);
  if (bound) return pass(name, where + " is free for it");
  // The running agent holds exactly the ports of its configuration.
  if (running) return pass(name, where + " in use by the running agent");
  return fail(name, bound.error_message(),
              "stop the program holding port " + std::to_string(port) + " or change " + key + ".port (or " + key +
                  ".listen)");
}

doctor_check check_folder(const std::string& name, const std::string& folder) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec))
    return fail(name, folder + " does not exist", "mkdir -p " + folder + " && chown kelu:kelu " + folder);
  // Files are moved to done/ and rejected/ beside them: the folder must be writable too.
  if (::access(folder.c_str(), R_OK | W_OK | X_OK) != 0)
    return fail(name, folder + " is not readable and writable by this user", "chown -R kelu:kelu " + folder);
  return pass(name, folder + " readable and writable");
}

void check_sources(const config::config& c, bool running, std::vector<doctor_check>& out) {
  const auto& s = c.sources;
  if (s.pos_tcp.enabled)
    out.push_back(check_listener("sources.pos_tcp", s.pos_tcp.listen, s.pos_tcp.port, running, "sources.pos_tcp"));
  if (s.webhook.enabled)
    out.push_back(check_listener("sources.webhook", s.webhook.listen, s.webhook.port, running, "sources.webhook"));
  if (s.escpos.enabled)
    out.push_back(check_listener("sources.escpos", s.escpos.listen, s.escpos.port, running, "sources.escpos"));
  if (s.poslog.enabled) out.push_back(check_folder("sources.poslog", s.poslog.folder));
  if (s.csv.enabled) out.push_back(check_folder("sources.csv", s.csv.folder));
  const bool pushing = std::any_of(c.counters.begin(), c.counters.end(),
                                   [](const auto& k) { return k.vendor == "hikvision" || k.vendor == "xovis"; });
  if (pushing)
    out.push_back(check_listener("sources.counter_push", s.counter_push.listen, s.counter_push.port, running,
                                 "sources.counter_push"));
  if (c.dashboard.enabled && c.dashboard.port != 0)
    out.push_back(check_listener("dashboard", c.dashboard.listen, c.dashboard.port, running, "dashboard"));
}

void check_cameras(const config::config& c, std::chrono::milliseconds within, std::vector<doctor_check>& out) {
  for (const auto& cam : c.cameras) {
    const auto name = config::camera_component(cam.id);
    const auto p = probe_camera(cam, within);
    if (!p) {
      const auto& why = p.error_message();
      out.push_back(fail(name, why.find(cam.url) != std::string::npos ? why : cam.url + ": " + why,
                         "check the camera's power, network and URL (cameras[" + cam.id + "].url)"));
      continue;
    }
    auto detail = std::to_string(p->width) + "x" + std::to_string(p->height) + ", " + std::to_string(p->frames) +
                  " frames at " + std::to_string(static_cast<int>(p->fps + 0.5)) + " fps";
    // A stream slower than the rate the agent analyses at cannot count people walking through.
    if (p->fps + 0.5 < static_cast<double>(cam.process_fps) && p->frames < 30) {
      out.push_back(fail(name, detail + ", below cameras[" + cam.id + "].process_fps " + std::to_string(cam.process_fps),
                         "raise the camera's frame rate or lower process_fps"));
      continue;
    }
    out.push_back(pass(name, detail));
  }
}

// Each camera as the running agent sees it: the agent holds the device (a USB camera opens
// once), so its health is the check.
void check_cameras_in(const config::config& c, const json& health, std::vector<doctor_check>& out) {
  const auto running = health.value("cameras", json::array());
  for (const auto& cam : c.cameras) {
    const auto name = config::camera_component(cam.id);
    const json* h = nullptr;
    for (const auto& x : running)
      if (x.value("camera", "") == cam.id) h = &x;
    const auto fix = "check the camera's power, network and URL (cameras[" + cam.id + "].url)";
    if (h == nullptr) {
      out.push_back(fail(name, "not running in the agent", fix));
      continue;
    }
    const auto fps = static_cast<double>(h->value("processed_fps_milli", 0)) / 1000.0;
    const auto detail = std::to_string(h->value("frames_read", 0)) + " frames read, " +
                        std::to_string(static_cast<int>(fps + 0.5)) + " fps analysed";
    if (h->value("state", "") != "online") {
      const auto why = h->value("last_error", "");
      out.push_back(fail(name, "offline in the running agent" + (why.empty() ? "" : ": " + why), fix));
      continue;
    }
    out.push_back(pass(name, "online in the running agent, " + detail));
  }
}

}  // namespace

// Where the running agent stands with HQ's software version (software/reported): a document it
// refused, a version it holds after a rollback, a request no updater takes, a failed install.
doctor_check check_software_in(const json& sw) {
  const auto state = sw.value("state", std::string{"current"});
  const auto reason = sw.value("reason", std::string{});
  const auto version = sw.value("version", std::string{});
  const json last = sw.contains("last") ? sw["last"] : json();
  if (state == "refused")
    return fail("software", reason, "HQ's software/desired is not valid for this box: send HQ this line");
  if (state == "held")
    return fail("software", reason, "once HQ has fixed the release, it publishes it with a higher \"attempt\"");
  if (state == "requested" && !reason.empty())
    return fail("software", reason, "systemctl enable --now kelu-update.path; journalctl -u kelu-update says what it did");
  if (last.is_object() && last.value("outcome", "") == "failed" && last.value("version", "") != version)
    return fail("software", "the last update to " + last.value("version", "") + " failed: " + last.value("reason", ""),
                "journalctl -u kelu-update; is HQ's repository in /etc/apt/sources.list.d (docs/install.md, step 1)?");
  return pass("software", version + ", " + state + (reason.empty() ? "" : ": " + reason));
}

std::vector<doctor_check> run_checks(const doctor_options& o) {
  std::vector<doctor_check> out;
  const auto boot = load_boot_config(o.config_path);
  if (!boot) {
    const auto broken = read_broken_config(o.config_path);
    const bool minimal = instance_lock::holder(broken.salvaged.storage.path) != 0;
    out.push_back(fail("config", boot.error_message() + (minimal ? " (the agent runs in minimal mode: nothing is counted)" : ""),
                       "correct " + o.config_path + " where each error says" +
                           (minimal ? ", then systemctl reload kelu (or fix them on the technician page)" : "")));
    return out;  // nothing else can be judged without a configuration
  }
  if (!boot->file_errors.empty()) {
    std::string all;
    for (const auto& e : boot->file_errors) all += (all.empty() ? "" : "; ") + e;
    out.push_back(fail("config", all + " (the box runs its last good file: safe mode)",
                       "correct " + o.config_path + ", then systemctl reload kelu"));
  } else {
    out.push_back(pass("config", o.config_path + " valid, config hash " + config::hash(boot->value) +
                                     (boot->desired.version > 0
                                          ? ", HQ's version " + std::to_string(boot->desired.applied_version)
                                          : "")));
  }
  const auto& c = boot->value;
  if (auto who = act_as_data_owner(c.storage.path); !who) {
    out.push_back(fail("database", who.error_message(), "run kelu doctor as the agent's user (sudo -u kelu)"));
    return out;
  }
  auto db = sync::database::open({c.storage.path, c.storage.synchronous == "full"});
  const auto agent_pid = instance_lock::holder(c.storage.path);
  const bool running = agent_pid != 0;
  if (running) out.push_back(pass("agent", "running (pid " + std::to_string(agent_pid) + ")"));
  if (!db) {
    out.push_back(fail("database", db.error_message(),
                       "chown -R kelu:kelu " + fs::path(c.storage.path).parent_path().string()));
  } else {
    try {
      (*db)->exec("BEGIN IMMEDIATE; ROLLBACK;");
      out.push_back(pass("database", c.storage.path + " writable"));
      out.push_back(check_disk(**db, c));
      out.push_back(check_till_clocks(**db));
    } catch (const std::exception& e) {
      out.push_back(fail("database", c.storage.path + ": " + e.what(),
                         "chown -R kelu:kelu " + fs::path(c.storage.path).parent_path().string()));
    }
  }
  out.push_back(check_clock());
  if (!c.mqtt.tls.cert_file.empty()) out.push_back(check_certificate(c));
  // A running agent answers for what it holds (its broker link, its cameras); otherwise doctor
  // tries them itself.
  const auto answer = running ? ask_agent(control_socket::path_for(c.storage.path), {{"cmd", "status"}},
                                          std::chrono::seconds(5))
                              : core::result<json>(core::error{"no agent"});
  if (answer && answer->contains("broker")) {
    out.push_back(check_broker_in(c, (*answer)["broker"]));
  } else {
    const auto scratch = fs::temp_directory_path() / ("kelu-doctor-" + std::to_string(::getpid()) + ".db");
    out.push_back(check_broker(c, scratch));
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(scratch.string() + suffix, ec);
  }
  if (answer && answer->contains("software")) out.push_back(check_software_in((*answer)["software"]));
  check_sources(c, running, out);
  if (answer && answer->contains("health"))
    check_cameras_in(c, (*answer)["health"], out);
  else
    check_cameras(c, o.camera_read, out);
  return out;
}

json to_json(const doctor_check& c) {
  json j{{"check", c.name}, {"ok", c.ok}, {"detail", c.detail}};
  if (!c.ok) j["fix"] = c.fix;
  return j;
}

int run_doctor(const doctor_options& o, bool as_json, std::ostream& out) {
  const auto checks = run_checks(o);
  const bool fit = std::all_of(checks.begin(), checks.end(), [](const auto& c) { return c.ok; });
  if (as_json) {
    json all = json::array();
    for (const auto& c : checks) all.push_back(to_json(c));
    out << all.dump(2) << "\n";
  } else {
    for (const auto& c : checks) {
      out << (c.ok ? "ok    " : "FAIL  ") << c.name << ": " << c.detail << "\n";
      if (!c.ok && !c.fix.empty()) out << "      fix: " << c.fix << "\n";
    }
    out << (fit ? "fit to leave\n" : "not fit to leave: fix what failed and run kelu doctor again\n");
  }
  return fit ? 0 : 1;
}

}  // namespace kelu::cli
