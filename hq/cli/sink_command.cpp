// SPDX-License-Identifier: Apache-2.0
// `kelu-hq sink`: one sink member (hq/sink/sink_runner.hpp; docs/hq.md, "The database").
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <memory>
#include <thread>

#include "commands.hpp"
#include "hq/sink/sink_runner.hpp"

namespace kelu::hq::cli {

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

struct sink_settings {
  sink_options o;
  int timeout_s = 10;
  int grace_s = 30;
  int retry_s = 600;
  int scan_ms = 1000;
};

int run_sink(sink_settings& s) {
  s.o.timeout = std::chrono::seconds(s.timeout_s);
  s.o.gaps.grace = std::chrono::seconds(s.grace_s);
  s.o.gaps.retry = std::chrono::seconds(s.retry_s);
  s.o.scan_interval = std::chrono::milliseconds(s.scan_ms);
  auto log = spdlog::stderr_color_mt("kelu-hq");
  std::atomic<bool> stop{false};
  auto signals = stop_on_signal(stop);
  sink_runner runner(s.o, log);
  runner.run(stop);
  const auto st = runner.stats();
  log->info("sink: stopped: {} messages in {} batches; events {} new, {} duplicate; aggregates {} current, {} stale; "
            "{} statuses, {} replay replies, {} quarantined; {} gap scans, {} replay requests",
            st.messages, st.batches, st.filed.events_new, st.filed.events_duplicate, st.filed.aggregates_current,
            st.filed.aggregates_stale, st.filed.statuses, st.filed.replay_replies, st.filed.quarantined, st.gap_scans,
            st.replay_requests);
  signals.join();
  return 0;
}

}  // namespace

command add_sink(CLI::App& app) {
  auto s = std::make_shared<sink_settings>();
  auto* sink = app.add_subcommand("sink", "File every store's events, aggregates and status into PostgreSQL");
  sink->add_option("--mqtt", s->o.mqtt_uri, "The broker, tcp://host:port or ssl://host:port (or KELU_HQ_MQTT)")
      ->envname("KELU_HQ_MQTT")
      ->required();
  sink->add_option("--db", s->o.database, "libpq connection string or postgresql:// URI (or KELU_HQ_DB)")
      ->envname("KELU_HQ_DB")
      ->required();
  sink->add_option("--client-id", s->o.client_id, "Stable per member: the broker keeps its session")->required();
  sink->add_option("--tenant", s->o.tenant, "One tenant's stores (default: every tenant, +; or KELU_HQ_TENANT)")
      ->envname("KELU_HQ_TENANT");
  sink->add_option("--share-group", s->o.share_group,
                   "Share the stores with other members: $share/GROUP/... (or KELU_HQ_SHARE_GROUP)")
      ->envname("KELU_HQ_SHARE_GROUP");
  sink->add_option("--username", s->o.username, "The broker's user name (or KELU_HQ_MQTT_USERNAME)")
      ->envname("KELU_HQ_MQTT_USERNAME");
  sink->add_option("--password", s->o.password, "The broker's password (or KELU_HQ_MQTT_PASSWORD)")
      ->envname("KELU_HQ_MQTT_PASSWORD");
  add_broker_tls(*sink, s->o.tls);
  sink->add_option("--batch", s->o.batch, "Messages per transaction at most (or KELU_HQ_BATCH)")
      ->envname("KELU_HQ_BATCH")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  sink->add_option("--timeout", s->timeout_s, "Seconds for connecting and for each statement")
      ->check(CLI::Range(1, 600));
  sink->add_option("--gap-grace", s->grace_s, "Seconds a stream with a hole may make no progress before a replay "
                                              "is asked (default 30)")
      ->check(CLI::Range(1, 86400));
  sink->add_option("--replay-retry", s->retry_s, "Seconds without progress before a replay is asked again "
                                                 "(default 600)")
      ->check(CLI::Range(1, 604800));
  sink->add_option("--scan-interval", s->scan_ms, "Milliseconds between this member's tries to scan for gaps "
                                                  "(default 1000)")
      ->check(CLI::Range(100, 3'600'000));
  return [sink, s] { return sink->parsed() ? run_sink(*s) : -1; };
}

}  // namespace kelu::hq::cli
