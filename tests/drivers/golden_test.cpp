// SPDX-License-Identifier: Apache-2.0
// Golden tests: every case folder under tests/data/drivers/<format>/<case>/ holds an input
// (input.* or, for the real sample files, shared.txt naming a file under ../shared/data),
// optional options.json, and what the parser must make of it:
//   expected.jsonl          one event per record (id zeroed, received 2026-01-01T00:00:00Z)
//   expected-errors.txt     one line per rejected record
//   expected-ignored.txt    how many records were ignored by design
//   expected-warnings.txt   what was read around, "N x what" per line
//   expected-file-error.txt the error when the whole file is refused
//   expected-summary.json   what `kelu ingest` reports for it, written by hand; for the real
//                           sample files (shared.txt) and inputs over 100 kB the only check
// KELU_UPDATE_GOLDEN=1 rewrites the expected files from the parser's output, for review.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/ingest_summary.hpp"
#include "agent/pos_sources.hpp"
#include "config/loader.hpp"
#include "drivers/pos_file_format.hpp"
#include "support/files.hpp"

namespace kelu::drivers {
namespace {

using test::slurp;

namespace fs = std::filesystem;
using nlohmann::json;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

format_options options_from(const fs::path& file) {
  format_options o;
  if (!fs::exists(file)) return o;
  const auto j = json::parse(slurp(file));
  if (j.contains("zone")) o.zone = core::time_zone::load(j["zone"].get<std::string>()).value();
  o.default_currency = j.value("currency", o.default_currency);
  if (j.contains("csv")) {
    // The case's sources.csv section goes through the real config loader (keys, presets,
    // validation) and the agent's mapping of it, as a store's kelu.json would.
    json section = j["csv"];
    if (!section.contains("preset_dir")) section["preset_dir"] = std::string(KELU_SOURCE_DIR) + "/config/presets/csv";
    const json cfg{{"store", {{"tenant", "t"}, {"id", "s"}, {"time_zone", j.value("zone", "UTC")},
                              {"currency", o.default_currency}}},
                   {"sources", {{"csv", section}}}};
    const auto loaded = config::load_text(cfg.dump(), (file.parent_path().filename() / "options.json").string());
    for (const auto& e : loaded.errors) ADD_FAILURE() << e.to_string();
    auto mapped = format_options_for(loaded.value, o.zone);
    EXPECT_TRUE(mapped) << mapped.error_message();
    if (mapped) {
      o.csv = mapped->csv;
      o.csv_zone = mapped->csv_zone;
    }
  }
  if (j.contains("escpos")) {
    const auto& e = j["escpos"];
    auto& l = o.escpos;
    l.preset = e.value("preset", l.preset);
    l.terminal = e.value("terminal", l.terminal);
    l.time_pattern = e.value("time_pattern", l.time_pattern);
    l.time_format = e.value("time_format", l.time_format);
  }
  return o;
}

struct golden_case {
  std::string format;
  fs::path dir;
};

std::vector<golden_case> all_cases() {
  std::vector<golden_case> out;
  const fs::path root = fs::path(KELU_TEST_DATA) / "drivers";
  for (const auto& f : fs::directory_iterator(root))
    for (const auto& c : fs::directory_iterator(f.path())) out.push_back({f.path().filename().string(), c.path()});
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.dir < b.dir; });
  return out;
}

void PrintTo(const golden_case& c, std::ostream* os) { *os << c.format << "/" << c.dir.filename().string(); }

class golden : public testing::TestWithParam<golden_case> {};

TEST_P(golden, parser_output_matches_the_expected_files) {
  const auto& c = GetParam();
  const bool update = std::getenv("KELU_UPDATE_GOLDEN") != nullptr;
  fs::path input;
  if (fs::exists(c.dir / "shared.txt")) {
    const auto rel = lines_of(slurp(c.dir / "shared.txt")).at(0);
    input = fs::path(KELU_SHARED_DATA) / rel;
    if (!fs::exists(input)) GTEST_SKIP() << "needs " << rel << " from ../shared/data, which is absent";
  } else {
    for (const auto& e : fs::directory_iterator(c.dir))
      if (e.path().stem() == "input") input = e.path();
  }
  ASSERT_FALSE(input.empty()) << c.dir << " has no input";
  const auto format = format_from_name(c.format);
  ASSERT_TRUE(format) << c.format;
  const auto opts = options_from(c.dir / "options.json");
  const auto parsed = parse_file(*format, slurp(input), opts);

  const auto expect_file = [&](const char* name, const std::string& actual) {
    const auto path = c.dir / name;
    if (update) {
      if (actual.empty())
        fs::remove(path);
      else
        std::ofstream(path, std::ios::binary) << actual;
      return;
    }
    const auto expected = fs::exists(path) ? slurp(path) : std::string{};
    EXPECT_EQ(actual, expected) << "in " << path;
  };

  if (!parsed) {
    expect_file("expected-file-error.txt", parsed.error_message() + "\n");
    return;
  }
  expect_file("expected-file-error.txt", "");
  std::vector<std::string> events;
  cli::ingest_summary summary;
  summary.add_file();
  for (auto rec : parsed->records) {
    auto e = make_pos_event(std::move(rec), {"s1", c.format, core::from_unix_ms(1'767'225'600'000)}, opts.zone);
    e.id = std::string(32, '0');
    summary.add(e, false);
    events.push_back(core::encode(e));
  }
  for (const auto& err : parsed->errors) summary.add_rejected(input.filename().string(), err);
  summary.add_ignored(parsed->ignored_kinds);
  summary.add_warnings(parsed->warnings);
  EXPECT_EQ(parsed->ignored, static_cast<std::int64_t>(parsed->ignored_kinds.size()));
  if (fs::exists(c.dir / "expected-summary.json")) {
    // Large real files: the figures, computed independently (see the case's README).
    const auto expected = json::parse(slurp(c.dir / "expected-summary.json"));
    const auto actual = summary.to_json();
    for (const auto& [key, value] : expected.items()) {
      if (key == "rejected_count")  // the messages name lines and bytes; generated cases count them
        EXPECT_EQ(static_cast<std::int64_t>(parsed->errors.size()), value.get<std::int64_t>());
      else
        EXPECT_EQ(actual.at(key), value) << "summary." << key;
    }
    if (fs::exists(c.dir / "shared.txt") || fs::file_size(input) > 100'000) return;  // too big to pin event by event
  }
  expect_file("expected.jsonl", joined(events));
  expect_file("expected-errors.txt", joined(parsed->errors));
  expect_file("expected-ignored.txt", parsed->ignored ? std::to_string(parsed->ignored) + "\n" : "");
  std::string warnings;
  for (const auto& [what, n] : parsed->warnings) warnings += std::to_string(n) + " x " + what + "\n";
  expect_file("expected-warnings.txt", warnings);
}

INSTANTIATE_TEST_SUITE_P(drivers, golden, testing::ValuesIn(all_cases()),
                         [](const testing::TestParamInfo<golden_case>& param) {
                           auto name = param.param.format + "_" + param.param.dir.filename().string();
                           for (auto& ch : name)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return name;
                         });

}  // namespace
}  // namespace kelu::drivers
