// SPDX-License-Identifier: Apache-2.0
// `kelu update apply`'s steps and outcomes with the system's tools replaced by stand-ins on PATH
// (apt-get, dpkg-query, dpkg-deb keeping an "installed version" in a file): what it installs, when
// it rolls back, what it reports, and what it refuses. The real apt, dpkg and package are in
// tests/packaging/update_test.sh (a Debian 12 root, HQ's signed repository over HTTP).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/files.hpp"
#include "cli/update_command.hpp"
#include "agent/update_dir.hpp"
#include "support/temp_dir.hpp"

namespace kelu {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using cli::run_update_apply;
using cli::update_options;

// The stand-ins. State in $FAKE: installed (the version), calls (one line per call), and switches
// (fail-update, fail-install, no-download) a test creates to make a step fail.
constexpr const char* apt_get = R"sh(#!/bin/sh
echo "apt-get $*" >>"$FAKE/calls"
target=$(eval echo "\${$#}")
case "$*" in
  *" update") [ -e "$FAKE/fail-update" ] && { echo "E: Failed to fetch http://hq/kelu/dists/kelu/InRelease" >&2; exit 100; }; exit 0 ;;
  *" download "*) [ -e "$FAKE/no-download" ] && { echo "E: Version '${target#kelu=}' for 'kelu' was not found" >&2; exit 100; }
    echo "${target#kelu=}" >"kelu_${target#kelu=}_amd64.deb"; exit 0 ;;
esac
[ -e "$FAKE/fail-install" ] && [ "${target#kelu=}" != "$target" ] && { echo "E: Unable to locate package kelu" >&2; exit 100; }
case "$target" in
  kelu=*) echo "${target#kelu=}" >"$FAKE/installed" ;;
  /*) cat "$target" >"$FAKE/installed" ;;
esac
)sh";
constexpr const char* dpkg_query = R"sh(#!/bin/sh
echo "dpkg-query $*" >>"$FAKE/calls"
tr -d '\n' <"$FAKE/installed"
)sh";
constexpr const char* dpkg_deb = R"sh(#!/bin/sh
cat "$2"
)sh";
// The agent restarted: as the new version would, it writes a verdict for the nonce it finds
// (verdict-ok / verdict-fail / none, per $FAKE/agent).
constexpr const char* restart_agent = R"sh(#!/bin/sh
echo "restart" >>"$FAKE/calls"
mode=$(cat "$FAKE/agent" 2>/dev/null || echo none)
[ -e "$UPDATE/applying.json" ] || exit 0
nonce=$(sed -n 's/.*"nonce": "\([^"]*\)".*/\1/p' "$UPDATE/applying.json")
case $mode in
  ok) printf '{"nonce": "%s", "ok": true, "failures": []}' "$nonce" >"$UPDATE/verdict.json" ;;
  fail) printf '{"nonce": "%s", "ok": false, "failures": ["mqtt: not connected to ssl://hq:8883: TLS handshake failed"]}' "$nonce" >"$UPDATE/verdict.json" ;;
esac
)sh";

class update_apply : public ::testing::Test {
 protected:
  update_apply() {
    std::filesystem::create_directories(bin);
    write_script("apt-get", apt_get);
    write_script("dpkg-query", dpkg_query);
    write_script("dpkg-deb", dpkg_deb);
    write_script("restart-agent", restart_agent);
    ::setenv("PATH", (bin.string() + ":" + path_before).c_str(), 1);
    ::setenv("FAKE", fake.path().c_str(), 1);
    ::setenv("UPDATE", dir.path().c_str(), 1);
    set("installed", "0.2.0");
    EXPECT_TRUE(dir.make());
    o.dir = dir.path();
    o.keep = fake.path() / "keep";
    o.restart = {(bin / "restart-agent").string()};
    o.start_allowance = 0s;
  }
  ~update_apply() override { ::setenv("PATH", path_before.c_str(), 1); }
  void write_script(const std::string& name, const char* text) {
    std::ofstream(bin / name) << text;
    ::chmod((bin / name).c_str(), 0755);
  }
  void set(const std::string& name, const std::string& text) { std::ofstream(fake.path() / name) << text << "\n"; }
  std::string get(const std::string& name) const {
    auto t = core::read_file(fake.path() / name).value_or("");
    while (!t.empty() && t.back() == '\n') t.pop_back();
    return t;
  }
  void request(const std::string& version, int gate_s = 1) {
    ASSERT_TRUE(dir.write(update_dir::request, {{"version", version}, {"attempt", 0}, {"gate_s", gate_s},
                                                {"before", {{"mqtt", true}}}}));
  }
  json apply() {
    std::ostringstream out, err;
    EXPECT_EQ(run_update_apply(o, out, err), 0) << out.str() << err.str();
    log = out.str() + err.str();
    auto r = dir.read(update_dir::result);
    EXPECT_TRUE(r && *r) << log;
    return r && *r ? **r : json();
  }
  int count(const std::string& call) const {
    std::istringstream in(get("calls"));
    int n = 0;
    for (std::string line; std::getline(in, line);) n += line.find(call) != std::string::npos;
    return n;
  }

