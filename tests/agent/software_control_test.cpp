// SPDX-License-Identifier: Apache-2.0
// The agent's half of a software update, without a broker: what HQ's software/desired makes the
// box do (a request, waiting for the window, holding a rolled_back version, refusing a bad
// document), read from the files it leaves for the updater and the reports it makes.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>

#include <fstream>

#include "agent/software_control.hpp"
#include "agent/software_desired.hpp"
#include "support/io_helpers.hpp"
#include "support/temp_dir.hpp"

namespace kelu {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

core::utc_time instant(const char* iso) { return core::parse_iso8601(iso, core::time_zone::utc()).value(); }

TEST(software_desired, reads_hq_documents_and_names_what_is_wrong) {
  auto d = parse_software_desired(R"({"version":"0.3.1-2","attempt":2,"gate_s":60,"window":"02:00-05:00"})");
  ASSERT_TRUE(d) << d.error_message();
  EXPECT_EQ(d->version, "0.3.1-2");
  EXPECT_EQ(d->attempt, 2);
  EXPECT_EQ(d->gate, 60s);
  EXPECT_EQ(d->window, "02:00-05:00");
  EXPECT_EQ(parse_software_desired(R"({"version":"1:0.3.0~rc1+b2"})")->window, "closed");
  const std::pair<const char*, const char*> bad[] = {
      {R"({"attempt":1})", "version: required"},
      {R"({"version":"--reinstall"})", "is not a package version"},
      {R"({"version":"0.3 evil"})", "is not a package version"},
      {R"({"version":"0.3.0","gate_s":5})", "gate_s: 5 is outside 30..900"},
      {R"({"version":"0.3.0","attempt":-1})", "attempt:"},
      {R"({"version":"0.3.0","window":"25:00-26:00"})", "window:"},
      {R"({"version":"0.3.0",)", "not JSON at byte"},
      {R"({"version":"0.3.0","only_after":"22:00"})", "only_after: unknown field"},
  };
  for (const auto& [payload, why] : bad) {
    auto r = parse_software_desired(payload);
    ASSERT_FALSE(r) << payload;
    EXPECT_NE(r.error_message().find(why), std::string::npos) << payload << " -> " << r.error_message();
  }
}

TEST(maintenance_window, closed_means_closed_long_enough_in_the_stores_own_time) {
  const auto shanghai = core::time_zone::load("Asia/Shanghai").value();
  auto w = maintenance_window::make("closed", "daily 09:00-21:00", 30min).value();
  EXPECT_FALSE(w.open_at(instant("2026-12-03T04:00:00Z"), shanghai));  // 12:00 in Shanghai
  EXPECT_TRUE(w.open_at(instant("2026-12-03T14:00:00Z"), shanghai));   // 22:00
  EXPECT_FALSE(w.open_at(instant("2026-12-03T00:40:00Z"), shanghai));  // 08:40: opens within the margin
  EXPECT_EQ(analytics::format_local(*w.next_open(instant("2026-12-03T04:02:00Z"), shanghai), shanghai),
            "2026-12-03T21:00:00+08:00");
  // No opening hours: the small hours.
  auto night = maintenance_window::make("closed", "", 30min).value();
  EXPECT_TRUE(night.open_at(instant("2026-12-02T18:30:00Z"), shanghai));  // 02:30
  EXPECT_FALSE(night.open_at(instant("2026-12-03T04:00:00Z"), shanghai));
  // A store open around the clock with "closed": never, and next_open says so.
  auto never = maintenance_window::make("closed", "daily 00:00-24:00", 30min).value();
  EXPECT_FALSE(never.next_open(instant("2026-12-03T04:00:00Z"), shanghai));
  auto ranges = maintenance_window::make("sat-sun 03:00-04:00", "", 0s).value();
  EXPECT_TRUE(ranges.open_at(instant("2026-12-05T19:30:00Z"), shanghai));   // Sunday 03:30
  EXPECT_FALSE(ranges.open_at(instant("2026-12-02T19:30:00Z"), shanghai));  // Thursday 03:30
  EXPECT_TRUE(maintenance_window::make("any", "daily 00:00-24:00", 30min)->open_at(instant("2026-12-03T04:00:00Z"), shanghai));
}

struct manual_clock final : core::clock {
  core::utc_time now = instant("2026-12-03T18:00:00Z");  // 02:00 in Shanghai
  core::utc_time now_utc() const override { return now; }
  std::chrono::steady_clock::time_point now_steady() const override { return std::chrono::steady_clock::now(); }
};

class software : public ::testing::Test {
 protected:
  software() { make("0.2.0"); }

