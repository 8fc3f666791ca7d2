// SPDX-License-Identifier: Apache-2.0
#pragma once
// The running sources (POS drivers, cameras, people counters), each under the name of the
// component its config section makes (drivers::named_source.hpp), rebuilt by name when that section
// changes while every other source keeps running.
//
// A rebuilt source is stopped first: its tills are disconnected and reconnect, and what it read
// without seeing it committed is not acknowledged, so the till sends it again (the dedupe makes
// that safe). Its successor is then built from the new config and started on the same port.
// Stopped sources are destroyed only by a later reap(), so handlers they queued have run.
//
// Threading: io_context thread.
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agent/camera_registry.hpp"
#include "core/result.hpp"
#include "drivers/named_source.hpp"
#include "config/config.hpp"

namespace spdlog {
class logger;
}

namespace kelu {

class source_set {
 public:
  // Every source a config makes, not started; an error names the config key.
  using factory = std::function<core::result<drivers::named_sources>(const config::config&)>;

  // `cameras` is kept up to date with the running cameras.
  source_set(factory make, camera_registry& cameras, std::shared_ptr<spdlog::logger> log);
  ~source_set();
  source_set(const source_set&) = delete;
  source_set& operator=(const source_set&) = delete;

  // Builds and starts every source of `c`; the first that cannot start is the error.
  core::status start(const config::config& c);

  struct outcome {
    std::string component;
    std::string error;  // empty: running (or rightly absent: the section was removed or disabled)
  };
  // Stops the sources of `components`, then builds and starts what `c` makes for them. One outcome
  // per component; a component whose source cannot be built or started is left without one.
  std::vector<outcome> rebuild(const std::vector<std::string>& components, const config::config& c);

  // Stops every source (the agent's stop); they stay until destroyed.
  void stop();
  // Destroys the sources stopped before the previous reap().
  void reap();

  std::vector<const drivers::source*> running() const;
  // The components running now, by name, in build order (a name repeats for counters).
  std::vector<std::string> components() const;
  // The running source of `component`, nullptr if none (counters has several: the first).
  const drivers::source* find(std::string_view component) const;
  // For camera control (audits, the technician page): the running cameras.
  std::vector<camera::camera_control*> cameras() const;

 private:
  void retire(std::unique_ptr<drivers::source> s);
  void publish_cameras();

  factory make_;
  camera_registry& cameras_;
  std::shared_ptr<spdlog::logger> log_;
  drivers::named_sources running_;
  std::vector<std::unique_ptr<drivers::source>> stopped_;   // since the last reap
  std::vector<std::unique_ptr<drivers::source>> reapable_;  // stopped before it
};

}  // namespace kelu
