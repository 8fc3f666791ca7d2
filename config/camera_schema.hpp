// SPDX-License-Identifier: Apache-2.0
#pragma once
// Internal to kelu::config: the keys of one element of the `cameras` array, declared once
// like every other key (type, default, range, description), and the whole array's parsing.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "config.hpp"
#include "schema.hpp"

namespace kelu::config::detail {

// Rows for `keys()` and the sample, with paths "cameras[].id", ...
std::vector<key_info> camera_keys();

// Parses the whole array; the problem, if any, starts with the element's sub-path
// ("[1].lines[0].to: expected [x, y] in pixels"), which the loader appends to "cameras".
std::optional<std::string> parse_cameras(const nlohmann::json& v, std::vector<camera_config>& out);
nlohmann::json cameras_to_json(const std::vector<camera_config>& cameras);

// Sets one key ("lines") of a camera; the problem as parse_element words it after the leaf.
std::optional<std::string> set_camera_key(camera_config& cam, const std::string& leaf, const nlohmann::json& value);

// One camera with every default applied (id and url empty).
camera_config camera_defaults();
// The sample's commented example camera.
std::string camera_sample_note(const nlohmann::json& examples);

}  // namespace kelu::config::detail
