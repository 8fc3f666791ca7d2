// SPDX-License-Identifier: Apache-2.0
#pragma once
// Reads JSON-with-comments configuration into `config`, checking every key against the
// schema. Every problem is reported, each naming where: "kelu.json:12: mqtt.port: ...".
#include <string>
#include <string_view>
#include <vector>

#include "config.hpp"

namespace kelu::config {

struct load_error {
  std::string origin;  // file name, or "<text>"
  int line = 0;        // 1-based; 0 when unknown (a required key that is absent)
  std::string key_path;
  std::string message;
  std::string to_string() const;
};

struct load_result {
  config value;
  std::vector<load_error> errors;
  bool ok() const { return errors.empty(); }
};

load_result load_text(std::string_view text, std::string origin = "<text>");
load_result load_file(const std::string& path);

}  // namespace kelu::config
