// SPDX-License-Identifier: Apache-2.0
#include "update_command.hpp"

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <optional>
#include <thread>

#include "core/command.hpp"
#include "core/event.hpp"
#include "core/time.hpp"
#include "agent/software_desired.hpp"
#include "agent/update_dir.hpp"

namespace kelu::cli {

namespace {

using json = nlohmann::json;

// How often the verdict file is looked for while the new version judges itself.
constexpr std::chrono::milliseconds verdict_poll{250};

std::int64_t now_ms() {
  return core::to_unix_ms(std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()));
}

class updater {
 public:
  updater(const update_options& o, std::ostream& out, std::ostream& err)
      : o_(o), dir_(o.dir), out_(out), err_(err), started_(std::chrono::steady_clock::now()) {}

  int run() {
    auto applying = dir_.read(update_dir::applying);
    if (!applying) return finish("failed", applying.error_message());
    if (*applying) {
      out_ << "update: an earlier run did not finish; finishing it\n";
      job_ = std::move(**applying);
      return resume();
    }
    if (!dir_.exists(update_dir::request)) {
      out_ << "update: nothing requested in " << dir_.path().string() << "\n";
      return 0;
    }
    if (auto st = dir_.rename(update_dir::request, update_dir::applying); !st) return finish("failed", st.error_message());
    auto taken = dir_.read(update_dir::applying);
    if (!taken || !*taken) return finish("failed", "the request could not be read: " +
                                                       (taken ? std::string("gone") : taken.error_message()));
    job_ = std::move(**taken);
    return do_update();
  }

 private:
  int do_update() {
    const auto version = text_of(job_, "version");
    if (!valid_package_version(version)) return finish("failed", "\"" + version + "\" is not a package version");
    auto previous = installed_version();
    if (!previous) return finish("failed", previous.error_message());
    job_["previous"] = *previous;
    if (*previous == version) return finish("current", "");
    out_ << "update: " << o_.package << " " << *previous << " -> " << version << "\n";
    if (auto st = apt({"apt-get", "-q", "update"}); !st)
      return finish("failed", "apt-get update: " + st.error_message());
    auto kept = keep_running(*previous);
    if (!kept)
      return finish("failed", "no copy of the running " + *previous + " to roll back to, so not updating: " +
                                  kept.error_message());
    // Written before apt runs: a power cut during the install leaves what the next run needs to roll back.
    if (auto st = dir_.write(update_dir::applying, job_); !st) return finish("failed", st.error_message());
    if (auto st = apt({"apt-get", "-q", "-y", "--allow-downgrades", "-o", "Dpkg::Options::=--force-confdef", "-o",
                       "Dpkg::Options::=--force-confold", "install", o_.package + "=" + version});
        !st) {
      auto now = installed_version();
      if (now && *now == *previous) return finish("failed", "apt-get install: " + st.error_message());
      return roll_back("apt-get install: " + st.error_message());
    }
    job_["nonce"] = core::new_event_id();
    job_["installed_ms"] = now_ms();
    if (auto st = dir_.write(update_dir::applying, job_); !st) return roll_back(st.error_message());
    dir_.remove(update_dir::verdict);
    const auto restarted = restart();
    return judge(restarted ? "" : restarted.error_message());
  }

  // After a run cut short: the version on the box decides what was reached.
  int resume() {
    const auto previous = text_of(job_, "previous");
    auto now = installed_version();
    if (!valid_package_version(previous) || !now) return finish("failed", "an interrupted update could not be resumed");
    if (*now == previous && !job_.contains("nonce")) return finish("failed", "interrupted before it was installed");
    if (!job_.contains("nonce")) return roll_back("interrupted while installing");
    if (auto v = verdict(); v && flag_of(*v, "ok", false)) return finish("updated", "");
    return roll_back("interrupted before the new version passed its health gate");
  }

  // Waits for the new version's verdict.
  int judge(const std::string& restart_problem) {
    // HQ's 30 s floor was applied to the request; only the ceiling guards this file.
    const auto gate = std::chrono::seconds(std::clamp<std::int64_t>(integer_of(job_, "gate_s", 120),
                                                                    std::int64_t{1}, max_update_gate.count()));
    const auto until = std::chrono::steady_clock::now() + gate + o_.start_allowance;
    out_ << "update: waiting up to " << (gate + o_.start_allowance).count() << " s for the new version's health gate\n";
    for (;;) {
      if (auto v = verdict()) {
        if (flag_of(*v, "ok", false)) return finish("updated", "");
        std::string why;
        if (const auto fs = v->find("failures"); fs != v->end() && fs->is_array())
          for (const auto& f : *fs)
            if (f.is_string()) why += (why.empty() ? "" : "; ") + f.get<std::string>();
        return roll_back("health gate: " + why);
      }
      if (std::chrono::steady_clock::now() >= until) break;
      std::this_thread::sleep_for(verdict_poll);
    }
    return roll_back("the new version gave no health verdict within " + std::to_string((gate + o_.start_allowance).count()) +
                     " s (it did not start, or stopped)" + (restart_problem.empty() ? "" : ": " + restart_problem));
  }

