// SPDX-License-Identifier: Apache-2.0
// Does compressing the backlog pay? A store back from an outage sends its history through the
// backfill lane; on a slow uplink (shops on 4G) the bytes, not the broker, set the drain time.
// This measures, on a busy day's real outbox rows (bench/busy_day.hpp, as the box sends them:
// flagged historical, on their own topics), how many bytes go on the wire one message per event
// and in compressed batches of 10 / 100 / 1000 events, with zlib's deflate (in every HQ
// language's standard library) and zstd, and what compressing costs beside the limit measured
// in the same run: encoding the events to JSON, which the box does for every event anyway.
#if KELU_HAVE_ZSTD
#include <zstd.h>
#endif

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "analytics/weekly_hours.hpp"
#include "busy_day.hpp"
#include "raw_sqlite.hpp"
#include "sync/batch_codec.hpp"
#include "sync/event_store.hpp"
#include "sync/outbox.hpp"
#include "sync/topics.hpp"

using namespace kelu;
using namespace std::chrono;

namespace {

double seconds_of(const std::function<void()>& f, int repeat) {
  const auto t0 = steady_clock::now();
  for (int i = 0; i < repeat; ++i) f();
  return duration<double>(steady_clock::now() - t0).count() / repeat;
}

// An MQTT 3.1.1 QoS 1 PUBLISH: fixed header (1 + remaining length), topic (2 + n), packet id (2),
// payload; and its 4-byte PUBACK coming back (counted: on a half-duplex radio it costs too).
std::size_t wire_bytes(std::size_t topic, std::size_t payload) {
  const std::size_t remaining = 2 + topic + 2 + payload;
  std::size_t length_bytes = 1;
  for (std::size_t r = remaining; r >= 128; r /= 128) ++length_bytes;
  return 1 + length_bytes + remaining + 4;
}

#if KELU_HAVE_ZSTD
// The same lines as sync::deflate_batch packs, through zstd instead.
std::string zstd(const std::vector<std::string>& events) {
  std::string in;
  for (const auto& e : events) (in += e) += '\n';
  std::string out(ZSTD_compressBound(in.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3));
  return out;
}
#endif

}  // namespace

int main() {
  const auto zone = core::time_zone::load("Asia/Shanghai").value();
  const auto start = analytics::local_midnight(sys_days{2026y / 11 / 27}, zone);
  auto events = bench::busy_day(start);
  auto db = sync::database::open({bench::fresh_db("compression.db").string(), false}).value();
  sync::outbox out{*db};
  sync::event_store store{*db, out, sync::topics("acme", "sh-jingan-001")};
  if (!store.append(events, start + days(1))) return 1;
  std::vector<sync::outbox_row> rows = out.peek(0, events.size() + 10);
  std::vector<std::string> sent;  // as the backfill lane sends them
  std::size_t raw = 0, wire = 0;
  for (const auto& r : rows) {
    sent.push_back(core::mark_historical(r.payload));
    raw += sent.back().size();
    wire += wire_bytes(r.topic.size(), sent.back().size());
  }
  const std::size_t topic = (sync::topics("acme", "sh-jingan-001").backfill_root() + rows.front().stream).size();
  const double encode = seconds_of(
      [&] {
        std::size_t n = 0;
        for (auto e : events) n += core::encode(e).size();
        if (n == 0) std::abort();
      },
      5);
  const double per_event = static_cast<double>(events.size());
  std::printf("compression bench: one busy day's backlog, %zu messages, %.0f KB of payload, %.0f KB on the wire\n",
              sent.size(), static_cast<double>(raw) / 1024.0, static_cast<double>(wire) / 1024.0);
  std::printf("  encoding the events to JSON (limit): %.2f us/event\n", encode / per_event * 1e6);
  std::printf("  %-8s %6s %10s %9s %14s %12s\n", "codec", "batch", "wire KB", "of plain", "us/event", "x encode");
  // zlib is the box's own codec (sync::deflate_batch); zstd only for comparison.
  std::vector<std::pair<const char*, std::string (*)(const std::vector<std::string>&)>> codecs{
      {"deflate", &sync::deflate_batch}};
#if KELU_HAVE_ZSTD
  codecs.emplace_back("zstd-3", &zstd);
#endif
  std::size_t batched = 0;  // zlib, 100 a message: as mqtt.backfill_batch 100 sends
  for (const auto& [name, codec] : codecs) {
    for (const std::size_t batch : {1u, 10u, 100u, 1000u}) {
      std::size_t bytes = 0;
      const double t = seconds_of(
          [&] {
            bytes = 0;
            for (std::size_t i = 0; i < sent.size(); i += batch) {
              const auto end = std::min(sent.size(), i + batch);
              bytes += wire_bytes(topic, codec({sent.begin() + static_cast<std::ptrdiff_t>(i),
                                                sent.begin() + static_cast<std::ptrdiff_t>(end)})
                                             .size());
            }
          },
          3);
      if (codec == &sync::deflate_batch && batch == 100) batched = bytes;
      std::printf("  %-8s %6zu %10.0f %8.1f%% %14.2f %12.2f\n", name, batch, static_cast<double>(bytes) / 1024.0,
                  100.0 * static_cast<double>(bytes) / static_cast<double>(wire), t / per_event * 1e6,
                  t / encode);
    }
  }
  // What it means for a store back from a week offline on a 1 Mbit/s uplink.
  const auto week_minutes = [](std::size_t bytes) { return 7.0 * static_cast<double>(bytes) * 8 / 1e6 / 60; };
  std::printf("  a week's backlog at 1 Mbit/s: %.1f min one message per event, %.1f min in zlib batches of 100 "
              "(sync::deflate_batch)\n",
              week_minutes(wire), week_minutes(batched));
  return 0;
}
