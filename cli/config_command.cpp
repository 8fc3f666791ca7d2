// SPDX-License-Identifier: Apache-2.0
#include "config_command.hpp"

#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <optional>
#include <ostream>
#include <sstream>

#include "agent/config_control.hpp"
#include "agent/control_socket.hpp"
#include "core/files.hpp"
#include "agent/data_owner.hpp"
#include "config/change_plan.hpp"
#include "config/loader.hpp"
#include "sync/config_journal.hpp"
#include "sync/database.hpp"

namespace kelu::cli {

using nlohmann::json;

namespace {

bool loads(const config::load_result& r, std::ostream& err) {
  for (const auto& e : r.errors) err << e.to_string() << "\n";
  return r.ok();
}

}  // namespace

int run_config_show(const std::string& config_path, bool as_json, std::ostream& out, std::ostream& err) {
  const auto boot = load_boot_config(config_path);
  if (!boot) {
    err << boot.error_message() << "\n";
    return 2;
  }
  for (const auto& w : boot->warnings) err << w << "\n";
  const auto rows = effective_with_origins(*boot);
  if (as_json) {
    out << rows.dump(2) << "\n";
    return 0;
  }
  if (boot->desired.version > 0)
    out << "HQ's desired version " << boot->desired.applied_version << " over " << config_path << "\n";
  for (const auto& r : rows)
    out << std::left << std::setw(44) << r["key"].get<std::string>() << " " << std::setw(8)
        << r["origin"].get<std::string>() << " " << r["value"].dump() << "\n";
  return 0;
}

int run_config_history(const std::string& config_path, std::size_t limit, bool as_json, std::ostream& out,
                       std::ostream& err) {
  const auto loaded = config::load_file(config_path);
  if (!loads(loaded, err)) return 2;
  if (auto who = act_as_data_owner(loaded.value.storage.path); !who) {
    err << who.error_message() << "\n";
    return 2;
  }
  auto db = sync::database::open({loaded.value.storage.path, false});
  if (!db) {
    err << db.error_message() << "\n";
    return 1;
  }
  sync::config_journal journal{**db};
  json rows = json::array();
  for (const auto& r : journal.recent(limit)) rows.push_back(sync::to_json(r));
  if (as_json) {
    out << rows.dump(2) << "\n";
    return 0;
  }
  if (rows.empty()) out << "no configuration changes recorded\n";
  for (const auto& r : rows) {
    out << r["at"].get<std::string>() << "  " << std::left << std::setw(9) << r["origin"].get<std::string>()
        << std::setw(12) << r["outcome"].get<std::string>();
    if (r.contains("version")) out << "v" << r["version"] << " ";
    out << r["keys"].dump();
    if (r["detail"].contains("failures")) out << "  " << r["detail"]["failures"].dump();
    if (r["detail"].contains("errors")) out << "  " << r["detail"]["errors"].dump();
    out << "\n";
  }
  return 0;
}

namespace {

void print_plan(const config::change_plan& plan, std::ostream& out) {
  if (plan.empty()) {
    out << "no changes\n";
    return;
  }
  for (const auto& k : plan.keys) out << "changed  " << k << "\n";
  for (const auto& k : plan.hot) out << "live     " << k << "\n";
  for (const auto& c : plan.geometry) out << "live     cameras[" << c << "] lines and zones\n";
  for (const auto& c : plan.rebuild) out << "rebuild  " << c << "\n";
  for (const auto& k : plan.restart) out << "restart  " << k << ": " << config::restart_reason(k) << "\n";
}

// Writes `text` over `path` keeping its owner and mode (the file may hold passwords: 0640 root:kelu).
core::status install(const std::string& path, const std::string& text) {
  struct stat st {};
  const bool existed = ::stat(path.c_str(), &st) == 0;
  if (auto r = core::write_file_atomically(path, text, existed ? (st.st_mode & 0777) : 0640); !r) return r;
  if (existed && ::chown(path.c_str(), st.st_uid, st.st_gid) != 0)
    return core::error{path + ": cannot give it back to its owner: " + std::strerror(errno)};
  return core::ok();
}

// The file is the layer under the technician page's settings: a key set on both keeps the page's.
void note_technician_settings(const config::config& cfg, const std::string& text, std::ostream& out) {
  const auto kept = core::read_file(technician_settings_path(cfg).string());
  if (!kept) return;
  const auto settings = nlohmann::json::parse(*kept, nullptr, false);
  const auto file = nlohmann::json::parse(text, nullptr, false, /*ignore_comments=*/true);
  if (!settings.is_object() || !file.is_object()) return;
  const auto in_file = config::named_paths(file);
  std::string both;
  for (const auto& path : config::named_paths(settings))
    if (std::find(in_file.begin(), in_file.end(), path) != in_file.end()) both += (both.empty() ? "" : ", ") + path;
  if (!both.empty())
    out << "note: the technician page sets " << both << " (" << technician_settings_path(cfg).string()
        << "); its values stay over the file's\n";
}

// The running agent's answer to a change: true when it holds (applied, or applied by a restart).
bool print_verdict(const nlohmann::json& answer, std::ostream& out, std::ostream& err) {
  const auto state = answer.value("state", "");
  if (state == "applied" || state == "restarting") {
    out << state << (answer.contains("rebuilt") ? ", rebuilt " + answer["rebuilt"].dump() : "") << "\n";
    return true;
  }
  if (state == "saved") {  // minimal mode: kept, the configuration still does not load
    out << "saved; the configuration still does not load, still to fix:\n";
    for (const auto& e : answer["errors"]) out << "  " << e.get<std::string>() << "\n";
    return true;
  }
  for (const char* k : {"errors", "reason"})
    if (answer.contains(k))
      for (const auto& e : answer[k]) err << e.get<std::string>() << "\n";
  return false;
}

// Where the running agent's socket is, even for a box in minimal mode (`boot` did not load).
std::filesystem::path socket_of(const core::result<boot_config>& boot, const std::string& config_path) {
  return control_socket::path_for(boot ? boot->value.storage.path
                                       : read_broken_config(config_path).salvaged.storage.path);
}

}  // namespace

int run_config_set(const std::vector<std::string>& assignments, const std::vector<std::string>& resets,
                   const std::string& config_path, std::ostream& out, std::ostream& err) {
  nlohmann::json set = nlohmann::json::object();
  for (const auto& a : assignments) {
    const auto eq = a.find('=');
    if (eq == std::string::npos || eq == 0) {
      err << a << ": expected KEY=VALUE\n";
      return 2;
    }
    const auto text = a.substr(eq + 1);
    const auto value = nlohmann::json::parse(text, nullptr, false);
    set[a.substr(0, eq)] = value.is_discarded() ? nlohmann::json(text) : value;  // 9760, true, [..]; else a string
  }
  nlohmann::json edit{{"set", set}};
  if (!resets.empty()) edit["reset"] = resets;
  config::settings_edit checked;
  if (auto why = config::read_settings_edit(edit, checked)) {
    err << *why << "\n";
    return 2;
  }
  const auto boot = load_boot_config(config_path);
  const auto wait = std::chrono::seconds((boot ? boot->value.fleet.gate_s : 20) + 30);
  const auto answer = ask_agent(socket_of(boot, config_path), {{"cmd", "settings"}, {"edit", edit}}, wait);
  if (!answer) {
    err << "no agent answered (" << answer.error_message() << "): start it (systemctl start kelu) and try again\n";
    return 1;
  }
  if (print_verdict(*answer, out, err)) return 0;
  err << answer->value("state", "") << ": nothing of it was kept\n";
  return 1;
}

int run_config_apply(const std::string& new_path, const std::string& config_path, std::ostream& out,
                     std::ostream& err) {
  const auto text = core::read_file(new_path);
  if (!text) {
    err << new_path << ": cannot read\n";
    return 2;
  }
  const auto next = config::load_text(*text, new_path);
  if (!loads(next, err)) return 2;
  const auto old_text = core::read_file(config_path);
  const auto current = old_text ? config::load_text(*old_text, config_path) : config::load_result{};
  if (current.ok() && old_text) print_plan(config::plan_change(current.value, next.value), out);
  if (old_text)
    if (auto st = install(config_path + ".previous", *old_text); !st) {
      err << st.error_message() << "\n";
      return 1;
    }
  if (auto st = install(config_path, *text); !st) {
    err << st.error_message() << "\n";
    return 1;
  }
  note_technician_settings(next.value, *text, out);
  const auto socket = control_socket::path_for(next.value.storage.path);
  const auto wait = std::chrono::seconds(next.value.fleet.gate_s + 30);
  const auto answer = ask_agent(socket, {{"cmd", "reload"}}, wait);
  if (!answer) {
    out << config_path << " installed; no agent answered (" << answer.error_message()
        << "): it takes the file at its next start\n";
    return 0;
  }
  if (print_verdict(*answer, out, err)) return 0;
  if (old_text)
    if (auto st = install(config_path, *old_text); !st) err << st.error_message() << "\n";
  err << answer->value("state", "") << ": the agent runs the previous configuration; " << config_path
      << " is back as it was\n";
  return 1;
}

namespace {

// "software: current (HQ asks for 0.2.1 on the estate's topic); last update 0.2.0 -> 0.2.1 updated in 4.6 s"
std::string software_line(const nlohmann::json& sw) {
  std::string line = "software: " + sw.value("state", std::string{"?"});
  if (const auto d = sw.find("desired"); d != sw.end() && d->is_object())
    line += " (HQ asks for " + d->value("version", std::string{}) + " on the " + d->value("from", std::string{}) +
            "'s topic)";
  if (sw.contains("reason")) line += ": " + sw["reason"].get<std::string>();
  if (sw.contains("window_opens")) line += ", window opens " + sw["window_opens"].get<std::string>();
  if (const auto l = sw.find("last"); l != sw.end() && l->is_object()) {
    std::ostringstream took;
    took << l->value("took_s", 0.0);
    line += "; last update " + l->value("previous", std::string{}) + " -> " + l->value("version", std::string{}) + " " +
            l->value("outcome", std::string{}) + " in " + took.str() + " s";
  }
  return line;
}

}  // namespace

int run_status(const std::string& config_path, bool as_json, std::ostream& out, std::ostream& err) {
  const auto answer =
      ask_agent(socket_of(load_boot_config(config_path), config_path), {{"cmd", "status"}}, std::chrono::seconds(10));
  if (!answer) {
    err << answer.error_message() << "\n";
    return 1;
  }
  const auto& a = *answer;
  if (as_json) {
    out << a.dump(2) << "\n";
    return 0;
  }
  if (a.value("mode", "") == "minimal") {
    out << "kelu " << a["version"].get<std::string>() << ", MINIMAL MODE: " << a["config"].get<std::string>()
        << " does not load, nothing is counted or sent until it does\n";
    for (const auto& e : a["errors"]) out << "  " << e.get<std::string>() << "\n";
    out << "fix it and run `systemctl reload kelu`, or use the technician page"
        << (a["technician_page"].get<int>() ? " (port " + std::to_string(a["technician_page"].get<int>()) + ")" : "")
        << "\n";
    return 1;
  }
  out << "kelu " << a["version"].get<std::string>() << ", store " << a["store"].get<std::string>() << " (epoch "
      << a.value("epoch", std::string{"?"}) << " since " << a.value("epoch_created_at", std::string{"?"})
      << "), config " << a["config_hash"].get<std::string>() << ", HQ's version " << a["desired_version"] << "\n";
  out << "components: " << a["components"].dump() << (a["changing"].get<bool>() ? " (a change is being judged)" : "")
      << "\n";
  const auto& b = a["broker"];
  out << "mqtt: " << b["uri"].get<std::string>() << (b["connected"].get<bool>() ? " connected" : " NOT connected")
      << ", " << b["outbox_rows"] << " messages waiting (oldest " << b["outbox_oldest_age_s"] << " s)"
      << (b["last_error"].get<std::string>().empty() ? "" : ", last error: " + b["last_error"].get<std::string>())
      << "\n";
  for (const auto& s : a["health"]["sources"]) {
    out << "source " << s["source"].get<std::string>() << " (" << s["driver"].get<std::string>() << "): " << s["accepted"]
        << " accepted, " << s["rejected"] << " rejected";
    if (s.contains("last_error") && !s["last_error"].get<std::string>().empty())
      out << ", last error: " << s["last_error"].get<std::string>();
    out << "\n";
  }
  for (const auto& c : a["health"]["cameras"])
    out << "camera " << c["camera"].get<std::string>() << ": " << c["state"].get<std::string>() << ", "
        << c["frames_read"] << " frames\n";
  if (const auto sw = a.find("software"); sw != a.end() && sw->is_object()) out << software_line(*sw) << "\n";
  return 0;
}

int run_config_diff(const std::string& old_path, const std::string& new_path, std::ostream& out,
                    std::ostream& err) {
  const auto before = config::load_file(old_path);
  const auto after = config::load_file(new_path);
  if (!loads(before, err) || !loads(after, err)) return 2;
  print_plan(config::plan_change(before.value, after.value), out);
  return 0;
}

}  // namespace kelu::cli
