// SPDX-License-Identifier: Apache-2.0
// Delivery to HQ over a real mosquitto on loopback:
//  1. drain: how fast the publisher empties a backlog of N events from the outbox (QoS 1,
//     PUBACK before delete), beside the limit measured in the same run: mosquitto_pub -l
//     publishing the same payloads at QoS 1 to the same broker;
//  2. latency: a sale sent to the POS listener until an HQ subscriber receives it, p50/p99,
//     with the real source -> group commit -> outbox -> publisher path.
//
// Each drain runs one message per event and again with mqtt.backfill_batch 100 (events/s, so the
// ratio is about events, not messages), the window by messages alone (16, 64, 256) and with the
// default byte bound. With a backlog above 100000 (the issue's 1,000,000-event drain) only the
// defaults run, and
// the bench reports the process's resident memory before and during that drain.
//
//   sync_bench [backlog=20000] [sales=1000]
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mqtt/async_client.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "config/schema.hpp"
#include "drivers/pos_tcp_client.hpp"
#include "drivers/pos_tcp_source.hpp"
#include "sync/batch_codec.hpp"
#include "sync/database.hpp"
#include "sync/event_store.hpp"
#include "sync/group_committer.hpp"
#include "sync/mqtt_publisher.hpp"
#include "sync/outbox.hpp"
#include "sample_sales.hpp"

extern char** environ;

