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

// `work_dir` receives one file per payload and the manifest.
schema_report check_against_schemas(const std::vector<received>& messages, const std::string& source_dir,
                                    const std::string& work_dir);

}  // namespace kelu::test
