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
#include <iostream>
#include <sstream>
#include <thread>

#include "agent.hpp"
#include "agent/dashboard/password_hash.hpp"
#ifdef KELU_WITH_VISION
#include "count_command.hpp"
#endif
#include "config_command.hpp"
#include "data_owner.hpp"
#include "doctor.hpp"
#include "enroll_command.hpp"
#include "update_command.hpp"
#include "update_dir.hpp"
#include "hq/enrol_commands.hpp"
#include "ingest_command.hpp"
#include "minimal_agent.hpp"
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
int enroll(const std::string& path, const kelu::enroll_options& o) {
  const auto boot = kelu::load_boot_config(path);
  if (auto who = kelu::act_as_data_owner(boot ? boot->value.storage.path
                                              : kelu::read_broken_config(path).salvaged.storage.path);
      !who) {
    std::cerr << who.error_message() << "\n";
    return 2;
  }
  return kelu::run_enroll(path, boot, o, std::cout, std::cerr);
}

std::vector<std::string> words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// Root's half of a software update: the update directory is found as the agent finds its database.
int update_apply(const std::string& path, kelu::update_options o, const std::string& restart) {
  if (o.dir.empty()) {
    const auto boot = kelu::load_boot_config(path);
    o.dir = kelu::update_dir::beside(boot ? boot->value.storage.path
                                          : kelu::read_broken_config(path).salvaged.storage.path).path();
  }
  if (!restart.empty()) o.restart = words(restart);
  return kelu::run_update_apply(o, std::cout, std::cerr);
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
    return kelu::run_config_set({"dashboard.technician_password=" + hash}, {}, set_in, std::cout, std::cerr);
  std::cout << hash << "\n";
  if (tty)
    std::cerr << "Put it in the config as \"dashboard\": {\"technician_password\": \"...\"}, then reload (SIGHUP);\n"
                 "or let the running agent keep it: kelu passwd --set\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  own_argv.assign(argv, argv + argc);
  own_argv.push_back(nullptr);
  CLI::App app{"kelu: foot traffic and conversion on the store's own box"};
  app.set_version_flag("--version", std::string("kelu ") + kelu::version);
  app.require_subcommand(1);

  std::string run_config;
  auto* run_cmd = app.add_subcommand("run", "Run the agent");
  run_cmd->add_option("-c,--config", run_config, "Configuration file")->required()->check(CLI::ExistingFile);

  auto* config_cmd = app.add_subcommand("config", "Check or write configuration");
  config_cmd->require_subcommand(1);
  std::string validate_path;
  auto* validate_cmd = config_cmd->add_subcommand("validate", "Check a file; errors name file, line and key");
  validate_cmd->add_option("file", validate_path, "Configuration file")->required();
  auto* sample_cmd = config_cmd->add_subcommand("sample", "Print a complete, commented sample configuration");
  std::string show_path;
  bool show_json = false;
  auto* show_cmd = config_cmd->add_subcommand(
      "show", "Every key's value as the agent runs it and where it comes from (file, hq, local, default)");
  show_cmd->add_option("-c,--config", show_path, "Configuration file")->required()->check(CLI::ExistingFile);
  bool show_effective = true;
  show_cmd->add_flag("--effective", show_effective, "The effective configuration (the one view there is)");
  show_cmd->add_flag("--json", show_json, "As JSON");
  std::string history_path;
  std::size_t history_limit = 50;
  bool history_json = false;
  auto* history_cmd = config_cmd->add_subcommand("history", "The box's configuration changes, newest first");
  history_cmd->add_option("-c,--config", history_path, "Configuration file")->required()->check(CLI::ExistingFile);
  history_cmd->add_option("-n,--limit", history_limit, "How many")->capture_default_str();
  history_cmd->add_flag("--json", history_json, "As JSON");
  std::string apply_file, apply_config = "/etc/kelu/kelu.json";
  auto* apply_cmd = config_cmd->add_subcommand(
      "apply", "Install FILE as the agent's configuration and have the running agent apply it; undone if it fails");
  apply_cmd->add_option("file", apply_file, "The new configuration")->required()->check(CLI::ExistingFile);
  apply_cmd->add_option("-c,--config", apply_config, "The agent's configuration file")->capture_default_str();
  std::vector<std::string> set_assignments, set_resets;
  std::string set_config = "/etc/kelu/kelu.json";
  auto* set_cmd = config_cmd->add_subcommand(
      "set", "Change settings through the running agent, as the technician page does (kept in technician.json)");
  set_cmd->add_option("assignments", set_assignments, "KEY=VALUE (VALUE as JSON when it parses: 9760, true, [\"a\"])");
  set_cmd->add_option("--reset", set_resets, "Give KEY back to the config file");
  set_cmd->add_option("-c,--config", set_config, "The agent's configuration file")->capture_default_str();
  std::string status_config = "/etc/kelu/kelu.json";
  bool status_json = false;
  auto* status_cmd = app.add_subcommand("status", "The running agent: components, queues, last errors");
  status_cmd->add_option("-c,--config", status_config, "Configuration file")->capture_default_str();
  status_cmd->add_flag("--json", status_json, "As JSON");
  std::string diff_old, diff_new;
  auto* diff_cmd = config_cmd->add_subcommand(
      "diff", "What changing OLD into NEW does to a running agent: keys, components rebuilt, restarts");
  diff_cmd->add_option("old", diff_old, "Configuration file")->required()->check(CLI::ExistingFile);
  diff_cmd->add_option("new", diff_new, "Configuration file")->required()->check(CLI::ExistingFile);
  std::string sample_path;
  sample_cmd->add_option("-o,--output", sample_path, "Write it to this file instead (the .deb's conffile)");

  kelu::drivers::simulator_options sim;
  std::string connect = "127.0.0.1:9750";
  auto* simulate_cmd = app.add_subcommand("simulate", "Act as a till: replay POS transactions to an agent");
  simulate_cmd->add_option("--connect", connect, "host:port of the agent's POS listener")->capture_default_str();
  simulate_cmd->add_option("--file", sim.file, "JSON lines to replay")->required()->check(CLI::ExistingFile);
  simulate_cmd->add_option("--rate", sim.rate_per_s, "Transactions per second; 0 for as fast as answered")
      ->capture_default_str();
  simulate_cmd->add_flag("--loop", sim.loop, "Replay until interrupted, with fresh transaction ids per round");

  kelu::sync::hq_tail_options tail;
  auto* tail_cmd = app.add_subcommand("hq-tail", "Act as HQ: print what stores send, dedupe, detect gaps, ask for replays");
  tail_cmd->add_option("--broker", tail.uri, "HQ broker URI")->required();
  tail_cmd->add_option("--tenant", tail.tenant, "Tenant")->required();
  tail_cmd->add_option("--store", tail.store, "One store id (default: every store)")->capture_default_str();
  tail_cmd->add_option("--share", tail.share_group, "Join this shared-subscription group ($share/GROUP/...)");
  tail_cmd->add_option("--client-id", tail.client_id, "MQTT client id (persistent session)")->capture_default_str();
  tail_cmd->add_flag("--from-first", tail.from_first, "Expect every stream from seq 1 and ask for what is missing");
  tail_cmd->add_option("--ca", tail.tls_ca_file, "ssl://: the CA that signed the broker's certificate");
  tail_cmd->add_option("--cert", tail.tls_cert_file, "ssl://: this consumer's certificate (PEM)");
  tail_cmd->add_option("--key", tail.tls_key_file, "ssl://: its private key (PEM)");

  std::string enroll_config = "/etc/kelu/kelu.json";
  kelu::enroll_options enroll_opts;
  auto* enroll_cmd = app.add_subcommand("enroll", "Join the estate with a one-time code from HQ: key, certificate, settings");
  enroll_cmd->add_option("code", enroll_opts.code, "The code HQ issued for this store (K7QF-2M9X-TR4P)")->required();
  enroll_cmd->add_option("--hq", enroll_opts.hq_url, "HQ's enrolment server, https://HOST[:PORT]")->required();
  enroll_cmd->add_option("--hq-ca", enroll_opts.hq_ca, "PEM that signed the server's certificate (default: system trust)")
      ->check(CLI::ExistingFile);
  enroll_cmd->add_option("-c,--config", enroll_config, "The agent's configuration file")->capture_default_str();

  auto* update_cmd = app.add_subcommand("update", "Software updates HQ asks for (run as root by kelu-update.service)");
  update_cmd->require_subcommand(1);
  auto* update_apply_cmd = update_cmd->add_subcommand("apply", "Install the version the agent requested, or roll back");
  std::string update_config = "/etc/kelu/kelu.json", update_restart;
  kelu::update_options update_opts;
  update_apply_cmd->add_option("-c,--config", update_config, "The agent's configuration (where its data lives)")
      ->capture_default_str();
  update_apply_cmd->add_option("--dir", update_opts.dir, "The update directory (default: update/ beside the database)");
  update_apply_cmd->add_option("--keep", update_opts.keep, "Where the running version's package is kept for a rollback")
      ->capture_default_str();
  std::int64_t update_allowance = 60;
  update_apply_cmd->add_option("--start-allowance", update_allowance,
                               "Seconds the agent may take to start, beyond the health gate's own")
      ->capture_default_str()
      ->check(CLI::Range(0, 600));
  update_apply_cmd->add_option("--restart", update_restart,
                               "Command that restarts the agent (default: systemctl restart kelu.service)");

  auto* hq_cmd = app.add_subcommand("hq", "HQ's tools: enrolment codes and the enrolment server");
  hq_cmd->require_subcommand(1);
  kelu::hq::enrol_code_options code_opts;
  auto* code_cmd = hq_cmd->add_subcommand("enroll-code", "Issue a one-time code that enrols a box as a store");
  code_cmd->add_option("--codes", code_opts.codes, "The codes file (SQLite), shared with enroll-server")->required();
  code_cmd->add_option("--tenant", code_opts.tenant, "Tenant");
  code_cmd->add_option("--store", code_opts.store, "Store id");
  code_cmd->add_option("--valid-hours", code_opts.valid_hours, "How long the code can be used")->capture_default_str();
  code_cmd->add_option("--settings", code_opts.settings, "JSON object of key paths the box runs with")
      ->check(CLI::ExistingFile);
  code_cmd->add_option("--hq", code_opts.hq_url, "The enrolment server's URL, printed in the technician's command");
  code_cmd->add_flag("--list", code_opts.list, "List the codes (of --tenant) instead");
  kelu::hq::enrol_server_options server_opts;
  std::string server_sign;
  auto* server_cmd = hq_cmd->add_subcommand("enroll-server", "Serve enrolments over https until SIGTERM");
  server_cmd->add_option("--codes", server_opts.codes, "The codes file (SQLite)")->required();
  server_cmd->add_option("--sign", server_sign,
                         "Signing command, words split on spaces; TENANT STORE CSR OUT are appended "
                         "(\"scripts/hq-ca sign /srv/kelu-ca\")")
      ->required();
  std::string server_revoke;
  server_cmd->add_option("--revoke", server_revoke,
                         "Revoking command, words split on spaces; CERT is appended (\"scripts/hq-ca revoke "
                         "/srv/kelu-ca\"): a store enrolled again has its earlier certificates revoked");
  server_cmd->add_option("--ca", server_opts.ca, "PEM of the CA that signed the broker's certificate (boxes trust it)")
      ->required()
      ->check(CLI::ExistingFile);
  server_cmd->add_option("--cert", server_opts.cert, "This server's https certificate (PEM chain)")->required();
  server_cmd->add_option("--key", server_opts.key, "Its private key (PEM)")->required();
  server_cmd->add_option("--settings", server_opts.settings, "JSON object of key paths every box runs with")
      ->check(CLI::ExistingFile);
  server_cmd->add_option("--listen", server_opts.listen, "Address")->capture_default_str();
  server_cmd->add_option("--port", server_opts.port, "Port (0: any free one, printed)")->capture_default_str();

  std::string ingest_config, ingest_format;
  kelu::ingest_options ingest;
  auto* ingest_cmd = app.add_subcommand(
      "ingest", "Backfill history from exported files (POSLog, CSV, ESC/POS captures, JSON lines) into the store");
  ingest_cmd->add_option("-c,--config", ingest_config, "Configuration file")->required()->check(CLI::ExistingFile);
  ingest_cmd->add_option("--format", ingest_format, "poslog|csv|escpos|jsonl (default: by file extension)")
      ->check(CLI::IsMember({"poslog", "csv", "escpos", "jsonl"}));
  ingest_cmd->add_option("paths", ingest.paths, "Files, or folders of files")->required();
  ingest_cmd->add_flag("--json", ingest.json, "Print the summary as JSON");
  ingest_cmd->add_flag("--dry-run", ingest.dry_run, "Parse and summarise only; store nothing (check a mapping)");

  std::string report_config;
  kelu::report_options report;
  auto* report_cmd = app.add_subcommand("report", "A day's funnel per hour, associates, products and coverage");
  report_cmd->add_option("-c,--config", report_config, "Configuration file")->required()->check(CLI::ExistingFile);
  report_cmd->add_option("--day", report.day, "YYYY-MM-DD in the store's time zone (default: today so far)");
  report_cmd->add_flag("--json", report.json, "Print the documented JSON form (docs/analytics.md)");
  report_cmd->add_option("--database", report.database, "Database file (default: the config's storage.path)");
  report_cmd->add_option("--events", report.events_of,
                         "HH:MM: print the raw events behind that hour's figures, one JSON per line");

  std::string qr_config;
  kelu::qr_options qr;
  auto* qr_cmd = app.add_subcommand("qr", "The dashboard's QR code: in the terminal, as a printable A6 sign, as PNG");
  qr_cmd->add_option("-c,--config", qr_config, "Configuration file")->required()->check(CLI::ExistingFile);
  qr_cmd->add_option("--svg", qr.svg, "Write the A6 sign (store name, code, how to use it) for printing");
  qr_cmd->add_option("--png", qr.png, "Write the code alone as PNG");
  qr_cmd->add_flag("--rotate", qr.rotate, "Replace the key first: every code printed before stops working");

  std::string tls_config;
  kelu::tls_options tls;
  kelu::doctor_options doctor;
  bool doctor_json = false;
  auto* doctor_cmd = app.add_subcommand(
      "doctor", "Is this box fit to leave? Config, database, disk, clocks, broker, cameras, tills, dashboard");
  doctor_cmd->add_option("-c,--config", doctor.config_path, "Configuration file")
      ->default_val("/etc/kelu/kelu.json")
      ->check(CLI::ExistingFile);
  doctor_cmd->add_flag("--json", doctor_json, "As JSON");

  auto* tls_cmd = app.add_subcommand(
      "tls", "The dashboard's https certificate: create the self-signed one if absent, print its fingerprint");
  tls_cmd->add_option("-c,--config", tls_config, "Configuration file")->required()->check(CLI::ExistingFile);
  tls_cmd->add_flag("--renew", tls.renew, "Replace the self-signed certificate (phones accept it once more)");

  auto* passwd_cmd = app.add_subcommand(
      "passwd", "Print the hash of a technician password for dashboard.technician_password (reads it from stdin)");
  bool passwd_set = false;
  std::string passwd_config = "/etc/kelu/kelu.json";
  passwd_cmd->add_flag("--set", passwd_set, "Have the running agent keep it (the technician's settings), no file to edit");
  passwd_cmd->add_option("-c,--config", passwd_config, "The agent's configuration file (with --set)")->capture_default_str();

#ifdef KELU_WITH_VISION
  kelu::count_options count;
  auto* count_cmd = app.add_subcommand("count", "Count people crossing lines in a recorded video, as fast as it runs");
  count_cmd->add_option("--video", count.video, "Video file (or rtsp:// URL, /dev/videoN)")->required();
  count_cmd->add_option("--config", count.config_path, "Take lines, zones and detector from a camera in this config")
      ->check(CLI::ExistingFile);
  count_cmd->add_option("--camera", count.camera_id, "With --config: the camera's id (default: the first)");
  count_cmd->add_option("--line", count.lines, "NAME=x1,y1,x2,y2 in pixels; `in` is the side where the "
                                               "cross product (B-A)x(P-A) > 0 (walking down a left-to-right line)");
  count_cmd->add_option("--detector", count.detector, "bgs|hog|dnn (default: the config's, else bgs)")
      ->check(CLI::IsMember({"bgs", "hog", "dnn"}));
  count_cmd->add_option("--model", count.model, "dnn: Darknet .cfg and .weights, or one .onnx");
  count_cmd->add_option("--heatmap", count.heatmap, "Write the occupancy heat map to this PNG");
  count_cmd->add_option("--background", count.background, "Draw the heat map over this image (a snapshot you approved)");
  count_cmd->add_flag("--json", count.json, "Print {frames, fps, lines: {NAME: {in, out}}} as JSON");
  count_cmd->add_option("--fps", count.process_fps, "Process at most this many frames per second of video");
  count_cmd->add_option("--max-frames", count.max_frames, "Stop after this many frames");
  count_cmd->add_option("--person-height", count.person_height_px, "bgs: a person's height in pixels");
  count_cmd->add_option("--tracks", count.tracks_out, "Write confirmed tracks as frame,id,x,y,w,h");
  count_cmd->add_option("--store-at", count.store_at,
                        "With --config: store the recording's crossings and visits in the store's database as seen "
                        "from this time (e.g. 2026-11-21T10:00:00, the store's zone): a recorded day in the funnel");
  bool no_gate = false;
  count_cmd->add_flag("--no-motion-gate", no_gate, "Run the detector on every frame");
#endif

  CLI11_PARSE(app, argc, argv);

#ifdef KELU_WITH_VISION
  if (*count_cmd) {
    count.motion_gate = !no_gate;
    return kelu::run_count(count, std::cout, std::cerr);
  }
#endif

  if (*ingest_cmd)
    return with_config(ingest_config, [&](const kelu::config::config& c) {
      if (!ingest_format.empty()) ingest.format = kelu::drivers::format_from_name(ingest_format);
      return kelu::run_ingest(c, ingest, std::cout, std::cerr);
    });
  if (*report_cmd)
    return with_config(report_config, [&](const auto& c) { return kelu::run_report(c, report, std::cout, std::cerr); });
  if (*qr_cmd) return with_config(qr_config, [&](const auto& c) { return kelu::run_qr(c, qr, std::cout, std::cerr); });
  if (*tls_cmd) return with_config(tls_config, [&](const auto& c) { return kelu::run_tls(c, tls, std::cout, std::cerr); });
  if (*run_cmd) return run(run_config);
  if (*doctor_cmd) return kelu::run_doctor(doctor, doctor_json, std::cout);
  if (*passwd_cmd) return passwd(passwd_set ? passwd_config : std::string());
  if (*set_cmd) return kelu::run_config_set(set_assignments, set_resets, set_config, std::cout, std::cerr);
  if (*validate_cmd) return validate(validate_path);
  if (*show_cmd) return kelu::run_config_show(show_path, show_json, std::cout, std::cerr);
  if (*history_cmd) return kelu::run_config_history(history_path, history_limit, history_json, std::cout, std::cerr);
  if (*diff_cmd) return kelu::run_config_diff(diff_old, diff_new, std::cout, std::cerr);
  if (*apply_cmd) return kelu::run_config_apply(apply_file, apply_config, std::cout, std::cerr);
  if (*status_cmd) return kelu::run_status(status_config, status_json, std::cout, std::cerr);
  if (*sample_cmd) {
    if (sample_path.empty()) {
      std::cout << kelu::config::sample_text();
      return 0;
    }
    std::ofstream out(sample_path, std::ios::binary | std::ios::trunc);
    out << kelu::config::sample_text();
    out.close();
    if (!out) {
      std::cerr << sample_path << ": cannot write: " << std::strerror(errno) << "\n";
      return 1;
    }
    return 0;
  }
  if (*tail_cmd) return hq_tail(tail);
  if (*enroll_cmd) return enroll(enroll_config, enroll_opts);
  if (*update_apply_cmd) {
    update_opts.start_allowance = std::chrono::seconds(update_allowance);
    return update_apply(update_config, update_opts, update_restart);
  }
  if (*code_cmd) {
    if (!code_opts.list && (code_opts.tenant.empty() || code_opts.store.empty())) {
      std::cerr << "enroll-code: --tenant and --store are required (or --list)\n";
      return 2;
    }
    return kelu::hq::run_enrol_code(code_opts, std::cout, std::cerr);
  }
  if (*server_cmd) {
    server_opts.sign = words(server_sign);
    server_opts.revoke = words(server_revoke);
    return kelu::hq::run_enrol_server(server_opts, std::cout, std::cerr);
  }
  if (*simulate_cmd) {
    const auto colon = connect.rfind(':');
    if (colon == std::string::npos) {
      std::cerr << "--connect: expected host:port, got " << connect << "\n";
      return 2;
    }
    sim.host = connect.substr(0, colon);
    sim.port = static_cast<std::uint16_t>(std::stoi(connect.substr(colon + 1)));
    return simulate(sim);
  }
  return 0;
}
