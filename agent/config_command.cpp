#include "config_command.hpp"

#include <nlohmann/json.hpp>

#include <iomanip>
#include <ostream>

#include "agent/config_control.hpp"
#include "agent/data_owner.hpp"
#include "config/change_plan.hpp"
#include "config/loader.hpp"
#include "sync/config_journal.hpp"
#include "sync/database.hpp"

namespace kelu {

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

int run_config_diff(const std::string& old_path, const std::string& new_path, std::ostream& out,
                    std::ostream& err) {
  const auto before = config::load_file(old_path);
  const auto after = config::load_file(new_path);
  if (!loads(before, err) || !loads(after, err)) return 2;
  const auto plan = config::plan_change(before.value, after.value);
  if (plan.empty()) {
    out << "no changes\n";
    return 0;
  }
  for (const auto& k : plan.keys) out << "changed  " << k << "\n";
  for (const auto& k : plan.hot) out << "live     " << k << "\n";
  for (const auto& c : plan.geometry) out << "live     cameras[" << c << "] lines and zones\n";
  for (const auto& c : plan.rebuild) out << "rebuild  " << c << "\n";
  for (const auto& k : plan.restart) out << "restart  " << k << ": " << config::restart_reason(k) << "\n";
  return 0;
}

}  // namespace kelu
