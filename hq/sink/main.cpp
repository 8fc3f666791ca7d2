// SPDX-License-Identifier: Apache-2.0
// `kelu-hq`: HQ's side that runs on HQ's servers, never on a box (so the box's `kelu` links no
// PostgreSQL client). `kelu-hq sink` is one sink member (sink_runner.hpp; docs/hq.md).
#include <CLI/CLI.hpp>
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "sink_runner.hpp"

namespace {

// SIGTERM and SIGINT end the member after its current batch (blocked here, taken by a thread).
std::thread stop_on_signal(std::atomic<bool>& stop) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return std::thread([set, &stop] {
    int signo = 0;
    sigwait(&set, &signo);
    stop = true;
  });
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Kelu HQ: the stores' data into PostgreSQL"};
  app.require_subcommand(1);
  kelu::hq::sink_options o;
  int timeout_s = 10;
  auto* sink = app.add_subcommand("sink", "File every store's events, aggregates and status into PostgreSQL");
  sink->add_option("--mqtt", o.mqtt_uri, "The broker, tcp://host:port")->required();
  sink->add_option("--db", o.database, "libpq connection string or postgresql:// URI")->required();
  sink->add_option("--client-id", o.client_id, "Stable per member: the broker keeps its session")->required();
  sink->add_option("--tenant", o.tenant, "One tenant's stores (default: every tenant, +)");
  sink->add_option("--share-group", o.share_group, "Share the stores with other members: $share/GROUP/...");
  sink->add_option("--username", o.username, "The broker's user name");
  sink->add_option("--password", o.password, "The broker's password (or KELU_HQ_MQTT_PASSWORD)")
      ->envname("KELU_HQ_MQTT_PASSWORD");
  sink->add_option("--batch", o.batch, "Messages per transaction at most")->check(CLI::Range(1, 100000));
  sink->add_option("--timeout", timeout_s, "Seconds for connecting and for each statement")->check(CLI::Range(1, 600));
  CLI11_PARSE(app, argc, argv);
  o.timeout = std::chrono::seconds(timeout_s);

  auto log = spdlog::stderr_color_mt("kelu-hq");
  std::atomic<bool> stop{false};
  auto signals = stop_on_signal(stop);
  kelu::hq::sink_runner runner(o, log);
  runner.run(stop);
  const auto s = runner.stats();
  log->info("sink: stopped: {} messages in {} batches; events {} new, {} duplicate; aggregates {} current, {} stale; "
            "{} statuses, {} quarantined",
            s.messages, s.batches, s.filed.events_new, s.filed.events_duplicate, s.filed.aggregates_current,
            s.filed.aggregates_stale, s.filed.statuses, s.filed.quarantined);
  signals.join();
  return 0;
}
