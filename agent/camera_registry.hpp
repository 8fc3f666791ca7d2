// SPDX-License-Identifier: Apache-2.0
#pragma once
// The running cameras, for the parts of the agent that act on them (audits, the technician page,
// the heat map of the hour in progress). Cameras come and go when their config changes (the
// agent's source_set rebuilds them), so a user looks a camera up each time it needs one and never
// keeps the pointer past the io_context handler that found it.
// Threading: io_context thread.
#include <string_view>
#include <vector>

#include "camera/camera_control.hpp"

namespace kelu {

class camera_registry {
 public:
  camera_registry() = default;
  explicit camera_registry(std::vector<camera::camera_control*> cameras) : cameras_(std::move(cameras)) {}

  const std::vector<camera::camera_control*>& all() const { return cameras_; }
  // nullptr when no running camera has that id.
  camera::camera_control* find(std::string_view id) const {
    for (auto* c : cameras_)
      if (c->camera_id() == id) return c;
    return nullptr;
  }
  void set(std::vector<camera::camera_control*> cameras) { cameras_ = std::move(cameras); }

 private:
  std::vector<camera::camera_control*> cameras_;
};

}  // namespace kelu