namespace {

using namespace kelu;
using namespace std::chrono_literals;
using clk = std::chrono::steady_clock;
namespace fs = std::filesystem;

pid_t spawn(std::vector<std::string> argv, const std::string& in, const std::string& out) {
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (!in.empty()) posix_spawn_file_actions_addopen(&fa, 0, in.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid = -1;
  if (posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ) != 0) std::abort();
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

double rss_mib() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024;
  return 0;
}

struct hq {
  explicit hq(const std::string& uri) : client(uri, "bench-hq", mqtt::create_options(MQTTVERSION_3_1_1), nullptr) {
    client.set_message_callback([this](mqtt::const_message_ptr m) {
      const auto now = clk::now();
      // A backfill batch counts the events it carries (HQ inflates it: part of the cost).
      std::int64_t events = 1;
      if (m->get_topic().find("/backfill/") != std::string::npos) {
        const auto lines = sync::inflate_batch(m->to_string(), 64 << 20);
        events = lines ? static_cast<std::int64_t>(lines->size()) : 0;
      }
      std::lock_guard lock(mutex);
      count += events;
      if (track) {
        const auto j = nlohmann::json::parse(m->to_string(), nullptr, false);
        if (j.is_object() && j.contains("payload")) arrived[j["payload"]["transaction_id"].get<std::string>()] = now;
      }
    });
    client.connect()->wait();
    client.subscribe("kelu/v1/bench/#", 1)->wait();
  }
  ~hq() { client.disconnect()->wait_for(2s); }
  std::int64_t received() {
    std::lock_guard lock(mutex);
    return count;
  }
  mqtt::async_client client;
  std::mutex mutex;
  std::int64_t count = 0;
  bool track = false;
  std::map<std::string, clk::time_point> arrived;
};

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  const int backlog = argc > 1 ? std::atoi(argv[1]) : 20000;
  const int sales = argc > 2 ? std::atoi(argv[2]) : 1000;
  const auto dir = fs::temp_directory_path() / ("kelu-sync-bench-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const int port = 20000 + static_cast<int>(::getpid() % 20000);
  std::ofstream(dir / "m.conf") << "listener " << port << " 127.0.0.1\nallow_anonymous true\nuser "
                                << (::geteuid() == 0 ? "root" : "mosquitto") << "\nmax_queued_messages 0\n";
  const pid_t broker = spawn({"/usr/sbin/mosquitto", "-c", (dir / "m.conf").string()}, "", (dir / "m.log").string());
  std::this_thread::sleep_for(500ms);
  const auto uri = "tcp://127.0.0.1:" + std::to_string(port);
  auto log = std::make_shared<spdlog::logger>("b", std::make_shared<spdlog::sinks::null_sink_mt>());
  if (std::getenv("KELU_BENCH_LOG")) log = spdlog::stderr_logger_mt("bench");

  // The same payloads for both drain runs: encoded events as the agent stores them.
  auto db = sync::database::open({(dir / "k.db").string(), true}).value();
  sync::outbox out{*db};
  sync::event_store store{*db, out, sync::topics("bench", "s1")};
  for (int from = 0; from < backlog; from += 50000) {  // in chunks: a million events at once is gigabytes
    std::vector<core::event> batch;
    for (int n = from; n < std::min(backlog, from + 50000); ++n) batch.push_back(bench::sale_event(n));
    if (!store.append(batch, core::from_unix_ms(0))) std::abort();
  }
  // mosquitto_pub -l sends as fast as it reads: given 100000 lines, mosquitto 2.0.11 dropped it
  // after about 3 s ("out of memory"). The limit is a rate, measured on the first 20000 lines.
  const int limit_lines = std::min(backlog, 20000);
  {
    std::ofstream lines(dir / "payloads.txt");
    for (const auto& r : out.peek(0, static_cast<std::size_t>(limit_lines))) lines << r.payload << "\n";
  }
  std::printf("backlog: %d events of ~%lld bytes; broker: mosquitto on loopback\n\n", backlog,
              static_cast<long long>(out.stats().bytes / backlog));

  // Limit: mosquitto_pub -l, one QoS 1 message per line, same broker, same payloads.
  double limit_rate = 0;
  {
    hq sink{uri};
    const auto t0 = clk::now();
    const pid_t pub = spawn({"/usr/bin/mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(port), "-q", "1", "-t",
                             "kelu/v1/bench/s1/limit", "-l"},
                            (dir / "payloads.txt").string(), (dir / "pub.log").string());
    int status = 0;
    ::waitpid(pub, &status, 0);
    while (sink.received() < limit_lines && clk::now() - t0 < 120s) std::this_thread::sleep_for(1ms);
    limit_rate = limit_lines / std::chrono::duration<double>(clk::now() - t0).count();
  }

  // The agent's publisher draining the outbox.
  std::vector<double> connect_ms;
  std::printf("| path | events/s | ratio to mosquitto_pub |\n|---|---|---|\n");
  std::printf("| mosquitto_pub -l, QoS 1, %d messages (limit) | %.0f | 1.00 |\n", limit_lines, limit_rate);
  const bool big = backlog > 100000;
  double rss_before = 0, rss_peak = 0;
  // {max_inflight, mqtt.max_inflight_bytes (0: none), mqtt.backfill_batch}: one message per event
  // by window size, then the defaults (64 and 16 KiB), then zlib batches of 100.
  struct run {
    std::size_t inflight, bytes, batch;
  };
  const std::size_t default_bytes = sync::publisher_options_for(config::defaults()).pump.max_inflight_bytes;
  const auto runs = big ? std::vector<run>{{64u, default_bytes, 0u}, {64u, default_bytes, 100u}}
                        : std::vector<run>{{16u, 0u, 0u},
                                           {64u, 0u, 0u},
                                           {256u, 0u, 0u},
                                           {64u, default_bytes, 0u},
                                           {64u, default_bytes, 100u}};
  for (const auto& [inflight, bytes, batch] : runs) {
    if (out.stats().rows == 0) {  // refill for the next window size
      sync::transaction tx{*db};
      db->exec("INSERT INTO outbox(topic, payload, qos, retain, priority, created_at, kind, stream) "
               "SELECT 'kelu/v1/bench/s1/events/pos', body, 1, 0, 0, 0, 1, 'pos' FROM events ORDER BY seq");
      tx.commit();
      out.reload();
    }
    hq sink{uri};
    boost::asio::io_context io;
    auto work = boost::asio::make_work_guard(io);  // Paho's callbacks post from another thread
    auto o = sync::publisher_options_for(config::defaults());
    o.link.uri = uri;
    o.link.client_id = "bench-box";
    o.pump.max_inflight = inflight;
    o.pump.max_inflight_bytes = bytes;
    o.pump.backfill_batch = batch;
    o.pump.backfill_root = "kelu/v1/bench/s1/backfill/";
    o.pump.backfill_rate_per_s = 0;  // the drain as fast as the broker takes it, not mqtt's default cap
    o.link.status_topic = "kelu/v1/bench/s1/status";
    sync::mqtt_publisher pub{io.get_executor(), out, o, log};
    const auto c0 = clk::now();
    pub.start();
    // Timed from the CONNACK: Paho's connect alone takes 1-2 s here (reported below).
    while (!pub.stats().connected && clk::now() - c0 < 30s) io.run_one_for(1ms);
    connect_ms.push_back(std::chrono::duration<double, std::milli>(clk::now() - c0).count());
    const auto t0 = clk::now();
    rss_before = rss_mib();
    rss_peak = rss_before;
    auto sampled = t0;
    while (out.stats().rows > 0 && clk::now() - t0 < 1800s) {
      io.run_for(10ms);
      if (clk::now() - sampled > 1s) {
        rss_peak = std::max(rss_peak, rss_mib());
        sampled = clk::now();
      }
    }
    const double seconds = std::chrono::duration<double>(clk::now() - t0).count();
    while (sink.received() < backlog && clk::now() - t0 < 1800s) std::this_thread::sleep_for(1ms);
    bool stopped = false;
    pub.stop(2s, [&] { stopped = true; });
    while (!stopped) io.run_for(10ms);
    std::printf("| kelu publisher drain of %d, max_inflight %zu%s%s (delete after PUBACK) | %.0f | %.2f |\n",
                backlog, inflight, bytes > 0 ? (", max_inflight_bytes " + std::to_string(bytes)).c_str() : "",
                batch > 0 ? (", zlib batches of " + std::to_string(batch)).c_str() : "", backlog / seconds,
                backlog / seconds / limit_rate);
    std::printf("drain time: %.1f s\n", seconds);
  }

  std::printf("\nconnect to CONNACK (Paho async client):");
  for (double ms : connect_ms) std::printf(" %.0f ms", ms);
  std::printf("\nresident memory of this process (publisher, outbox, broker client, HQ subscriber): %.1f MiB when "
              "the last drain started, at most %.1f MiB during it\n",
              rss_before, rss_peak);

  // Latency: till -> POS listener -> commit (fsync) -> outbox -> publisher -> broker -> HQ.
  {
    hq sink{uri};
    sink.track = true;
    boost::asio::io_context io;
    auto work = boost::asio::make_work_guard(io);
    core::system_clock clock;
    sync::group_committer committer{io.get_executor(), store, clock, 10000, 5000};
    auto o = sync::publisher_options_for(config::defaults());
    o.link.uri = uri;
    o.link.client_id = "bench-box";
    o.link.status_topic = "kelu/v1/bench/s1/status";
    sync::mqtt_publisher pub{io.get_executor(), out, o, log};
    committer.on_commit([&] { pub.wake(); });
    auto po = drivers::pos_tcp_options_for(config::defaults(), core::time_zone::utc());
    po.listen = "127.0.0.1";
    po.port = 0;
    po.store_id = "s1";
    drivers::pos_tcp_source source{io.get_executor(), committer, clock, po, log};
    if (!source.start()) std::abort();
    pub.start();
    std::thread io_thread([&] { io.run(); });
    for (int i = 0; i < 3000; ++i) {  // until connected: a stats() copy is taken on the io thread
      std::promise<bool> connected;
      boost::asio::post(io, [&] { connected.set_value(pub.stats().connected); });
      if (connected.get_future().get()) break;
      std::this_thread::sleep_for(10ms);
    }
    auto till = drivers::pos_tcp_client::connect("127.0.0.1", source.port(), 5s).value();
    std::map<std::string, clk::time_point> sent;
    auto next = clk::now();
    for (int n = 0; n < sales; ++n) {
      next += 10ms;  // 100 sales/s, far above a store's rate, so queues stay short
      std::this_thread::sleep_until(next);
      sent["S" + std::to_string(n)] = clk::now();
      if (!till.send(bench::sale_line(n, "S"), 5s) || !till.read_line(5s)) std::abort();
    }
    const auto t0 = clk::now();
    while (clk::now() - t0 < 10s) {
      std::lock_guard lock(sink.mutex);
      if (sink.arrived.size() >= static_cast<std::size_t>(sales)) break;
    }
    std::vector<double> ms;
    {
      std::lock_guard lock(sink.mutex);
      for (const auto& [id, t] : sent)
        if (const auto it = sink.arrived.find(id); it != sink.arrived.end())
          ms.push_back(std::chrono::duration<double, std::milli>(it->second - t).count());
    }
    std::sort(ms.begin(), ms.end());
    const auto pct = [&](double p) { return ms.empty() ? 0.0 : ms[static_cast<std::size_t>(p * static_cast<double>(ms.size() - 1))]; };
    std::printf("\nlatency, sale sent -> HQ subscriber received (%zu of %d sales, 100/s, synchronous=FULL):\n"
                "p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
                ms.size(), sales, pct(0.5), pct(0.99), ms.empty() ? 0.0 : ms.back());
    std::promise<void> done;
    boost::asio::post(io, [&] {
      source.stop();
      pub.stop(1s, [&] { done.set_value(); });
    });
    done.get_future().wait();
    work.reset();
    io.stop();
    io_thread.join();
  }
  ::kill(broker, SIGTERM);
  ::waitpid(broker, nullptr, 0);
  fs::remove_all(dir);
  return 0;
}