  void make(const std::string& version, const std::string& boot = "boot-1") {
    software_control::hooks h;
    h.report = [this](json r) { reports.push_back(std::move(r)); };
    h.components_up = [] { return json{{"mqtt", true}, {"dashboard", false}, {"cameras", json::array({"door"})}}; };
    h.checks = [this](const json& up) {
      checked = up;
      return std::vector<gate_check>{{"mqtt", [this]() -> std::optional<std::string> {
                                        if (healthy) return std::nullopt;
                                        return std::string("not connected to tcp://hq:1883");
                                      }}};
    };
    h.opening_hours = [this] { return opening; };
    control.reset();
    control = std::make_unique<software_control>(io.get_executor(), dir, software_control::identity{version, boot},
                                                 zone, clock, std::make_shared<spdlog::logger>("software", std::make_shared<spdlog::sinks::null_sink_mt>()), h);
  }
  json state() const { return reports.empty() ? json() : reports.back(); }
  std::optional<json> file(const char* name) const { return dir.read(name).value(); }

  test::temp_dir tmp;
  update_dir dir{tmp.path() / "update"};
  boost::asio::io_context io;
  core::time_zone zone = core::time_zone::load("Asia/Shanghai").value();
  manual_clock clock;
  std::string opening = "daily 09:00-21:00";
  bool healthy = true;
  json checked;
  std::vector<json> reports;
  std::unique_ptr<software_control> control;
};

TEST_F(software, a_new_version_inside_the_window_is_requested_with_what_is_up_now) {
  control->start();
  EXPECT_EQ(state()["state"], "current");
  control->on_desired(false, R"({"version":"0.2.1"})");
  EXPECT_EQ(state()["state"], "requested");
  EXPECT_EQ(state()["desired"], json({{"version", "0.2.1"}, {"attempt", 0}, {"from", "store"}}));
  const auto req = file(update_dir::request);
  ASSERT_TRUE(req);
  EXPECT_EQ((*req)["version"], "0.2.1");
  EXPECT_EQ((*req)["from_version"], "0.2.0");
  EXPECT_EQ((*req)["gate_s"], 120);
  EXPECT_EQ((*req)["before"]["cameras"], json::array({"door"}));
  // HQ takes it back before the updater ran: the request goes.
  control->on_desired(false, R"({"version":"0.2.0"})");
  EXPECT_EQ(state()["state"], "current");
  EXPECT_FALSE(file(update_dir::request));
}

TEST_F(software, the_stores_document_wins_over_the_estates_and_the_estates_stands_when_it_is_cleared) {
  control->start();
  control->on_desired(true, R"({"version":"0.3.0"})");
  EXPECT_EQ(state()["desired"]["from"], "estate");
  control->on_desired(false, R"({"version":"0.2.0"})");  // this store stays where it is
  EXPECT_EQ(state()["state"], "current");
  EXPECT_EQ(state()["desired"]["from"], "store");
  control->on_desired(false, "");
  EXPECT_EQ(state()["desired"]["version"], "0.3.0");
  EXPECT_EQ(state()["state"], "requested");
}

TEST_F(software, outside_the_window_it_waits_and_says_until_when) {
  clock.now = instant("2026-12-03T04:00:00Z");  // 12:00, open
  control->start();
  control->on_desired(false, R"({"version":"0.2.1"})");
  EXPECT_EQ(state()["state"], "waiting");
  EXPECT_EQ(state()["window_opens"], "2026-12-03T21:00:00+08:00");
  EXPECT_FALSE(file(update_dir::request));
  const auto published = reports.size();
  io.restart();
  io.run_for(10ms);
  EXPECT_EQ(reports.size(), published) << "the same state is not published again";
}

TEST_F(software, a_bad_document_is_refused_with_its_reason_and_nothing_is_requested) {
  control->start();
  control->on_desired(false, R"({"version":"0.2.1; rm -rf /"})");
  EXPECT_EQ(state()["state"], "refused");
  EXPECT_NE(state()["reason"].get<std::string>().find("is not a package version"), std::string::npos);
  EXPECT_FALSE(file(update_dir::request));
}

TEST_F(software, after_the_install_it_judges_itself_and_a_rolled_back_version_is_held) {
  // As the updater leaves it after installing and restarting: applying.json with its nonce.
  ASSERT_TRUE(dir.make());
  ASSERT_TRUE(dir.write(update_dir::applying, {{"version", "0.2.0"}, {"previous", "0.1.9"}, {"nonce", "n-1"},
                                                {"gate_s", 30}, {"before", {{"mqtt", true}}}}));
  healthy = false;
  control->start();
  EXPECT_EQ(state()["state"], "gating");
  EXPECT_EQ(checked, json({{"mqtt", true}}));
  healthy = true;
  ASSERT_TRUE(test::run_until(io, [&] { return dir.exists(update_dir::verdict); }, 5s));
  auto verdict = *file(update_dir::verdict);
  EXPECT_EQ(verdict["nonce"], "n-1");
  EXPECT_EQ(verdict["ok"], true);
  EXPECT_EQ(verdict["version"], "0.2.0");

  // Another run of the same story where the updater rolled back: the result is reported once and
  // kept, and the same version at the same attempt is not asked for again.
  dir.remove(update_dir::verdict);
  dir.remove(update_dir::applying);
  ASSERT_TRUE(dir.write(update_dir::result, {{"version", "0.2.1"}, {"attempt", 0}, {"previous", "0.2.0"},
                                              {"outcome", "rolled_back"}, {"reason", "health gate: mqtt: down"},
                                              {"took_s", 41.5}, {"finished_ms", 1}}));
  make("0.2.0", "boot-2");
  control->start();
  EXPECT_EQ(state()["last"]["outcome"], "rolled_back");
  EXPECT_EQ(state()["last"]["took_s"], 41.5);
  EXPECT_FALSE(file(update_dir::result));
  EXPECT_TRUE(file(update_dir::last));
  control->on_desired(false, R"({"version":"0.2.1"})");
  EXPECT_EQ(state()["state"], "held");
  EXPECT_NE(state()["reason"].get<std::string>().find("\"attempt\": 1"), std::string::npos) << state();
  EXPECT_FALSE(file(update_dir::request));
  control->on_desired(false, R"({"version":"0.2.1","attempt":1})");
  EXPECT_EQ(state()["state"], "requested");
}

TEST_F(software, a_version_that_fails_its_gate_says_why_in_its_verdict) {
  ASSERT_TRUE(dir.make());
  ASSERT_TRUE(dir.write(update_dir::applying, {{"version", "0.2.0"}, {"nonce", "n-2"}, {"gate_s", 1}}));
  healthy = false;
  control->start();
  ASSERT_TRUE(test::run_until(io, [&] { return dir.exists(update_dir::verdict); }, 20s));
  auto verdict = *file(update_dir::verdict);
  EXPECT_EQ(verdict["ok"], false);
  EXPECT_EQ(verdict["failures"], json::array({"mqtt: not connected to tcp://hq:1883"}));
}

}  // namespace
}  // namespace kelu
