// SPDX-License-Identifier: Apache-2.0
// Durable ingest: POS transactions over TCP into SQLite, acknowledged after commit, against
// the limit measured in the same run: a raw SQLite bulk insert of the same rows (one
// transaction, prepared statements, same schema, same synchronous setting).
// Prints a Markdown table; numbers go to docs/BENCHMARKS.md with the machine they ran on.
//
//   ingest_bench [events=20000] [connections=1,4] [chunk=200]
#include <sqlite3.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <thread>
#include <vector>

#include "config/schema.hpp"
#include "drivers/pos_tcp_client.hpp"
#include "drivers/pos_tcp_source.hpp"
#include "sync/database.hpp"
#include "sync/event_store.hpp"
#include "sync/group_committer.hpp"
#include "sync/outbox.hpp"
#include "raw_sqlite.hpp"
#include "sample_sales.hpp"

namespace {

using namespace kelu;
using clk = std::chrono::steady_clock;

using bench::sale_line;

struct tcp_result {
  double seconds = 0;
  std::int64_t transactions = 0;
};

tcp_result tcp_ingest(int events, int connections, int chunk, bool full_sync) {
  auto db = sync::database::open({bench::fresh_db("tcp.db").string(), full_sync}).value();
  sync::outbox out{*db};
  sync::event_store store{*db, out, sync::topics("bench", "s1")};
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  core::system_clock clock;
  sync::group_committer committer{io.get_executor(), store, clock, 1'000'000, 5000};
  auto o = drivers::pos_tcp_options_for(config::defaults(), core::time_zone::utc());
  o.listen = "127.0.0.1";
  o.port = 0;
  o.store_id = "s1";
  drivers::pos_tcp_source source{io.get_executor(), committer, clock, o,
                                 std::make_shared<spdlog::logger>("b", std::make_shared<spdlog::sinks::null_sink_mt>())};
  if (!source.start()) std::abort();
  std::thread io_thread([&] { io.run(); });

  std::vector<std::vector<std::string>> bursts(static_cast<std::size_t>(connections));
  for (int n = 0; n < events; ++n) {
    auto& b = bursts[static_cast<std::size_t>(n % connections)];
    if (b.empty() || static_cast<int>(std::count(b.back().begin(), b.back().end(), '\n')) == chunk) b.emplace_back();
    b.back() += sale_line(n);
  }
  std::atomic<int> acked{0};
  const auto t0 = clk::now();
  std::vector<std::thread> tills;
  for (int c = 0; c < connections; ++c)
    tills.emplace_back([&, c] {
      auto client = drivers::pos_tcp_client::connect("127.0.0.1", source.port(), std::chrono::seconds(5)).value();
      for (const auto& burst : bursts[static_cast<std::size_t>(c)]) {
        if (!client.send(burst, std::chrono::seconds(30))) std::abort();
        const auto lines = std::count(burst.begin(), burst.end(), '\n');
        for (long i = 0; i < lines; ++i) {
          auto a = client.read_line(std::chrono::seconds(30));
          if (!a || a->find("\"ok\":true") == std::string::npos) std::abort();
          ++acked;
        }
      }
    });
  for (auto& t : tills) t.join();
  const double seconds = std::chrono::duration<double>(clk::now() - t0).count();
  std::promise<std::int64_t> tx;
  boost::asio::post(io, [&] {
    source.stop();
    tx.set_value(committer.stats().transactions);
  });
  const auto transactions = tx.get_future().get();
  work.reset();
  io.stop();
  io_thread.join();
  if (acked != events || store.count() != events) std::abort();
  return {seconds, transactions};
}

double raw_sqlite(int events, bool full_sync) {
  std::vector<core::event> rows;
  for (int n = 0; n < events; ++n) rows.push_back(bench::sale_event(n));
  return bench::raw_sqlite_seconds(std::move(rows), full_sync);
}

}  // namespace

int main(int argc, char** argv) {
  const int events = argc > 1 ? std::atoi(argv[1]) : 20000;
  const int chunk = argc > 3 ? std::atoi(argv[3]) : 200;
  std::vector<int> connection_counts{1, 4};
  if (argc > 2) connection_counts = {std::atoi(argv[2])};
  std::printf("events: %d, pipelined in bursts of %d lines per connection\n\n", events, chunk);
  std::printf("| synchronous | path | connections | events/s | transactions | events/transaction | vs raw SQLite |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  for (const bool full : {true, false}) {
    const char* mode = full ? "FULL" : "NORMAL";
    const double raw = raw_sqlite(events, full);
    const double raw_rate = events / raw;
    std::printf("| %s | raw SQLite bulk insert (limit) | - | %.0f | 1 | %d | 1.00 |\n", mode, raw_rate, events);
    for (const int c : connection_counts) {
      const auto r = tcp_ingest(events, c, chunk, full);
      const double rate = events / r.seconds;
      std::printf("| %s | TCP -> parse -> group commit -> ack | %d | %.0f | %lld | %.1f | %.2f |\n", mode, c, rate,
                  static_cast<long long>(r.transactions), static_cast<double>(events) / static_cast<double>(r.transactions),
                  rate / raw_rate);
    }
    // A till that waits for each answer before the next sale: the commit latency a cashier sees.
    const int single = std::min(events, 2000);
    const auto r = tcp_ingest(single, 1, 1, full);
    std::printf("| %s | one line at a time, waiting for each answer (%.2f ms per sale) | 1 | %.0f | %lld | %.1f | %.2f |\n",
                mode, 1000.0 * r.seconds / single, single / r.seconds, static_cast<long long>(r.transactions),
                static_cast<double>(single) / static_cast<double>(r.transactions), single / r.seconds / raw_rate);
  }
  std::filesystem::remove_all(std::filesystem::temp_directory_path() / ("kelu-bench-" + std::to_string(::getpid())));
  return 0;
}
