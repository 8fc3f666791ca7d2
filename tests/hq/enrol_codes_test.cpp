// SPDX-License-Identifier: Apache-2.0
// HQ's one-time enrolment codes in a real SQLite file: what a technician may mistype, and that a
// code enrols one box once, before it expires, even with two boxes (two processes) racing for it.
#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <optional>
#include <set>
#include <thread>

#include "hq/enrol_code.hpp"
#include "hq/enrol_codes.hpp"
#include "support/temp_dir.hpp"

namespace kelu::hq {
namespace {

using namespace std::chrono_literals;

const core::utc_time t0 = core::from_unix_ms(1'780'000'000'000);

TEST(enrol_code, is_three_groups_of_crockford_base32_and_differs_every_time) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const auto code = new_enrol_code();
    ASSERT_EQ(code.size(), 14u) << code;
    EXPECT_EQ(code[4], '-');
    EXPECT_EQ(code[9], '-');
    EXPECT_EQ(code.find_first_of("ILOU"), std::string::npos) << code;
    EXPECT_EQ(normalise_enrol_code(code), code);
    seen.insert(code);
  }
  EXPECT_EQ(seen.size(), 200u);
}

TEST(enrol_code, forgives_case_dashes_spaces_and_look_alike_letters_only) {
  EXPECT_EQ(normalise_enrol_code("k7qf 2m9x tr4p"), "K7QF-2M9X-TR4P");
  EXPECT_EQ(normalise_enrol_code("K7QF2M9XTR4P"), "K7QF-2M9X-TR4P");
  EXPECT_EQ(normalise_enrol_code("O1LI-0000-0000"), "0111-0000-0000");
  EXPECT_EQ(normalise_enrol_code("K7QF-2M9X-TR4"), std::nullopt);     // too short
  EXPECT_EQ(normalise_enrol_code("K7QF-2M9X-TR4PP"), std::nullopt);   // too long
  EXPECT_EQ(normalise_enrol_code("K7QF-2M9X-TR4U"), std::nullopt);    // U is not in the alphabet
  EXPECT_EQ(normalise_enrol_code("K7QF-2M9X-TR4!"), std::nullopt);
  EXPECT_EQ(enrol_code_digest("K7QF-2M9X-TR4P").size(), 64u);
}

class enrol_codes_file : public testing::Test {
 protected:
  std::unique_ptr<enrol_codes> open() {
    auto c = enrol_codes::open(dir.file("codes.db"));
    EXPECT_TRUE(c) << c.error_message();
    return std::move(c).value();
  }
  // The id of another box's key (enrol_service derives it from the request).
  std::string csr() { return "key-" + std::to_string(++keys); }
  int keys = 0;
  test::temp_dir dir;
};

TEST_F(enrol_codes_file, a_code_enrols_once_and_keeps_its_store_and_settings) {
  auto codes = open();
  const enrol_grant grant{"acme", "sh-042", {{"store.time_zone", "Asia/Shanghai"}}};
  const auto issued = codes->issue(grant, 24h, t0);
  ASSERT_TRUE(issued) << issued.error_message();
  EXPECT_EQ(issued->expires_at, t0 + 24h);
  // Only the digest is kept: the code itself is nowhere in the file.
  std::ifstream file(dir.file("codes.db"), std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(file), {}};
  EXPECT_EQ(bytes.find(issued->code), std::string::npos);

  const auto request = csr();
  auto lower = issued->code;
  for (auto& ch : lower) ch = static_cast<char>(std::tolower(ch));
  const auto first = codes->redeem(lower, request, t0 + 1h, "10.0.0.7");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->outcome, redeem_outcome::granted);
  EXPECT_EQ(first->grant.tenant, "acme");
  EXPECT_EQ(first->grant.store, "sh-042");
  EXPECT_EQ(first->grant.settings, grant.settings);

  const auto again = codes->redeem(issued->code, csr(), t0 + 2h, "10.0.0.8");
  EXPECT_EQ(again->outcome, redeem_outcome::used);
  EXPECT_EQ(again->used_at, t0 + 1h);
  const auto listed = codes->list("acme");
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_TRUE(listed->front().used);
  EXPECT_EQ(listed->front().used_by, "10.0.0.7");
}