  std::string path_before = std::getenv("PATH");
  test::temp_dir fake;
  test::temp_dir data;
  std::filesystem::path bin = fake.path() / "bin";
  update_dir dir{data.path() / "update"};
  update_options o;
  std::string log;
};

TEST_F(update_apply, installs_the_version_keeps_the_previous_package_and_reports_updated) {
  set("agent", "ok");
  request("0.2.1");
  const auto r = apply();
  EXPECT_EQ(r["outcome"], "updated") << r;
  EXPECT_EQ(r["previous"], "0.2.0");
  EXPECT_EQ(r["version"], "0.2.1");
  EXPECT_EQ(get("installed"), "0.2.1");
  EXPECT_GE(r["took_s"].get<double>(), 0.0);
  EXPECT_EQ(count("apt-get -q download kelu=0.2.0"), 1);
  EXPECT_EQ(count("install kelu=0.2.1"), 1);
  EXPECT_EQ(count("restart"), 1);
  EXPECT_TRUE(std::filesystem::exists(o.keep / "kelu_0.2.0_amd64.deb"));
  EXPECT_FALSE(dir.exists(update_dir::request));
  EXPECT_FALSE(dir.exists(update_dir::applying));
  EXPECT_FALSE(dir.exists(update_dir::verdict));
  // Nothing requested: nothing done.
  std::ostringstream out, err;
  EXPECT_EQ(run_update_apply(o, out, err), 0);
  EXPECT_NE(out.str().find("nothing requested"), std::string::npos);
}

TEST_F(update_apply, a_failing_health_gate_reinstalls_the_kept_package_and_says_why) {
  set("agent", "fail");
  request("0.2.1");
  const auto r = apply();
  EXPECT_EQ(r["outcome"], "rolled_back") << r;
  EXPECT_EQ(r["reason"], "health gate: mqtt: not connected to ssl://hq:8883: TLS handshake failed");
  EXPECT_EQ(get("installed"), "0.2.0");
  EXPECT_EQ(count("install " + (o.keep / "kelu_0.2.0_amd64.deb").string()), 1);
  EXPECT_EQ(count("restart"), 2);  // into the new version, back into the old
  EXPECT_FALSE(dir.exists(update_dir::applying)) << "the old version must not judge itself";
}

TEST_F(update_apply, a_version_that_never_gives_a_verdict_is_rolled_back_at_the_deadline) {
  set("agent", "none");  // crashes at start
  request("0.2.1", 1);
  const auto r = apply();
  EXPECT_EQ(r["outcome"], "rolled_back") << r;
  EXPECT_NE(r["reason"].get<std::string>().find("gave no health verdict within 1 s"), std::string::npos) << r;
  EXPECT_EQ(get("installed"), "0.2.0");
}

TEST_F(update_apply, without_a_copy_of_the_running_version_it_does_not_update) {
  set("no-download", "");
  request("0.2.1");
  const auto r = apply();
  EXPECT_EQ(r["outcome"], "failed");
  EXPECT_NE(r["reason"].get<std::string>().find("no copy of the running 0.2.0 to roll back to"), std::string::npos) << r;
  EXPECT_NE(r["reason"].get<std::string>().find("Version '0.2.0' for 'kelu' was not found"), std::string::npos) << r;
  EXPECT_EQ(count("install"), 0);
  EXPECT_EQ(count("restart"), 0);
}

