// SPDX-License-Identifier: Apache-2.0
// The file safe mode falls back to: kept when it loads alone, and written only when it changed,
// so an ordinary restart writes (and fsyncs) nothing before the agent is ready.
#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <fstream>

#include "agent/boot_config.hpp"
#include "config/loader.hpp"
#include "core/files.hpp"
#include "support/temp_dir.hpp"

namespace kelu {
namespace {

using nlohmann::json;

struct kept_file {
  ino_t inode = 0;
  mode_t mode = 0;
};

kept_file stat_of(const std::filesystem::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return {st.st_ino, st.st_mode & 0777};
}

TEST(last_good, is_written_when_it_changed_and_left_alone_when_it_did_not) {
  test::temp_dir dir;
  const json file = {{"store", {{"tenant", "acme"}, {"id", "sh-001"}}},
                     {"storage", {{"path", dir.file("kelu.db")}}},
                     {"mqtt", {{"uri", "tcp://127.0.0.1:1883"}}}};
  const auto cfg = config::load_text(file.dump()).value;
  const config_files files{cfg, std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>())};
  const auto kept = last_good_path(cfg);

  files.save_last_good(file);
  ASSERT_EQ(core::read_file(kept), file.dump(2) + "\n");
  const auto first = stat_of(kept);
  EXPECT_EQ(first.mode, 0600u);

  files.save_last_good(file);  // a restart with the same file
  EXPECT_EQ(stat_of(kept).inode, first.inode);  // not replaced: nothing written

  auto changed = file;
  changed["store"]["name"] = "Jing'an";
  files.save_last_good(changed);
  EXPECT_EQ(core::read_file(kept), changed.dump(2) + "\n");
  EXPECT_NE(stat_of(kept).inode, first.inode);

  // A file that needs the technician's settings to load is no use alone: the kept one stays.
  auto incomplete = changed;
  incomplete["mqtt"].erase("uri");
  incomplete["sources"] = {{"pos_tcp", {{"port", -1}}}};
  files.save_last_good(incomplete);
  EXPECT_EQ(core::read_file(kept), changed.dump(2) + "\n");
}

}  // namespace
}  // namespace kelu
