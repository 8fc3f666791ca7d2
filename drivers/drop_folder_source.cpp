// SPDX-License-Identifier: Apache-2.0
#include "drop_folder_source.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <future>
#include <sstream>
#include <vector>

namespace kelu::drivers {

drop_folder_options drop_folder_options_for(const config::config& c, const config::folder_source_config& f,
                                            const char* driver) {
  drop_folder_options o;
  o.store_id = c.store.id;
  o.source_id = f.source_id;
  o.driver = driver;
  o.folder = f.folder;
  o.rescan = std::chrono::seconds(f.rescan_s);
  o.settle = std::chrono::seconds(f.settle_s);
  o.max_file_bytes = static_cast<std::uintmax_t>(f.max_file_bytes);
  o.done_retention_days = static_cast<int>(f.done_retention_days);
  // A file's events go to the store in chunks no larger than a commit takes.
  o.chunk_events = static_cast<std::size_t>(std::min<std::int64_t>(c.storage.max_batch_events, 500));
  return o;
}

namespace fs = std::filesystem;

namespace {

bool skipped_name(const std::string& name) {
  return name.empty() || name.front() == '.' || name.ends_with(".tmp") || name.ends_with(".part") ||
         name.ends_with(".error");
}

}  // namespace

drop_folder_source::drop_folder_source(boost::asio::any_io_executor ex, core::event_ingest& ingest,
                                       const core::clock& clock, drop_folder_options options, file_parser parse,
                                       core::time_zone zone, std::shared_ptr<spdlog::logger> log)
    : ex_(std::move(ex)),
      ingest_(ingest),
      clock_(clock),
      options_(std::move(options)),
      parse_(std::move(parse)),
      zone_(std::move(zone)),
      log_(std::move(log)),
      health_(options_.source_id, options_.driver) {}

drop_folder_source::~drop_folder_source() {
  stop();
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

core::status drop_folder_source::start() {
  const auto key = "sources." + options_.driver + ".folder";
  std::error_code ec;
  for (const auto& dir : {options_.folder, options_.folder / "done", options_.folder / "rejected"}) {
    fs::create_directories(dir, ec);
    if (ec) return core::error{key + ": cannot create " + dir.string() + ": " + ec.message()};
  }
  inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) return core::error{key + ": eventfd: " + std::string(std::strerror(errno))};
  if (inotify_fd_ < 0 ||
      ::inotify_add_watch(inotify_fd_, options_.folder.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO) < 0) {
    // Out of watches, or a file system without inotify: the rescan still finds every file.
    log_->warn("{}: no inotify on {} ({}); finding files by rescan every {} s", options_.source_id,
               options_.folder.string(), std::strerror(errno), options_.rescan.count());
    if (inotify_fd_ >= 0) ::close(inotify_fd_);
    inotify_fd_ = -1;
  }
  worker_ = std::thread([this] { run(); });
  log_->info("{}: watching {} for {} files", options_.source_id, options_.folder.string(), options_.driver);
  return core::ok();
}

void drop_folder_source::stop() {
  if (stopping_.exchange(true)) return;
  if (wake_fd_ >= 0) {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(wake_fd_, &one, sizeof one);
  }
  if (worker_.joinable()) worker_.join();
}

void drop_folder_source::run() {
  while (!stopping_) {
    const auto wait = process_ready_files();
    if (stopping_) break;
    pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {inotify_fd_, POLLIN, 0}};
    const auto ms = static_cast<int>(std::min<std::chrono::milliseconds::rep>(wait.count(), INT32_MAX));
    if (::poll(fds, inotify_fd_ >= 0 ? 2 : 1, ms) <= 0) continue;
    if (inotify_fd_ >= 0 && (fds[1].revents & POLLIN)) {
      alignas(inotify_event) char buf[8192];
      for (;;) {
        const auto n = ::read(inotify_fd_, buf, sizeof buf);
        if (n <= 0) break;
        for (ssize_t off = 0; off < n;) {
          // Copied out rather than cast: ARMv7 wants a pointer's alignment proven, and the header
          // is followed by the NUL-padded name.
          inotify_event ev;
          std::memcpy(&ev, buf + off, sizeof ev);
          if (ev.len > 0) announced_.insert(std::string(buf + off + sizeof ev));
          off += static_cast<ssize_t>(sizeof ev + ev.len);
        }
      }
    }
  }
}

