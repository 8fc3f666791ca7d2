// SPDX-License-Identifier: Apache-2.0
#pragma once
// A watched drop folder of POS export files (POSLog XML, CSV). A worker thread reads and
// parses; events reach the store only through event_ingest on the io_context thread.
//
// A file found by inotify (IN_CLOSE_WRITE, IN_MOVED_TO) is read at once; one found by the
// periodic rescan (the fallback for network shares and missed events) once it has not
// changed for `settle`. Files are taken oldest name first. A file moves to done/ only after
// every transaction in it is committed; a file with bad transactions still has its good
// ones committed, then moves to rejected/ with `<name>.error` beside it naming each bad
// transaction, element or line and the reason; a file that cannot be parsed at all goes to
// rejected/ whole. When the store cannot commit, the file stays and is retried, so a
// restart in the middle of a folder loses nothing and (dedupe) duplicates nothing.
// Hidden files and names ending in .tmp or .part are left alone (copies in progress).
#include <boost/asio/any_io_executor.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <set>
#include <thread>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/event_ingest.hpp"
#include "core/time_zone.hpp"
#include "file_records.hpp"
#include "health_recorder.hpp"
#include "source.hpp"

namespace spdlog {
class logger;
}

namespace kelu::drivers {

// Built by drop_folder_options_for(): the values, defaults included, are the key table's
// (sources.poslog.*, sources.csv.*, storage.max_batch_events: config/schema.cpp), never this
// struct's own.
struct drop_folder_options {
  std::string store_id;
  std::string source_id;
  std::string driver;  // "poslog", "csv": for health and logs
  std::filesystem::path folder;
  std::chrono::seconds rescan{};
  std::chrono::seconds settle{};
  std::uintmax_t max_file_bytes = 0;
  int done_retention_days = 0;  // 0 keeps done/ files
  std::size_t chunk_events = 0;
  std::chrono::seconds commit_timeout{60};  // not a key: a commit queue stuck this long is a fault
};

// `f` is c.sources.poslog or c.sources.csv; `driver` names it ("poslog", "csv").
drop_folder_options drop_folder_options_for(const config::config& c, const config::folder_source_config& f,
                                            const char* driver);

using file_parser = std::function<core::result<file_records>(std::string_view bytes)>;

class drop_folder_source final : public source {
 public:
  drop_folder_source(boost::asio::any_io_executor ex, core::event_ingest& ingest, const core::clock& clock,
                     drop_folder_options options, file_parser parse, core::time_zone zone,
                     std::shared_ptr<spdlog::logger> log);
  ~drop_folder_source() override;

  core::status start() override;
  void stop() override;
  core::source_health health() const override { return health_.snapshot(); }

  // Files moved to done/ and rejected/ since start.
  std::int64_t files_done() const { return files_done_; }
  std::int64_t files_rejected() const { return files_rejected_; }

 private:
  enum class outcome { done, rejected, retry };
  void run();
  // Returns how long to wait before the next pass (a file still settling, a retry).
  std::chrono::milliseconds process_ready_files();
  outcome process(const std::filesystem::path& file);
  core::result<std::vector<core::commit_outcome>> commit(std::vector<core::event> batch);
  void move_to(const std::filesystem::path& file, const char* sub, const std::string& error_text);
  void expire_done();

  boost::asio::any_io_executor ex_;
  core::event_ingest& ingest_;
  const core::clock& clock_;
  drop_folder_options options_;
  file_parser parse_;
  core::time_zone zone_;
  std::shared_ptr<spdlog::logger> log_;
  health_recorder health_;
  int inotify_fd_ = -1;
  int wake_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::thread worker_;
  std::set<std::string> announced_;  // names inotify reported complete; worker thread only
  std::set<std::string> unmovable_;  // could not be moved out of the inbox; worker thread only
  std::chrono::steady_clock::time_point last_expiry_{};
  std::atomic<std::int64_t> files_done_{0};
  std::atomic<std::int64_t> files_rejected_{0};
};

}  // namespace kelu::drivers
