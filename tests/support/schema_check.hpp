// SPDX-License-Identifier: Apache-2.0
#pragma once
// Validates MQTT payloads captured in a test against docs/schemas/ with Debian's
// python3-jsonschema (tests/schemas_check.py), the reference validator HQ would use.
#include <string>
#include <vector>

#include "mqtt_collector.hpp"

namespace kelu::test {

struct schema_report {
  bool available = true;  // python3-jsonschema installed
  int status = -1;        // the checker's exit status
  std::string text;       // its report: counts per schema and every failure
};

// `work_dir` receives one file per payload and the manifest. `schema_dir` is relative to the
// source tree; `as_consumer` ignores fields the schemas do not know, as an HQ consumer following
// the compatibility rule of docs/mqtt.md does (with an older release's schemas: only additions).
schema_report check_against_schemas(const std::vector<received>& messages, const std::string& source_dir,
                                    const std::string& work_dir, const std::string& schema_dir = "docs/schemas",
                                    bool as_consumer = false);

}  // namespace kelu::test