std::chrono::milliseconds drop_folder_source::process_ready_files() {
  using namespace std::chrono;
  milliseconds wait = options_.rescan;
  expire_done();
  std::vector<fs::directory_entry> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(options_.folder, ec)) {
    std::error_code fec;
    if (entry.is_regular_file(fec) && !skipped_name(entry.path().filename().string())) files.push_back(entry);
  }
  if (ec) {
    health_.failed("cannot list " + options_.folder.string() + ": " + ec.message(), clock_.now_utc());
    return wait;
  }
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.path() < b.path(); });
  for (const auto& entry : files) {
    if (stopping_) break;
    const auto name = entry.path().filename().string();
    if (unmovable_.contains(name)) continue;
    if (!announced_.contains(name)) {
      std::error_code tec;
      const auto mtime = fs::last_write_time(entry.path(), tec);
      if (tec) continue;
      const auto age = fs::file_time_type::clock::now() - mtime;
      if (age < options_.settle) {
        wait = std::min(wait, duration_cast<milliseconds>(options_.settle - age) + milliseconds(50));
        continue;
      }
    }
    announced_.erase(name);
    if (process(entry.path()) == outcome::retry) {
      // The store is busy or failing: try again soon, from this file, in name order.
      return std::min(wait, milliseconds(2000));
    }
  }
  return wait;
}

