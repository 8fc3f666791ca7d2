#include "ingest_command.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include "agent/core/clock.hpp"
#include "ingest_summary.hpp"
#include "pos_sources.hpp"
#include "sync/database.hpp"
#include "sync/event_store.hpp"
#include "sync/outbox.hpp"
#include "sync/topics.hpp"

namespace kelu {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t chunk_events = 500;

std::vector<fs::path> expand(const std::vector<std::string>& paths, ingest_summary& summary) {
  std::vector<fs::path> out;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<fs::path> files;
      for (const auto& entry : fs::directory_iterator(p, ec))
        if (entry.is_regular_file() && !entry.path().filename().string().starts_with(".")) files.push_back(entry.path());
      std::sort(files.begin(), files.end());
      out.insert(out.end(), files.begin(), files.end());
    } else if (fs::is_regular_file(p, ec)) {
      out.emplace_back(p);
    } else {
      summary.add_rejected(p, "no such file or folder");
    }
  }
  return out;
}

}  // namespace

int run_ingest(const config::config& c, const ingest_options& o, std::ostream& out, std::ostream& err) {
  auto zone = core::time_zone::load(c.store.time_zone);
  if (!zone) {
    err << "store.time_zone: " << zone.error_message() << "\n";
    return 2;
  }
  auto formats = format_options_for(c, *zone);
  if (!formats) {
    err << formats.error_message() << "\n";
    return 2;
  }
  std::unique_ptr<sync::database> db;
  std::optional<sync::outbox> outbox;
  std::optional<sync::event_store> store;
  if (!o.dry_run) {
    auto opened = sync::database::open({c.storage.path, c.storage.synchronous == "full"});
    if (!opened) {
      err << opened.error_message() << "\n";
      return 2;
    }
    db = std::move(opened).value();
    outbox.emplace(*db);
    store.emplace(*db, *outbox, sync::topics(c.store.tenant, c.store.id));
  }
  core::system_clock clock;
  ingest_summary summary;
  for (const auto& file : expand(o.paths, summary)) {
    const auto name = file.string();
    const auto format = o.format ? o.format : drivers::format_from_path(name);
    if (!format) {
      summary.add_rejected(name, "unknown format (extension); give --format poslog|csv|escpos|jsonl");
      continue;
    }
    std::ifstream in(file, std::ios::binary);
    const std::string bytes{std::istreambuf_iterator<char>(in), {}};
    if (!in.good() && !in.eof()) {
      summary.add_rejected(name, "cannot read");
      continue;
    }
    summary.add_file();
    auto parsed = drivers::parse_file(*format, bytes, *formats);
    if (!parsed) {
      summary.add_rejected(name, parsed.error_message());
      continue;
    }
    for (const auto& e : parsed->errors) summary.add_rejected(name, e);
    summary.add_ignored(parsed->ignored_kinds);
    const auto now = clock.now_utc();
    const drivers::event_origin origin{c.store.id, source_id_for(c, *format), now};
    std::vector<core::event> batch;
    const auto flush = [&]() -> bool {
      if (batch.empty()) return true;
      if (!store) {
        for (const auto& e : batch) summary.add(e, false);
        batch.clear();
        return true;
      }
      auto r = store->append(batch, now, /*history=*/true);
      if (!r) {
        err << name << ": " << r.error_message() << "\n";
        return false;
      }
      for (std::size_t i = 0; i < batch.size(); ++i) summary.add(batch[i], (*r)[i].duplicate);
      batch.clear();
      return true;
    };
    for (auto& rec : parsed->records) {
      batch.push_back(drivers::make_pos_event(std::move(rec), origin, *zone));
      if (batch.size() >= chunk_events && !flush()) return 2;
    }
    if (!flush()) return 2;
  }
  if (o.json)
    out << summary.to_json().dump(2) << "\n";
  else
    out << summary.to_text();
  return summary.rejected() > 0 ? 1 : 0;
}

}  // namespace kelu
