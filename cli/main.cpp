// SPDX-License-Identifier: Apache-2.0
// kelu: the command line. Subcommands parse their options and hand over to the library
// types; nothing here holds logic worth testing apart from the process around it.
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <type_traits>
#include <iostream>
#include <sstream>
#include <thread>

#include "agent/agent.hpp"
#include "dashboard/password_hash.hpp"
#include "agent/camera_module.hpp"
#include "config_command.hpp"
#include "agent/data_owner.hpp"
#include "doctor.hpp"
#include "enroll_command.hpp"
#include "fleet_command.hpp"
#include "update_command.hpp"
#include "agent/update_dir.hpp"
#include "hq/enrol_commands.hpp"
#include "ingest_command.hpp"
#include "agent/minimal_agent.hpp"
#include "qr_command.hpp"
#include "tls_command.hpp"
#include "report_command.hpp"
#include "config/loader.hpp"
#include "config/schema.hpp"
#include "drivers/pos_simulator.hpp"
#include "sync/hq_tail.hpp"
#include "kelu/version.hpp"

namespace {

std::atomic<bool> stop_requested{false};

int validate(const std::string& path) {
  const auto loaded = kelu::config::load_file(path);
  for (const auto& e : loaded.errors) std::cerr << e.to_string() << "\n";
  if (!loaded.ok()) {
    std::cerr << loaded.errors.size() << (loaded.errors.size() == 1 ? " error" : " errors") << " in " << path << "\n";
    return 1;
  }
  std::cout << path << ": valid (config hash " << kelu::config::hash(loaded.value) << ")\n";
  return 0;
}

// A command on the configuration the agent runs (the file with the technician's and HQ's settings
// over it: an enrolled box's store is in the technician's); one that does not load prints its
// errors, exit 2.
template <class Command>
int with_config(const std::string& path, Command command) {
  const auto boot = kelu::load_boot_config(path);
  if (!boot) {
    std::cerr << boot.error_message() << "\n";
    return 2;
  }
  for (const auto& w : boot->warnings) std::cerr << w << "\n";
  for (const auto& e : boot->file_errors) std::cerr << e << " (safe mode: the last file that loaded is used)\n";
  if (auto who = kelu::act_as_data_owner(boot->value.storage.path); !who) {
    std::cerr << who.error_message() << "\n";
    return 2;
  }
  return command(boot->value);
}

// The command line as given, for starting again after a change that needs a restart.
std::vector<char*> own_argv;

int start_again(const std::shared_ptr<spdlog::logger>& log) {
  // Same PID, so systemd and whoever started it keep following the same process.
  log->info("starting again");
  ::execv("/proc/self/exe", own_argv.data());
  log->critical("cannot start again: {}", std::strerror(errno));
  return 3;
}

// No configuration loads and none ever did: minimal mode rather than a crash loop.
int run_minimal(const std::string& path, const std::shared_ptr<spdlog::logger>& log) {
  auto broken = kelu::read_broken_config(path);
  if (auto who = kelu::act_as_data_owner(broken.salvaged.storage.path); !who) {
    log->error("{}", who.error_message());
    return 2;
  }
  kelu::minimal_agent m{path, std::move(broken), log};
  if (auto st = m.start(); !st) {
    log->critical("{}", st.error_message());
    return 3;
  }
  const int code = m.run();
  return m.restart_requested() ? start_again(log) : code;
}

int run(const std::string& path) {
  // A peer that closes mid-write (a till, the broker over TLS) must be an error value, not the
  // end of the process.
  std::signal(SIGPIPE, SIG_IGN);
  auto log = std::make_shared<spdlog::logger>("kelu", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  auto boot = kelu::load_boot_config(path);
  if (!boot) return run_minimal(path, log);
  if (auto who = kelu::act_as_data_owner(boot->value.storage.path); !who) {
    log->error("{}", who.error_message());
    return 2;
  } else if (!who->empty()) {
    log->info("running as {}, the owner of the data directory", *who);
  }
  log->set_level(spdlog::level::from_str(boot->value.log.level));
  log->flush_on(spdlog::level::info);
  kelu::agent a{std::move(boot).value(), path, log};
  if (auto st = a.start(); !st) {
    log->critical("{}", st.error_message());
    return 3;
  }
  const int code = a.run();
  return a.restart_requested() ? start_again(log) : code;
}

// The box's data directory is the one thing known even when its configuration does not load
// yet: a fresh box enrols from the package's sample file.
int enroll(const std::string& path, const kelu::cli::enroll_options& o) {
  const auto boot = kelu::load_boot_config(path);
  if (auto who = kelu::act_as_data_owner(boot ? boot->value.storage.path
                                              : kelu::read_broken_config(path).salvaged.storage.path);
      !who) {
    std::cerr << who.error_message() << "\n";
    return 2;
  }
  return kelu::cli::run_enroll(path, boot, o, std::cout, std::cerr);
}

std::vector<std::string> words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// Root's half of a software update: the update directory is found as the agent finds its database.
int update_apply(const std::string& path, kelu::cli::update_options o, const std::string& restart) {
  if (o.dir.empty()) {
    const auto boot = kelu::load_boot_config(path);
    o.dir = kelu::update_dir::beside(boot ? boot->value.storage.path
                                          : kelu::read_broken_config(path).salvaged.storage.path).path();
  }
  if (!restart.empty()) o.restart = words(restart);
  return kelu::cli::run_update_apply(o, std::cout, std::cerr);
}

int hq_tail(const kelu::sync::hq_tail_options& o) {
  std::signal(SIGINT, [](int) { stop_requested = true; });
  std::signal(SIGTERM, [](int) { stop_requested = true; });
  kelu::sync::hq_tail tail{o, [](const std::string& line) { std::cout << line << std::endl; }};
  if (auto st = tail.start(); !st) {
    std::cerr << st.error_message() << "\n";
    return 1;
  }
  while (!stop_requested) {
    tail.poll();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  tail.stop();
  const auto s = tail.stats();
  std::cout << "received " << s.received << ": unique " << s.unique << ", duplicates " << s.duplicates
            << ", replays asked " << s.replay_requests << ", lost " << s.lost << ", open gaps " << tail.gaps().size()
            << "\n";
  return 0;
}

int simulate(const kelu::drivers::simulator_options& o) {
  std::signal(SIGINT, [](int) { stop_requested = true; });
  std::signal(SIGTERM, [](int) { stop_requested = true; });
  auto totals = kelu::drivers::simulate_pos(o, stop_requested, std::cout);
  if (!totals) {
    std::cerr << "simulate: " << totals.error_message() << "\n";
    return 1;
  }
  std::cout << "sent " << totals->sent << ": stored " << totals->stored << ", duplicates " << totals->duplicates
            << ", rejected " << totals->rejected << "\n";
  return 0;
}

// The technician password, twice, without echo on a terminal; one line from a pipe. Its hash is
// printed, or with `set_in` (the agent's config file) given to the running agent to keep.
int passwd(const std::string& set_in) {
  const bool tty = ::isatty(STDIN_FILENO) != 0;
  termios saved{};
  const auto read_line = [&](const char* prompt) {
    std::string line;
    if (tty) {
      std::cerr << prompt << std::flush;
      ::tcgetattr(STDIN_FILENO, &saved);
      termios quiet = saved;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    std::getline(std::cin, line);
    if (tty) {
      ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
      std::cerr << "\n";
    }
    return line;
  };
  const auto password = read_line("Technician password: ");
  if (tty && read_line("Again: ") != password) {
    std::cerr << "passwd: the two did not match\n";
    return 1;
  }
  if (password.size() < 8) {
    std::cerr << "passwd: at least 8 characters\n";
    return 1;
  }
  const auto hash = kelu::dashboard::hash_password(password);
  if (!set_in.empty())
    return kelu::cli::run_config_set({"dashboard.technician_password=" + hash}, {}, set_in, std::cout, std::cerr);
  std::cout << hash << "\n";
  if (tty)
    std::cerr << "Put it in the config as \"dashboard\": {\"technician_password\": \"...\"}, then reload (SIGHUP);\n"
                 "or let the running agent keep it: kelu passwd --set\n";
  return 0;
}

// A subcommand and what it does when chosen. Its options live in the action's captures (shared,
// since CLI11 writes into them during the parse and the action reads them after).
struct command {
  CLI::App* chosen = nullptr;
  std::function<int()> run;
};
using commands = std::vector<command>;

template <class T>
std::shared_ptr<T> held(T value = T{}) {
  return std::make_shared<T>(std::move(value));
}

// -c/--config of the commands that read the agent's configuration.
CLI::Option* config_option(CLI::App* cmd, std::string& path, bool required = true) {
  auto* o = cmd->add_option("-c,--config", path, "Configuration file");
  if (required) return o->required()->check(CLI::ExistingFile);
  return o->capture_default_str();
}

command add_run(CLI::App& app) {
  auto path = held<std::string>();
  auto* cmd = app.add_subcommand("run", "Run the agent");
  config_option(cmd, *path);
  return {cmd, [path] { return run(*path); }};
}

command add_config_sample(CLI::App* config_cmd) {
  auto path = held<std::string>();
  auto* cmd = config_cmd->add_subcommand("sample", "Print a complete, commented sample configuration");
  cmd->add_option("-o,--output", *path, "Write it to this file instead (the .deb's conffile)");
  return {cmd, [path] {
            if (path->empty()) {
              std::cout << kelu::config::sample_text();
              return 0;
            }
            std::ofstream out(*path, std::ios::binary | std::ios::trunc);
            out << kelu::config::sample_text();
            out.close();
            if (!out) {
              std::cerr << *path << ": cannot write: " << std::strerror(errno) << "\n";
              return 1;
            }
            return 0;
          }};
}

// config validate, show, history: reading a file or the agent's record of it.
commands add_config_readers(CLI::App* config_cmd) {
  commands out;
  auto validate_path = held<std::string>();
  auto* validate_cmd = config_cmd->add_subcommand("validate", "Check a file; errors name file, line and key");
  validate_cmd->add_option("file", *validate_path, "Configuration file")->required();
  out.push_back({validate_cmd, [validate_path] { return validate(*validate_path); }});
  out.push_back(add_config_sample(config_cmd));

  auto show_path = held<std::string>();
  auto show_json = held(false);
  auto* show_cmd = config_cmd->add_subcommand(
      "show", "Every key's value as the agent runs it and where it comes from (file, hq, local, default)");
  config_option(show_cmd, *show_path);
  // Accepted for scripts that name the view; there is no other, so nothing to keep.
  show_cmd->add_flag_callback("--effective", [] {}, "The effective configuration (the one view there is)");
  show_cmd->add_flag("--json", *show_json, "As JSON");
  out.push_back({show_cmd, [show_path, show_json] {
                   return kelu::cli::run_config_show(*show_path, *show_json, std::cout, std::cerr);
                 }});

  auto history_path = held<std::string>();
  auto history_limit = held<std::size_t>(50);
  auto history_json = held(false);
  auto* history_cmd = config_cmd->add_subcommand("history", "The box's configuration changes, newest first");
  config_option(history_cmd, *history_path);
  history_cmd->add_option("-n,--limit", *history_limit, "How many")->capture_default_str();
  history_cmd->add_flag("--json", *history_json, "As JSON");
  out.push_back({history_cmd, [history_path, history_limit, history_json] {
                   return kelu::cli::run_config_history(*history_path, *history_limit, *history_json, std::cout, std::cerr);
                 }});
  return out;
}

// config apply, set, diff: changes, and what a change would do.
commands add_config_changes(CLI::App* config_cmd) {
  commands out;
  auto apply_file = held<std::string>(), apply_config = held<std::string>("/etc/kelu/kelu.json");
  auto* apply_cmd = config_cmd->add_subcommand(
      "apply", "Install FILE as the agent's configuration and have the running agent apply it; undone if it fails");
  apply_cmd->add_option("file", *apply_file, "The new configuration")->required()->check(CLI::ExistingFile);
  apply_cmd->add_option("-c,--config", *apply_config, "The agent's configuration file")->capture_default_str();
  out.push_back({apply_cmd, [apply_file, apply_config] {
                   return kelu::cli::run_config_apply(*apply_file, *apply_config, std::cout, std::cerr);
                 }});

  auto assignments = held<std::vector<std::string>>(), resets = held<std::vector<std::string>>();
  auto set_config = held<std::string>("/etc/kelu/kelu.json");
  auto* set_cmd = config_cmd->add_subcommand(
      "set", "Change settings through the running agent, as the technician page does (kept in technician.json)");
  set_cmd->add_option("assignments", *assignments, "KEY=VALUE (VALUE as JSON when it parses: 9760, true, [\"a\"])");
  set_cmd->add_option("--reset", *resets, "Give KEY back to the config file");
  set_cmd->add_option("-c,--config", *set_config, "The agent's configuration file")->capture_default_str();
  out.push_back({set_cmd, [assignments, resets, set_config] {
                   return kelu::cli::run_config_set(*assignments, *resets, *set_config, std::cout, std::cerr);
                 }});

  auto diff_old = held<std::string>(), diff_new = held<std::string>();
  auto* diff_cmd = config_cmd->add_subcommand(
      "diff", "What changing OLD into NEW does to a running agent: keys, components rebuilt, restarts");
  diff_cmd->add_option("old", *diff_old, "Configuration file")->required()->check(CLI::ExistingFile);
  diff_cmd->add_option("new", *diff_new, "Configuration file")->required()->check(CLI::ExistingFile);
  out.push_back({diff_cmd, [diff_old, diff_new] {
                   return kelu::cli::run_config_diff(*diff_old, *diff_new, std::cout, std::cerr);
                 }});
  return out;
}

commands add_config(CLI::App& app) {
  auto* config_cmd = app.add_subcommand("config", "Check or write configuration");
  config_cmd->require_subcommand(1);
  auto out = add_config_readers(config_cmd);
  for (auto& c : add_config_changes(config_cmd)) out.push_back(std::move(c));
  return out;
}

command add_status(CLI::App& app) {
  auto path = held<std::string>("/etc/kelu/kelu.json");
  auto json = held(false);
  auto* cmd = app.add_subcommand("status", "The running agent: components, queues, last errors");
  config_option(cmd, *path, false);
  cmd->add_flag("--json", *json, "As JSON");
  return {cmd, [path, json] { return kelu::cli::run_status(*path, *json, std::cout, std::cerr); }};
}

command add_simulate(CLI::App& app) {
  auto sim = held<kelu::drivers::simulator_options>();
  auto connect = held<std::string>("127.0.0.1:9750");
  auto fleet = held<kelu::cli::fleet_options>();
  auto* cmd = app.add_subcommand("simulate", "Act as a till replaying POS transactions to an agent, or as a fleet of "
                                             "stores publishing a trading day to HQ (--fleet)");
  cmd->add_option("--connect", *connect, "host:port of the agent's POS listener")->capture_default_str();
  cmd->add_option("--file", sim->file, "JSON lines to replay")->check(CLI::ExistingFile);
  cmd->add_option("--rate", sim->rate_per_s, "Transactions per second; 0 for as fast as answered")->capture_default_str();
  cmd->add_flag("--loop", sim->loop, "Replay until interrupted, with fresh transaction ids per round");
  cmd->add_option("--fleet", fleet->stores, "Be N stores publishing a trading day to HQ's broker (--mqtt)")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--mqtt", fleet->uri, "--fleet: HQ's broker, tcp://host:port");
  cmd->add_option("--tenant", fleet->tenant, "--fleet: the tenant the stores belong to")->capture_default_str();
  cmd->add_option("--day", fleet->day, "--fleet: the local trading day played, YYYY-MM-DD (default yesterday)");
  cmd->add_option("--speedup", fleet->speedup, "--fleet: simulated seconds per second; 0 as fast as the broker takes")
      ->capture_default_str();
  cmd->add_option("--redeliver", fleet->redeliver, "--fleet: share of messages sent twice, as after a lost PUBACK")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--connections", fleet->connections, "--fleet: broker connections the stores share")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  cmd->add_option("--seed", fleet->seed, "--fleet: the same seed plays the same day")->capture_default_str();
  cmd->add_option("--master-dir", fleet->master_dir, "--fleet: write the fleet's stores.csv, products.csv and "
                                                     "associates.csv here (for kelu-hq import)");
  return {cmd, [sim, connect, fleet] {
            if (fleet->stores > 0) {
              if (fleet->uri.empty()) {
                std::cerr << "--fleet needs --mqtt, HQ's broker\n";
                return 2;
              }
              return kelu::cli::run_fleet_simulation(*fleet, std::cout, std::cerr);
            }
            if (sim->file.empty()) {
              std::cerr << "--file is required (or --fleet N)\n";
              return 2;
            }
            const auto colon = connect->rfind(':');
            if (colon == std::string::npos) {
              std::cerr << "--connect: expected host:port, got " << *connect << "\n";
              return 2;
            }
            sim->host = connect->substr(0, colon);
            sim->port = static_cast<std::uint16_t>(std::stoi(connect->substr(colon + 1)));
            return simulate(*sim);
          }};
}

command add_hq_tail(CLI::App& app) {
  auto tail = held<kelu::sync::hq_tail_options>();
  auto* cmd = app.add_subcommand("hq-tail", "Act as HQ: print what stores send, dedupe, detect gaps, ask for replays");
  cmd->add_option("--broker", tail->uri, "HQ broker URI")->required();
  cmd->add_option("--tenant", tail->tenant, "Tenant")->required();
  cmd->add_option("--store", tail->store, "One store id (default: every store)")->capture_default_str();
  cmd->add_option("--share", tail->share_group, "Join this shared-subscription group ($share/GROUP/...)");
  cmd->add_option("--client-id", tail->client_id, "MQTT client id (persistent session)")->capture_default_str();
  cmd->add_flag("--from-first", tail->from_first, "Expect every stream from seq 1 and ask for what is missing");
  cmd->add_option("--ca", tail->tls_ca_file, "ssl://: the CA that signed the broker's certificate");
  cmd->add_option("--cert", tail->tls_cert_file, "ssl://: this consumer's certificate (PEM)");
  cmd->add_option("--key", tail->tls_key_file, "ssl://: its private key (PEM)");
  return {cmd, [tail] { return hq_tail(*tail); }};
}

command add_enroll(CLI::App& app) {
  auto path = held<std::string>("/etc/kelu/kelu.json");
  auto o = held<kelu::cli::enroll_options>();
  auto* cmd = app.add_subcommand("enroll", "Join the estate with a one-time code from HQ: key, certificate, settings");
  cmd->add_option("code", o->code, "The code HQ issued for this store (K7QF-2M9X-TR4P)")->required();
  cmd->add_option("--hq", o->hq_url, "HQ's enrolment server, https://HOST[:PORT]")->required();
  cmd->add_option("--hq-ca", o->hq_ca, "PEM that signed the server's certificate (default: system trust)")
      ->check(CLI::ExistingFile);
  cmd->add_option("-c,--config", *path, "The agent's configuration file")->capture_default_str();
  return {cmd, [path, o] { return enroll(*path, *o); }};
}

command add_update(CLI::App& app) {
  auto* update_cmd = app.add_subcommand("update", "Software updates HQ asks for (run as root by kelu-update.service)");
  update_cmd->require_subcommand(1);
  auto* cmd = update_cmd->add_subcommand("apply", "Install the version the agent requested, or roll back");
  auto path = held<std::string>("/etc/kelu/kelu.json"), restart = held<std::string>();
  auto o = held<kelu::cli::update_options>();
  auto allowance = held<std::int64_t>(60);
  cmd->add_option("-c,--config", *path, "The agent's configuration (where its data lives)")->capture_default_str();
  cmd->add_option("--dir", o->dir, "The update directory (default: update/ beside the database)");
  cmd->add_option("--keep", o->keep, "Where the running version's package is kept for a rollback")->capture_default_str();
  cmd->add_option("--start-allowance", *allowance, "Seconds the agent may take to start, beyond the health gate's own")
      ->capture_default_str()
      ->check(CLI::Range(0, 600));
  cmd->add_option("--restart", *restart, "Command that restarts the agent (default: systemctl restart kelu.service)");
  return {cmd, [path, restart, o, allowance] {
            o->start_allowance = std::chrono::seconds(*allowance);
            return update_apply(*path, *o, *restart);
          }};
}

command add_enroll_code(CLI::App* hq_cmd) {
  auto o = held<kelu::hq::enrol_code_options>();
  auto* cmd = hq_cmd->add_subcommand("enroll-code", "Issue a one-time code that enrols a box as a store");
  cmd->add_option("--codes", o->codes, "The codes file (SQLite), shared with enroll-server")->required();
  cmd->add_option("--tenant", o->tenant, "Tenant");
  cmd->add_option("--store", o->store, "Store id");
  cmd->add_option("--valid-hours", o->valid_hours, "How long the code can be used")->capture_default_str();
  cmd->add_option("--settings", o->settings, "JSON object of key paths the box runs with")->check(CLI::ExistingFile);
  cmd->add_option("--hq", o->hq_url, "The enrolment server's URL, printed in the technician's command");
  cmd->add_flag("--list", o->list, "List the codes (of --tenant) instead");
  return {cmd, [o] {
            if (!o->list && (o->tenant.empty() || o->store.empty())) {
              std::cerr << "enroll-code: --tenant and --store are required (or --list)\n";
              return 2;
            }
            return kelu::hq::run_enrol_code(*o, std::cout, std::cerr);
          }};
}

command add_enroll_server(CLI::App* hq_cmd) {
  auto o = held<kelu::hq::enrol_server_options>();
  auto sign = held<std::string>(), revoke = held<std::string>();
  auto* cmd = hq_cmd->add_subcommand("enroll-server", "Serve enrolments over https until SIGTERM");
  cmd->add_option("--codes", o->codes, "The codes file (SQLite)")->required();
  cmd->add_option("--sign", *sign,
                  "Signing command, words split on spaces; TENANT STORE CSR OUT are appended "
                  "(\"scripts/hq-ca sign /srv/kelu-ca\")")
      ->required();
  cmd->add_option("--revoke", *revoke,
                  "Revoking command, words split on spaces; CERT is appended (\"scripts/hq-ca revoke "
                  "/srv/kelu-ca\"): a store enrolled again has its earlier certificates revoked");
  cmd->add_option("--ca", o->ca, "PEM of the CA that signed the broker's certificate (boxes trust it)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--cert", o->cert, "This server's https certificate (PEM chain)")->required();
  cmd->add_option("--key", o->key, "Its private key (PEM)")->required();
  cmd->add_option("--settings", o->settings, "JSON object of key paths every box runs with")->check(CLI::ExistingFile);
  cmd->add_option("--listen", o->listen, "Address")->capture_default_str();
  cmd->add_option("--port", o->port, "Port (0: any free one, printed)")->capture_default_str();
  return {cmd, [o, sign, revoke] {
            o->sign = words(*sign);
            o->revoke = words(*revoke);
            return kelu::hq::run_enrol_server(*o, std::cout, std::cerr);
          }};
}

commands add_hq(CLI::App& app) {
  auto* hq_cmd = app.add_subcommand("hq", "HQ's tools: enrolment codes and the enrolment server");
  hq_cmd->require_subcommand(1);
  return {add_enroll_code(hq_cmd), add_enroll_server(hq_cmd)};
}

command add_ingest(CLI::App& app) {
  auto path = held<std::string>(), format = held<std::string>();
  auto o = held<kelu::cli::ingest_options>();
  auto* cmd = app.add_subcommand(
      "ingest", "Backfill history from exported files (POSLog, CSV, ESC/POS captures, JSON lines) into the store");
  config_option(cmd, *path);
  cmd->add_option("--format", *format, "poslog|csv|escpos|jsonl (default: by file extension)")
      ->check(CLI::IsMember({"poslog", "csv", "escpos", "jsonl"}));
  cmd->add_option("paths", o->paths, "Files, or folders of files")->required();
  cmd->add_flag("--json", o->json, "Print the summary as JSON");
  cmd->add_flag("--dry-run", o->dry_run, "Parse and summarise only; store nothing (check a mapping)");
  return {cmd, [path, format, o] {
            return with_config(*path, [&](const kelu::config::config& c) {
              if (!format->empty()) o->format = kelu::drivers::format_from_name(*format);
              return kelu::cli::run_ingest(c, *o, std::cout, std::cerr);
            });
          }};
}

command add_report(CLI::App& app) {
  auto path = held<std::string>();
  auto o = held<kelu::cli::report_options>();
  auto* cmd = app.add_subcommand("report", "A day's funnel per hour, associates, products and coverage");
  config_option(cmd, *path);
  cmd->add_option("--day", o->day, "YYYY-MM-DD in the store's time zone (default: today so far)");
  cmd->add_flag("--json", o->json, "Print the documented JSON form (docs/analytics.md)");
  cmd->add_option("--database", o->database, "Database file (default: the config's storage.path)");
  cmd->add_option("--events", o->events_of, "HH:MM: print the raw events behind that hour's figures, one JSON per line");
  return {cmd, [path, o] {
            return with_config(*path, [&](const auto& c) { return kelu::cli::run_report(c, *o, std::cout, std::cerr); });
          }};
}

command add_qr(CLI::App& app) {
  auto path = held<std::string>();
  auto o = held<kelu::cli::qr_options>();
  auto* cmd = app.add_subcommand("qr", "The dashboard's QR code: in the terminal, as a printable A6 sign, as PNG");
  config_option(cmd, *path);
  cmd->add_option("--svg", o->svg, "Write the A6 sign (store name, code, how to use it) for printing");
  cmd->add_option("--png", o->png, "Write the code alone as PNG");
  cmd->add_flag("--rotate", o->rotate, "Replace the key first: every code printed before stops working");
  return {cmd, [path, o] {
            return with_config(*path, [&](const auto& c) { return kelu::cli::run_qr(c, *o, std::cout, std::cerr); });
          }};
}

command add_doctor(CLI::App& app) {
  auto o = held<kelu::cli::doctor_options>();
  auto json = held(false);
  auto* cmd = app.add_subcommand(
      "doctor", "Is this box fit to leave? Config, database, disk, clocks, broker, cameras, tills, dashboard");
  cmd->add_option("-c,--config", o->config_path, "Configuration file")
      ->default_val("/etc/kelu/kelu.json")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--json", *json, "As JSON");
  return {cmd, [o, json] { return kelu::cli::run_doctor(*o, *json, std::cout); }};
}

command add_tls(CLI::App& app) {
  auto path = held<std::string>();
  auto o = held<kelu::cli::tls_options>();
  auto* cmd = app.add_subcommand(
      "tls", "The dashboard's https certificate: create the self-signed one if absent, print its fingerprint");
  config_option(cmd, *path);
  cmd->add_flag("--renew", o->renew, "Replace the self-signed certificate (phones accept it once more)");
  return {cmd, [path, o] {
            return with_config(*path, [&](const auto& c) { return kelu::cli::run_tls(c, *o, std::cout, std::cerr); });
          }};
}

command add_passwd(CLI::App& app) {
  auto set = held(false);
  auto path = held<std::string>("/etc/kelu/kelu.json");
  auto* cmd = app.add_subcommand(
      "passwd", "Print the hash of a technician password for dashboard.technician_password (reads it from stdin)");
  cmd->add_flag("--set", *set, "Have the running agent keep it (the technician's settings), no file to edit");
  cmd->add_option("-c,--config", *path, "The agent's configuration file (with --set)")->capture_default_str();
  return {cmd, [set, path] { return passwd(*set ? *path : std::string()); }};
}

#ifdef KELU_WITH_VISION
command add_count(CLI::App& app) {
  auto o = held<kelu::camera::count_options>();
  auto no_gate = held(false);
  auto* cmd = app.add_subcommand("count", "Count people crossing lines in a recorded video, as fast as it runs");
  cmd->add_option("--video", o->video, "Video file (or rtsp:// URL, /dev/videoN)")->required();
  cmd->add_option("--config", o->config_path, "Take lines, zones and detector from a camera in this config")
      ->check(CLI::ExistingFile);
  cmd->add_option("--camera", o->camera_id, "With --config: the camera's id (default: the first)");
  cmd->add_option("--line", o->lines, "NAME=x1,y1,x2,y2 in pixels; `in` is the side where the "
                                      "cross product (B-A)x(P-A) > 0 (walking down a left-to-right line)");
  cmd->add_option("--detector", o->detector, "bgs|hog|dnn (default: the config's, else bgs)")
      ->check(CLI::IsMember({"bgs", "hog", "dnn"}));
  cmd->add_option("--model", o->model, "dnn: Darknet .cfg and .weights, or one .onnx");
  cmd->add_option("--heatmap", o->heatmap, "Write the occupancy heat map to this PNG");
  cmd->add_option("--background", o->background, "Draw the heat map over this image (a snapshot you approved)");
  cmd->add_flag("--json", o->json, "Print {frames, fps, lines: {NAME: {in, out}}} as JSON");
  cmd->add_option("--fps", o->process_fps, "Process at most this many frames per second of video");
  cmd->add_option("--max-frames", o->max_frames, "Stop after this many frames");
  cmd->add_option("--person-height", o->person_height_px, "bgs: a person's height in pixels");
  cmd->add_option("--tracks", o->tracks_out, "Write confirmed tracks as frame,id,x,y,w,h");
  cmd->add_option("--store-at", o->store_at,
                  "With --config: store the recording's crossings and visits in the store's database as seen "
                  "from this time (e.g. 2026-11-21T10:00:00, the store's zone): a recorded day in the funnel");
  cmd->add_flag("--no-motion-gate", *no_gate, "Run the detector on every frame");
  return {cmd, [o, no_gate] {
            o->motion_gate = !*no_gate;
            const auto camera = kelu::load_camera_module();
            if (!camera) {
              std::cerr << "kelu count: " << camera.error_message() << "\n";
              return 2;
            }
            return (*camera)->count(*o, std::cout, std::cerr);
          }};
}
#endif

// Every subcommand, in the order `kelu --help` lists them.
commands add_commands(CLI::App& app) {
  commands all;
  const auto add = [&all](auto&& more) {
    if constexpr (std::is_same_v<std::decay_t<decltype(more)>, command>)
      all.push_back(std::move(more));
    else
      for (auto& c : more) all.push_back(std::move(c));
  };
  add(add_run(app));
  add(add_config(app));
  add(add_status(app));
  add(add_simulate(app));
  add(add_hq_tail(app));
  add(add_enroll(app));
  add(add_update(app));
  add(add_hq(app));
  add(add_ingest(app));
  add(add_report(app));
  add(add_qr(app));
  add(add_doctor(app));
  add(add_tls(app));
  add(add_passwd(app));
#ifdef KELU_WITH_VISION
  add(add_count(app));
#endif
  return all;
}

}  // namespace

int main(int argc, char** argv) {
  own_argv.assign(argv, argv + argc);
  own_argv.push_back(nullptr);
  CLI::App app{"kelu: foot traffic and conversion on the store's own box"};
  app.set_version_flag("--version", std::string("kelu ") + kelu::version);
  app.require_subcommand(1);
  const auto all = add_commands(app);
  CLI11_PARSE(app, argc, argv);
  for (const auto& c : all)
    if (*c.chosen) return c.run();
  return 0;
}
