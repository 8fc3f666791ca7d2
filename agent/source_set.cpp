// SPDX-License-Identifier: Apache-2.0
#include "source_set.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

namespace kelu {

source_set::source_set(factory make, camera_registry& cameras, std::shared_ptr<spdlog::logger> log)
    : make_(std::move(make)), cameras_(cameras), log_(std::move(log)) {}

source_set::~source_set() {
  // The registry outlives us in the agent; it must not name cameras about to be destroyed.
  cameras_.set({});
}

core::status source_set::start(const config::config& c) {
  auto built = make_(c);
  if (!built) return core::error{built.error_message()};
  running_ = std::move(built).value();
  publish_cameras();
  for (auto& s : running_)
    if (auto st = s.source->start(); !st) return st;
  return core::ok();
}

std::vector<source_set::outcome> source_set::rebuild(const std::vector<std::string>& components,
                                                     const config::config& c) {
  const auto wanted = [&](const std::string& name) {
    return std::find(components.begin(), components.end(), name) != components.end();
  };
  // Stopped before the successors bind: a listener takes the same port again.
  for (auto it = running_.begin(); it != running_.end();) {
    if (!wanted(it->component)) {
      ++it;
      continue;
    }
    it->source->stop();
    retire(std::move(it->source));
    it = running_.erase(it);
  }
  std::vector<outcome> out;
  for (const auto& name : components) out.push_back({name, ""});
  auto built = make_(c);
  if (!built) {
    for (auto& o : out) o.error = built.error_message();
    publish_cameras();
    return out;
  }
  for (auto& s : *built) {
    if (!wanted(s.component)) continue;  // unchanged: the running one stays
    auto o = std::find_if(out.begin(), out.end(), [&](const outcome& x) { return x.component == s.component; });
    if (!o->error.empty()) continue;  // counters: a sibling already failed
    if (auto st = s.source->start(); !st) {
      o->error = st.error_message();
      s.source->stop();
      retire(std::move(s.source));
      continue;
    }
    running_.push_back(std::move(s));
  }
  // A component that failed part way keeps none of its sources: all of it or nothing runs.
  for (const auto& o : out) {
    if (o.error.empty()) continue;
    for (auto it = running_.begin(); it != running_.end();) {
      if (it->component != o.component) {
        ++it;
        continue;
      }
      it->source->stop();
      retire(std::move(it->source));
      it = running_.erase(it);
    }
  }
  publish_cameras();
  for (const auto& o : out) {
    if (o.error.empty())
      log_->info("{}: rebuilt", o.component);
    else
      log_->error("{}: not running: {}", o.component, o.error);
  }
  return out;
}

void source_set::stop() {
  for (auto& s : running_) s.source->stop();
}

void source_set::reap() {
  reapable_ = std::exchange(stopped_, {});
}

void source_set::retire(std::unique_ptr<drivers::source> s) { stopped_.push_back(std::move(s)); }

std::vector<const drivers::source*> source_set::running() const {
  std::vector<const drivers::source*> out;
  for (const auto& s : running_) out.push_back(s.source.get());
  return out;
}

std::vector<std::string> source_set::components() const {
  std::vector<std::string> out;
  for (const auto& s : running_) out.push_back(s.component);
  return out;
}

const drivers::source* source_set::find(std::string_view component) const {
  for (const auto& s : running_)
    if (s.component == component) return s.source.get();
  return nullptr;
}

std::vector<camera::camera_control*> source_set::cameras() const {
  std::vector<camera::camera_control*> out;
  for (const auto& s : running_)
    if (auto* cam = dynamic_cast<camera::camera_control*>(s.source.get())) out.push_back(cam);
  return out;
}

void source_set::publish_cameras() { cameras_.set(cameras()); }

}  // namespace kelu
