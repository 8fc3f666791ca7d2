// kelu: the command line. Subcommands parse their options and hand over to the library
// types; nothing here holds logic worth testing apart from the process around it.
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <csignal>
#include <iostream>

#include "agent.hpp"
#include "config/loader.hpp"
#include "config/schema.hpp"
#include "drivers/pos_simulator.hpp"
#include "kelu/version.hpp"

namespace {

std::atomic<bool> simulator_stop{false};

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

int run(const std::string& path) {
  // A peer that closes mid-write (a till, the broker over TLS) must be an error value, not the
  // end of the process.
  std::signal(SIGPIPE, SIG_IGN);
  auto log = std::make_shared<spdlog::logger>("kelu", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  const auto loaded = kelu::config::load_file(path);
  if (!loaded.ok()) {
    for (const auto& e : loaded.errors) log->error("{}", e.to_string());
    return 2;
  }
  log->set_level(spdlog::level::from_str(loaded.value.log.level));
  log->flush_on(spdlog::level::info);
  kelu::agent a{loaded.value, path, log};
  if (auto st = a.start(); !st) {
    log->critical("{}", st.error_message());
    return 3;
  }
  return a.run();
}

int simulate(const kelu::drivers::simulator_options& o) {
  std::signal(SIGINT, [](int) { simulator_stop = true; });
  std::signal(SIGTERM, [](int) { simulator_stop = true; });
  auto totals = kelu::drivers::simulate_pos(o, simulator_stop, std::cout);
  if (!totals) {
    std::cerr << "simulate: " << totals.error_message() << "\n";
    return 1;
  }
  std::cout << "sent " << totals->sent << ": stored " << totals->stored << ", duplicates " << totals->duplicates
            << ", rejected " << totals->rejected << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
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

  kelu::drivers::simulator_options sim;
  std::string connect = "127.0.0.1:9750";
  auto* simulate_cmd = app.add_subcommand("simulate", "Act as a till: replay POS transactions to an agent");
  simulate_cmd->add_option("--connect", connect, "host:port of the agent's POS listener")->capture_default_str();
  simulate_cmd->add_option("--file", sim.file, "JSON lines to replay")->required()->check(CLI::ExistingFile);
  simulate_cmd->add_option("--rate", sim.rate_per_s, "Transactions per second; 0 for as fast as answered")
      ->capture_default_str();
  simulate_cmd->add_flag("--loop", sim.loop, "Replay until interrupted, with fresh transaction ids per round");

  CLI11_PARSE(app, argc, argv);

  if (*run_cmd) return run(run_config);
  if (*validate_cmd) return validate(validate_path);
  if (*sample_cmd) {
    std::cout << kelu::config::sample_text();
    return 0;
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
