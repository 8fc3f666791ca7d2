// SPDX-License-Identifier: Apache-2.0
#include "schema_check.hpp"

#include <chrono>
#include <fstream>

#include "process.hpp"

namespace kelu::test {

schema_report check_against_schemas(const std::vector<received>& messages, const std::string& source_dir,
                                    const std::string& work_dir, const std::string& schema_dir, bool as_consumer) {
  using namespace std::chrono_literals;
  schema_report r;
  {
    process probe({"/usr/bin/python3", "-c", "import jsonschema"}, work_dir + "/probe.log");
    if (probe.wait(30s) != 0) {
      r.available = false;
      return r;
    }
  }
  std::ofstream manifest(work_dir + "/manifest.tsv");
  int n = 0;
  for (const auto& m : messages) {
    const auto file = work_dir + "/payload-" + std::to_string(n++) + ".json";
    std::ofstream(file) << m.payload;
    manifest << m.topic << "\t" << file << "\n";
  }
  manifest.close();
  std::vector<std::string> argv{"/usr/bin/python3", source_dir + "/tests/schemas_check.py"};
  if (as_consumer) argv.push_back("--as-consumer");
  argv.push_back(source_dir + "/" + schema_dir);
  argv.push_back(work_dir + "/manifest.tsv");
  process check(argv, work_dir + "/check.log");
  r.status = check.wait(60s);
  std::ifstream in(work_dir + "/check.log");
  r.text.assign(std::istreambuf_iterator<char>(in), {});
  return r;
}

}  // namespace kelu::test
