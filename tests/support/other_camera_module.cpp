// SPDX-License-Identifier: Apache-2.0
// A camera module from another build, as a half-applied update would leave one: the entry point
// and a table whose version is not the agent's, and nothing behind it. The agent must refuse it
// before calling anything (tests/integration/camera_test.cpp, camera_module).
#include "camera/module_api.hpp"

namespace {
const kelu::camera::module_api other{"0.0.0-another-build", nullptr, nullptr, nullptr, nullptr};
}

extern "C" __attribute__((visibility("default"))) const kelu::camera::module_api* kelu_camera_module_v1() {
  return &other;
}