TEST_F(update_apply, an_install_apt_refuses_changes_nothing_and_a_repository_down_is_a_failure_too) {
  set("fail-install", "");
  request("0.2.1");
  auto r = apply();
  EXPECT_EQ(r["outcome"], "failed");
  EXPECT_EQ(r["reason"], "apt-get install: apt-get failed (exit 100): E: Unable to locate package kelu");
  EXPECT_EQ(get("installed"), "0.2.0");
  EXPECT_EQ(count("restart"), 0);
  std::filesystem::remove(fake.path() / "fail-install");
  set("fail-update", "");
  request("0.2.1");
  r = apply();
  EXPECT_EQ(r["outcome"], "failed");
  EXPECT_NE(r["reason"].get<std::string>().find("Failed to fetch"), std::string::npos) << r;
}

TEST_F(update_apply, the_version_running_already_is_reported_current) {
  request("0.2.0");
  EXPECT_EQ(apply()["outcome"], "current");
  EXPECT_EQ(count("apt-get"), 0);
}

TEST_F(update_apply, a_run_cut_short_is_finished_by_the_next_one) {
  // Installed and restarted, then power lost before the updater read the passing verdict.
  set("installed", "0.2.1");
  std::filesystem::create_directories(o.keep);
  std::ofstream(o.keep / "kelu_0.2.0_amd64.deb") << "0.2.0\n";
  ASSERT_TRUE(dir.write(update_dir::applying, {{"version", "0.2.1"}, {"previous", "0.2.0"}, {"nonce", "n1"}}));
  ASSERT_TRUE(dir.write(update_dir::verdict, {{"nonce", "n1"}, {"ok", true}}));
  EXPECT_EQ(apply()["outcome"], "updated");
  EXPECT_EQ(get("installed"), "0.2.1");
  // Lost while installing (no nonce yet, the version half-changed): rolled back from the copy.
  ASSERT_TRUE(dir.write(update_dir::applying, {{"version", "0.2.2"}, {"previous", "0.2.0"}}));
  set("installed", "0.2.2");
  const auto r = apply();
  EXPECT_EQ(r["outcome"], "rolled_back") << r;
  EXPECT_EQ(r["reason"], "interrupted while installing");
  EXPECT_EQ(get("installed"), "0.2.0");
}

TEST_F(update_apply, root_installs_nothing_a_file_of_the_agents_points_at) {
  // A compromised agent names a package it planted and a version it wants: the rollback takes only
  // the copy root kept, and there is none of that version.
  std::ofstream(data.path() / "planted.deb") << "6.6.6\n";
  ASSERT_TRUE(dir.write(update_dir::applying, {{"version", "0.2.1"}, {"previous", "6.6.6"},
                                                {"kept", (data.path() / "planted.deb").string()}}));
  set("installed", "0.2.1");
  const auto r = apply();
  EXPECT_EQ(r["outcome"], "failed") << r;
  EXPECT_NE(r["reason"].get<std::string>().find("no kept copy of 6.6.6"), std::string::npos) << r;
  EXPECT_EQ(count("planted"), 0);
  EXPECT_EQ(get("installed"), "0.2.1");
}

TEST_F(update_apply, fields_of_the_wrong_type_are_refused_not_thrown) {
  // Root reads what the agent's user wrote: a damaged or hostile file ends in an outcome, never a crash.
  ASSERT_TRUE(dir.write(update_dir::request, {{"version", 5}, {"gate_s", "soon"}, {"before", "all"}}));
  auto r = apply();
  EXPECT_EQ(r["outcome"], "failed");
  EXPECT_EQ(r["reason"], "\"\" is not a package version");
  set("agent", "none");
  request("0.2.1");
  ASSERT_TRUE(dir.write(update_dir::verdict, {{"nonce", json::array()}, {"ok", "yes"}}));
  r = apply();
  EXPECT_EQ(r["outcome"], "rolled_back") << r;
  EXPECT_EQ(get("installed"), "0.2.0");
}

TEST_F(update_apply, a_request_that_is_a_symlink_is_not_followed) {
  // The update directory is the agent's user's: root reads nothing through a link planted there.
  std::ofstream(fake.path() / "secret") << "{\"version\": \"0.2.1\"}";
  std::filesystem::create_symlink(fake.path() / "secret", dir.path() / update_dir::request);
  const auto r = apply();
  EXPECT_EQ(r["outcome"], "failed");
  EXPECT_NE(r["reason"].get<std::string>().find("a symlink"), std::string::npos) << r;
  EXPECT_EQ(count("apt-get"), 0);
}

}  // namespace
}  // namespace kelu