TEST_F(enrol_codes_file, unknown_expired_and_released_codes) {
  auto codes = open();
  const auto issued = codes->issue({"acme", "sh-042", {}}, 1h, t0).value();
  EXPECT_EQ(codes->redeem("AAAA-BBBB-CCCC", csr(), t0, "a")->outcome, redeem_outcome::unknown);
  EXPECT_EQ(codes->redeem("not a code", csr(), t0, "a")->outcome, redeem_outcome::unknown);
  EXPECT_EQ(codes->redeem(issued.code, csr(), t0 + 1h, "a")->outcome, redeem_outcome::expired);

  const auto other = codes->issue({"acme", "sh-043", {}}, 1h, t0).value();
  ASSERT_EQ(codes->redeem(other.code, csr(), t0, "a")->outcome, redeem_outcome::granted);
  ASSERT_TRUE(codes->release(other.code));  // HQ's CA failed: the technician tries again
  EXPECT_EQ(codes->redeem(other.code, csr(), t0 + 1min, "a")->outcome, redeem_outcome::granted);
}

TEST_F(enrol_codes_file, the_same_request_again_gets_the_same_certificate_another_does_not) {
  auto codes = open();
  const auto issued = codes->issue({"acme", "sh-042", {}}, 1h, t0).value();
  const auto request = csr();
  ASSERT_EQ(codes->redeem(issued.code, request, t0, "a")->outcome, redeem_outcome::granted);
  // Before the certificate is recorded there is nothing to repeat.
  EXPECT_EQ(codes->redeem(issued.code, request, t0, "a")->outcome, redeem_outcome::used);
  ASSERT_TRUE(codes->record_certificate(issued.code, "CERT"));
  const auto repeat = codes->redeem(issued.code, request, t0 + 1min, "a");
  EXPECT_EQ(repeat->outcome, redeem_outcome::repeated);
  EXPECT_EQ(repeat->certificate, "CERT");
  EXPECT_EQ(repeat->grant.store, "sh-042");
  EXPECT_EQ(codes->redeem(issued.code, csr(), t0 + 1min, "b")->outcome, redeem_outcome::used);
  EXPECT_EQ(codes->redeem(issued.code, request, t0 + 1h, "a")->outcome, redeem_outcome::used);  // expired since
}

TEST_F(enrol_codes_file, two_servers_racing_with_one_code_enrol_one_box) {
  auto a = open();
  auto b = open();  // a second connection to the same file, as a second server process has
  for (int round = 0; round < 20; ++round) {
    const auto code = a->issue({"acme", "s" + std::to_string(round), {}}, 1h, t0).value().code;
    std::optional<core::result<redeemed>> ra, rb;
    std::thread ta([&] { ra.emplace(a->redeem(code, csr(), t0, "a")); });
    std::thread tb([&] { rb.emplace(b->redeem(code, csr(), t0, "b")); });
    ta.join();
    tb.join();
    ASSERT_TRUE(*ra && *rb);
    const int granted = ((*ra)->outcome == redeem_outcome::granted) + ((*rb)->outcome == redeem_outcome::granted);
    EXPECT_EQ(granted, 1) << "round " << round;
  }
}

TEST(enrol_codes_open, a_file_that_is_not_one_is_named) {
  test::temp_dir dir;
  std::ofstream(dir.file("codes.db")) << "not a database at all, just text that is long enough to be read";
  const auto c = enrol_codes::open(dir.file("codes.db"));
  ASSERT_FALSE(c);
  EXPECT_NE(c.error_message().find(dir.file("codes.db")), std::string::npos) << c.error_message();
}

}  // namespace
}  // namespace kelu::hq
