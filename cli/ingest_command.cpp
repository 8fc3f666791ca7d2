// SPDX-License-Identifier: Apache-2.0
#include "ingest_command.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include "core/clock.hpp"
#include "ingest_summary.hpp"
#include "agent/pos_sources.hpp"
#include "sync/database.hpp"
#include "sync/event_store.hpp"
#include "sync/outbox.hpp"
#include "sync/topics.hpp"

namespace kelu::cli {

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

// One run over the files: the store (absent in a dry run), the overall summary and, in a dry
// run, one per file, since a technician checks a mapping file by file.
class ingest_run {
 public:
  ingest_run(const config::config& c, const ingest_options& o, const drivers::format_options& formats,
             const core::time_zone& zone, sync::event_store* store, std::ostream& err)
      : c_(c), o_(o), formats_(formats), zone_(zone), store_(store), err_(err), overall_(o.dry_run) {}

  // False when the store failed (the run stops: exit code 2).
  bool do_file(const fs::path& file);
  ingest_summary& overall() { return overall_; }
  void print(std::ostream& out) const;

 private:
  void rejected(const std::string& file, const std::string& why, ingest_summary* mine);
  bool commit(std::vector<core::event>& batch, core::utc_time now, const std::string& name, ingest_summary* mine);

  const config::config& c_;
  const ingest_options& o_;
  const drivers::format_options& formats_;
  const core::time_zone& zone_;
  sync::event_store* store_;
  std::ostream& err_;
  core::system_clock clock_;
  ingest_summary overall_;
  std::vector<std::pair<std::string, ingest_summary>> per_file_;
};

void ingest_run::rejected(const std::string& file, const std::string& why, ingest_summary* mine) {
  overall_.add_rejected(file, why);
  if (mine) mine->add_rejected(file, why);
}

bool ingest_run::commit(std::vector<core::event>& batch, core::utc_time now, const std::string& name,
                        ingest_summary* mine) {
  if (batch.empty()) return true;
  std::vector<bool> duplicate(batch.size(), false);
  if (store_) {
    auto r = store_->append(batch, now, sync::outbox_lane::history);
    if (!r) {
      err_ << name << ": " << r.error_message() << "\n";
      return false;
    }
    for (std::size_t i = 0; i < batch.size(); ++i) duplicate[i] = (*r)[i].duplicate;
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    overall_.add(batch[i], duplicate[i]);
    if (mine) mine->add(batch[i], duplicate[i]);
  }
  batch.clear();
  return true;
}

bool ingest_run::do_file(const fs::path& file) {
  const auto name = file.string();
  ingest_summary* mine = o_.dry_run ? &per_file_.emplace_back(name, ingest_summary{true}).second : nullptr;
  const auto format = o_.format ? o_.format : drivers::format_from_path(name);
  if (!format) {
    rejected(name, "unknown format (extension); give --format poslog|csv|escpos|jsonl", mine);
    return true;
  }
  std::ifstream in(file, std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(in), {}};
  if (!in.good() && !in.eof()) {
    rejected(name, "cannot read", mine);
    return true;
  }
  overall_.add_file();
  if (mine) mine->add_file();
  auto parsed = drivers::parse_file(*format, bytes, formats_);
  if (!parsed) {
    rejected(name, parsed.error_message(), mine);
    return true;
  }
  for (const auto& e : parsed->errors) rejected(name, e, mine);
  for (auto* s : {&overall_, mine})
    if (s) {
      s->add_ignored(parsed->ignored_kinds);
      s->add_warnings(parsed->warnings);
    }
  const auto now = clock_.now_utc();
  const drivers::event_origin origin{c_.store.id, source_id_for(c_, *format), now};
  std::vector<core::event> batch;
  for (auto& rec : parsed->records) {
    batch.push_back(drivers::make_pos_event(std::move(rec), origin, zone_));
    if (batch.size() >= chunk_events && !commit(batch, now, name, mine)) return false;
  }
  return commit(batch, now, name, mine);
}

void ingest_run::print(std::ostream& out) const {
  if (o_.json) {
    auto j = overall_.to_json();
    if (o_.dry_run) {
      j["dry_run"] = true;
      j["per_file"] = nlohmann::json::array();
      for (const auto& [file, s] : per_file_) j["per_file"].push_back({{"file", file}, {"summary", s.to_json()}});
    }
    out << j.dump(2) << "\n";
    return;
  }
  if (o_.dry_run) {
    out << "dry run: nothing was stored\n";
    if (per_file_.size() > 1) {
      for (const auto& [file, s] : per_file_) out << "\n== " << file << "\n" << s.to_text();
      out << "\n== all " << per_file_.size() << " files\n";
    }
  }
  out << overall_.to_text();
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
  ingest_run run(c, o, *formats, *zone, store ? &*store : nullptr, err);
  for (const auto& file : expand(o.paths, run.overall()))
    if (!run.do_file(file)) return 2;
  run.print(out);
  return run.overall().rejected() > 0 ? 1 : 0;
}

}  // namespace kelu::cli