drop_folder_source::outcome drop_folder_source::process(const fs::path& file) {
  const auto name = file.filename().string();
  const auto now = clock_.now_utc();
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  if (ec) return outcome::done;  // gone meanwhile
  if (size > options_.max_file_bytes) {
    const auto why = name + ": " + std::to_string(size) + " bytes, larger than sources." + options_.driver +
                     ".max_file_bytes (" + std::to_string(options_.max_file_bytes) + ")";
    log_->error("{}: {}; moved to rejected/", options_.source_id, why);
    health_.rejected(why, now);
    move_to(file, "rejected", why + "\n");
    ++files_rejected_;
    return outcome::rejected;
  }
  std::string bytes;
  {
    std::ifstream in(file, std::ios::binary);
    if (!in) return outcome::retry;
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto parsed = parse_(bytes);
  if (!parsed) {
    const auto why = name + ": " + parsed.error_message();
    log_->error("{}: {}; moved to rejected/", options_.source_id, why);
    health_.rejected(why, now);
    move_to(file, "rejected", why + "\n");
    ++files_rejected_;
    return outcome::rejected;
  }
  std::vector<core::event> events;
  events.reserve(parsed->records.size());
  for (auto& r : parsed->records)
    events.push_back(make_pos_event(std::move(r), {options_.store_id, options_.source_id, now}, zone_));
  std::int64_t stored = 0, duplicates = 0;
  for (std::size_t at = 0; at < events.size(); at += options_.chunk_events) {
    const auto end = std::min(events.size(), at + options_.chunk_events);
    std::vector<core::event> chunk(std::make_move_iterator(events.begin() + static_cast<std::ptrdiff_t>(at)),
                                   std::make_move_iterator(events.begin() + static_cast<std::ptrdiff_t>(end)));
    auto r = commit(std::move(chunk));
    if (!r) {
      health_.failed(name + ": not stored, will retry: " + r.error_message(), clock_.now_utc());
      log_->warn("{}: {} not stored ({}); retrying", options_.source_id, name, r.error_message());
      return outcome::retry;
    }
    health_.committed(*r, clock_.now_utc());
    for (const auto& o : *r) (o.duplicate ? duplicates : stored) += 1;
  }
  // What was read around (an empty tender, a line without an amount) is no reason to reject
  // the file; the log says how much, `kelu ingest --dry-run` says it in full.
  for (const auto& [what, n] : parsed->warnings) {
    log_->info("{}: {}: {} x {}", options_.source_id, name, n, what);
    health_.read_around(n);
  }
  if (parsed->errors.empty()) {
    log_->info("{}: {}: {} new, {} duplicate, {} ignored; moved to done/", options_.source_id, name, stored, duplicates,
               parsed->ignored);
    move_to(file, "done", "");
    ++files_done_;
    return outcome::done;
  }
  std::ostringstream report;
  report << name << ": " << parsed->errors.size() << " transaction(s) rejected; " << stored << " new and " << duplicates
         << " duplicate transaction(s) from this file were stored.\n";
  for (const auto& e : parsed->errors) report << e << "\n";
  const auto first = name + ": " + parsed->errors.front();
  health_.rejected(first, clock_.now_utc(), static_cast<std::int64_t>(parsed->errors.size()));
  log_->error("{}: {} ({} bad in all, see rejected/{}.error); the good ones are stored", options_.source_id, first,
              parsed->errors.size(), name);
  move_to(file, "rejected", report.str());
  ++files_rejected_;
  return outcome::rejected;
}

core::result<std::vector<core::commit_outcome>> drop_folder_source::commit(std::vector<core::event> batch) {
  using result_t = core::result<std::vector<core::commit_outcome>>;
  auto promise = std::make_shared<std::promise<result_t>>();
  auto future = promise->get_future();
  // Capture the ingest, not this: the handler may run after a stop() gave up waiting.
  boost::asio::post(ex_, [&ingest = ingest_, promise, batch = std::move(batch)]() mutable {
    ingest.submit(std::move(batch), [promise](result_t r) { promise->set_value(std::move(r)); });
  });
  const auto deadline = std::chrono::steady_clock::now() + options_.commit_timeout;
  while (future.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
    if (stopping_) return core::error{"stopping"};
    if (std::chrono::steady_clock::now() > deadline) return core::error{"no commit within the deadline"};
  }
  return future.get();
}

void drop_folder_source::move_to(const fs::path& file, const char* sub, const std::string& error_text) {
  auto target = options_.folder / sub / file.filename();
  std::error_code ec;
  if (fs::exists(target, ec)) {
    // The same name again (a till re-exporting): keep both.
    target += "." + std::to_string(core::to_unix_ms(clock_.now_utc()));
  }
  if (!error_text.empty()) {
    std::ofstream err(target.string() + ".error");
    err << error_text;
  }
  fs::rename(file, target, ec);
  if (ec) {
    // Reading it again on every pass would be harmless (dedupe) but endless: skip it until
    // a restart, loudly.
    log_->error("{}: cannot move {} to {}/: {}", options_.source_id, file.string(), sub, ec.message());
    health_.failed("cannot move " + file.filename().string() + ": " + ec.message(), clock_.now_utc());
    unmovable_.insert(file.filename().string());
  }
}

void drop_folder_source::expire_done() {
  if (options_.done_retention_days <= 0) return;
  const auto now = std::chrono::steady_clock::now();
  if (last_expiry_ != std::chrono::steady_clock::time_point{} && now - last_expiry_ < std::chrono::hours(1)) return;
  last_expiry_ = now;
  const auto cutoff = fs::file_time_type::clock::now() - std::chrono::days(options_.done_retention_days);
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(options_.folder / "done", ec)) {
    std::error_code fec;
    if (entry.is_regular_file(fec) && entry.last_write_time(fec) < cutoff) fs::remove(entry.path(), fec);
  }
}

}  // namespace kelu::drivers
