// SPDX-License-Identifier: Apache-2.0
#include "camera_module.hpp"

#include <dlfcn.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>

#include "kelu/version.hpp"

namespace kelu {

#ifdef KELU_WITH_VISION
namespace {

constexpr const char* module_file = "kelu-camera.so";

// Installed layout first, then the build tree's (camera/CMakeLists.txt puts the module beside kelu).
std::vector<std::filesystem::path> module_candidates() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  const auto dir = exe.parent_path();
  return {dir.parent_path() / "lib" / "kelu" / module_file, dir / module_file};
}

core::result<const camera::module_api*> open_module(const std::filesystem::path& path) {
  // RTLD_LOCAL: the module's symbols stay its own; RTLD_NODELETE: objects it made may outlive
  // any handle (module_api.hpp). A second call returns the same handle.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  if (handle == nullptr) {
    const char* why = dlerror();
    return core::error{path.string() + ": " + (why != nullptr ? why : "cannot be loaded")};
  }
  void* entry = dlsym(handle, camera::module_entry_name);
  if (entry == nullptr)
    return core::error{path.string() + ": no " + std::string(camera::module_entry_name) + ": not a kelu camera module"};
  camera::module_entry get{};
  static_assert(sizeof(get) == sizeof(entry));
  std::memcpy(&get, &entry, sizeof(get));  // dlsym gives an object pointer for a function (POSIX allows)
  const camera::module_api* api = get();
  if (std::strcmp(api->version, version) != 0)
    return core::error{path.string() + " is version " + api->version + ", this kelu is " + version +
                       ": restart kelu after an update, or reinstall the package"};
  return api;
}

}  // namespace
#endif

core::result<const camera::module_api*> load_camera_module() {
#ifndef KELU_WITH_VISION
  return core::error{"this kelu was built without vision (KELU_WITH_VISION=OFF)"};
#else
  std::string tried;
  for (const auto& path : module_candidates()) {
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) return open_module(path);
    tried += (tried.empty() ? "" : ", ") + path.string();
  }
  return core::error{"the camera module " + std::string(module_file) + " is not installed (looked for " + tried + ")"};
#endif
}

core::result<drivers::named_sources> make_camera_sources(boost::asio::any_io_executor ex, core::event_ingest& ingest,
                                                         const core::clock& clock, const config::config& c,
                                                         const core::time_zone& store_zone,
                                                         std::shared_ptr<spdlog::logger> log) {
  if (c.cameras.empty()) return drivers::named_sources{};
  const auto api = load_camera_module();
  if (!api) return core::error{"cameras: " + api.error_message() + "; remove cameras[] or install kelu with vision"};
  return (*api)->make_sources(std::move(ex), ingest, clock, c, store_zone, std::move(log));
}

recounter clip_recounter() {
  return [](const camera::clip& recorded, const config::camera_config& cam,
            const std::vector<config::camera_line_config>& lines, const std::string& detector,
            const std::atomic<bool>& cancelled) -> core::result<std::vector<camera::audit_crossing>> {
    const auto api = load_camera_module();
    if (!api) return core::error{api.error_message()};
    return (*api)->recount_clip(recorded, cam, lines, detector, cancelled);
  };
}

core::result<camera::stream_probe> probe_camera(const config::camera_config& cam, std::chrono::milliseconds within) {
  const auto api = load_camera_module();
  if (!api) return core::error{api.error_message()};
  return (*api)->probe(cam, within);
}

}  // namespace kelu