  int roll_back(const std::string& why) {
    const auto previous = text_of(job_, "previous");
    err_ << "update: " << why << "; reinstalling " << previous << "\n";
    // The copy is looked up in root's own directory, never taken from a path in the agent's files:
    // a file the agent can write must not choose what root installs.
    const auto kept = valid_package_version(previous) ? kept_copy(previous) : std::nullopt;
    auto st = !kept ? core::status{core::error{"no kept copy of " + previous + " in " + o_.keep.string()}}
                    : apt({"apt-get", "-q", "-y", "--allow-downgrades", "-o", "Dpkg::Options::=--force-confdef",
                           "-o", "Dpkg::Options::=--force-confold", "install", kept->string()});
    dir_.remove(update_dir::verdict);
    dir_.remove(update_dir::applying);  // before the restart: the old version must not judge itself
    const auto outcome = st ? "rolled_back" : "failed";
    const auto reason = st ? why : why + "; reinstalling " + previous + " failed too: " + st.error_message();
    auto restarted = restart();
    if (!restarted) err_ << "update: " << restarted.error_message() << "\n";
    return finish(outcome, reason);
  }

  int finish(const std::string& outcome, const std::string& reason) {
    const auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    const json result{{"version", text_of(job_, "version")},
                      {"attempt", integer_of(job_, "attempt", 0)},
                      {"previous", text_of(job_, "previous")},
                      {"outcome", outcome},
                      {"reason", reason},
                      {"took_s", std::round(took * 10) / 10},
                      {"finished_ms", now_ms()}};
    dir_.remove(update_dir::verdict);
    dir_.remove(update_dir::applying);
    (outcome == "updated" || outcome == "current" ? out_ : err_)
        << "update: " << outcome << " in " << result["took_s"].get<double>() << " s" << (reason.empty() ? "" : ": " + reason)
        << "\n";
    if (auto st = dir_.write(update_dir::result, result); !st) {
      err_ << "update: " << st.error_message() << "\n";
      return 1;
    }
    return 0;
  }

  std::optional<json> verdict() const {
    auto v = dir_.read(update_dir::verdict);
    if (!v || !*v || text_of(**v, "nonce") != text_of(job_, "nonce")) return std::nullopt;
    return std::move(**v);
  }

  core::result<std::string> installed_version() const {
    auto r = core::run_command({"dpkg-query", "-W", "-f=${Version}", o_.package}, {std::chrono::seconds(30)});
    if (!r) return core::error{r.error_message()};
    if (r->exit_status != 0 || r->out.empty())
      return core::error{o_.package + " is not installed: " + core::describe_failure({"dpkg-query"}, *r)};
    return r->out;
  }

  // The copy of `version`'s package in o_.keep (root's, 0700), if there is one; copies of other
  // versions are removed.
  std::optional<std::filesystem::path> kept_copy(const std::string& version) const {
    std::error_code ec;
    std::optional<std::filesystem::path> found;
    for (const auto& e : std::filesystem::directory_iterator(o_.keep, ec)) {
      if (e.path().extension() != ".deb" || !e.is_regular_file(ec)) continue;
      auto v = core::run_command({"dpkg-deb", "-f", e.path().string(), "Version"}, {std::chrono::seconds(30)});
      if (v && v->exit_status == 0 && v->out.substr(0, v->out.find('\n')) == version) found = e.path();
      else std::filesystem::remove(e.path(), ec);
    }
    return found;
  }

  // A copy of the running version's package, fetched from the repositories when not kept yet.
  core::result<std::filesystem::path> keep_running(const std::string& version) const {
    std::error_code ec;
    std::filesystem::create_directories(o_.keep, ec);
    ::chmod(o_.keep.c_str(), 0700);
    if (auto f = kept_copy(version)) return *f;
    auto r = core::run_command({"apt-get", "-q", "download", o_.package + "=" + version},
                               {o_.apt_deadline, {}, 64 * 1024, o_.keep.string()});
    if (!r) return core::error{r.error_message()};
    if (r->exit_status != 0) return core::error{core::describe_failure({"apt-get download"}, *r)};
    if (auto f = kept_copy(version)) return *f;
    return core::error{"apt-get download left no package of " + version + " in " + o_.keep.string()};
  }

  core::status apt(const std::vector<std::string>& args) const {
    // KELU_UPDATER: the package's postinst leaves the restart to us (we restart after writing the nonce).
    auto r = core::run_command(args, {o_.apt_deadline, {"DEBIAN_FRONTEND=noninteractive", "KELU_UPDATER=1"}});
    if (!r) return core::error{r.error_message()};
    if (r->exit_status != 0) return core::error{core::describe_failure(args, *r)};
    return core::ok();
  }

  core::status restart() const {
    auto r = core::run_command(o_.restart, {std::chrono::seconds(120)});
    if (!r) return core::error{r.error_message()};
    if (r->exit_status != 0) return core::error{core::describe_failure(o_.restart, *r)};
    return core::ok();
  }

  const update_options& o_;
  update_dir dir_;
  std::ostream& out_;
  std::ostream& err_;
  std::chrono::steady_clock::time_point started_;
  json job_ = json::object();
};

}  // namespace

int run_update_apply(const update_options& o, std::ostream& out, std::ostream& err) {
  if (!std::filesystem::is_directory(o.dir)) {
    out << "update: no update directory " << o.dir.string() << ": nothing requested\n";
    return 0;
  }
  return updater{o, out, err}.run();
}

}  // namespace kelu::cli
