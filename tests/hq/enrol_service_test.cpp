// SPDX-License-Identifier: Apache-2.0
// HQ's enrolment endpoint as a function, with a real CA (scripts/hq-ca) behind it: every answer a
// box can get, and that a refusal or a failing CA never costs the technician the code.
#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include "sync/box_certificate.hpp"
#include "agent/certificate_request.hpp"
#include "hq/ca_command.hpp"
#include "hq/enrol_service.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace kelu::hq {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
namespace http = boost::beast::http;

class fixed_clock final : public core::clock {
 public:
  core::utc_time now_utc() const override { return now; }
  std::chrono::steady_clock::time_point now_steady() const override { return std::chrono::steady_clock::now(); }
  core::utc_time now = core::from_unix_ms(1'780'000'000'000);
};

enrol_signer sign_with(const csr_signer& s) {
  return [&s](const std::string& t, const std::string& store, const std::string& csr) { return s.sign(t, store, csr); };
}

class enrol_endpoint : public testing::Test {
 protected:
  void SetUp() override {
    test::process init({"/bin/bash", std::string(KELU_SOURCE_DIR) + "/scripts/hq-ca", "init", ca_dir},
                       dir.file("hq-ca.log"));
    ASSERT_EQ(init.wait(60s), 0) << "scripts/hq-ca init failed";
    auto c = enrol_codes::open(dir.file("codes.db"));
    ASSERT_TRUE(c) << c.error_message();
    codes = std::move(c).value();
    service = std::make_unique<enrol_service>(*codes, sign_with(signer), clock,
                                              enrol_service_options{{{"mqtt.uri", "ssl://hq.example:8883"},
                                                                     {"store.time_zone", "UTC"}},
                                                                    "-----BEGIN CERTIFICATE-----\nCA\n"},
                                              std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>()));
  }

  std::string issue(json settings = json::object()) {
    return codes->issue({"acme", "sh-042", std::move(settings)}, 1h, clock.now).value().code;
  }

  net::response post(const json& body, const std::string& from = "10.0.0.7",
                           const std::string& target = "/v1/enroll") {
    net::request req{http::verb::post, target, 11};
    req.body() = body.dump();
    req.prepare_payload();
    return service->handle(req, {from, std::chrono::steady_clock::now(), true});
  }
  static json body_of(const net::response& r) { return json::parse(r.body()); }

  test::temp_dir dir;
  std::string ca_dir = dir.file("ca");
  fixed_clock clock;
  csr_signer signer{{"/bin/bash", std::string(KELU_SOURCE_DIR) + "/scripts/hq-ca", "sign", ca_dir}, 20s};
  std::unique_ptr<enrol_codes> codes;
  std::unique_ptr<enrol_service> service;
  key_and_request box = make_key_and_request("whatever the box asks for").value();
};

TEST_F(enrol_endpoint, a_good_code_gets_a_certificate_naming_its_store_for_the_box_key_and_the_settings) {
  const auto code = issue({{"store.time_zone", "Asia/Shanghai"}, {"store.opening_hours", "Mon-Sun 10:00-22:00"}});
  const auto r = post({{"code", code}, {"csr", box.csr_pem}, {"box", {{"version", "0.2.0"}}}});
  ASSERT_EQ(r.result(), http::status::ok) << r.body();
  const auto g = body_of(r);
  EXPECT_EQ(g["tenant"], "acme");
  EXPECT_EQ(g["store"], "sh-042");
  const auto cert = sync::parse_box_certificate(g["certificate"].get<std::string>(), "answer");
  ASSERT_TRUE(cert) << cert.error_message();
  EXPECT_EQ(cert->common_name, "acme/sh-042");  // not what the request asked for
  EXPECT_TRUE(certificate_matches_key(g["certificate"], box.key_pem));
  EXPECT_FALSE(certificate_matches_key(g["certificate"], make_key_and_request("y")->key_pem));
  EXPECT_EQ(g["ca"], "-----BEGIN CERTIFICATE-----\nCA\n");
  // The estate's settings, the code's over them.
  EXPECT_EQ(g["settings"], (json{{"mqtt.uri", "ssl://hq.example:8883"},
                                 {"store.time_zone", "Asia/Shanghai"},
                                 {"store.opening_hours", "Mon-Sun 10:00-22:00"}}));
  EXPECT_EQ(service->stats().enrolled, 1);

  // The answer was lost: a request for the same key (signed anew) gets the same certificate;
  // another box gets nothing.
  const auto same_key = request_for_key(box.key_pem, "again").value();
  ASSERT_NE(same_key, box.csr_pem);
  const auto again = post({{"code", code}, {"csr", same_key}});
  ASSERT_EQ(again.result(), http::status::ok) << again.body();
  EXPECT_EQ(body_of(again)["certificate"], g["certificate"]);
  EXPECT_EQ(service->stats().repeated, 1);
  const auto other = post({{"code", code}, {"csr", make_key_and_request("x")->csr_pem}}, "10.0.0.9");
  EXPECT_EQ(other.result(), http::status::forbidden);
  EXPECT_EQ(body_of(other)["error"], "used");
}

TEST_F(enrol_endpoint, refusals_name_why_and_a_bad_request_keeps_the_code) {
  const auto code = issue();
  EXPECT_EQ(post({{"code", code}}).result(), http::status::bad_request);
  EXPECT_EQ(post(json::array()).result(), http::status::bad_request);
  auto forged = box.csr_pem;
  forged[forged.size() / 2] = forged[forged.size() / 2] == 'A' ? 'B' : 'A';  // the signature no longer verifies
  const auto bad = post({{"code", code}, {"csr", forged}});
  EXPECT_EQ(bad.result(), http::status::bad_request);
  EXPECT_NE(body_of(bad)["message"].get<std::string>().find("csr"), std::string::npos);
  EXPECT_EQ(post({{"code", code}, {"csr", box.csr_pem}}).result(), http::status::ok);  // still good

  const auto unknown = post({{"code", "AAAA-BBBB-CCCC"}, {"csr", box.csr_pem}});
  EXPECT_EQ(unknown.result(), http::status::forbidden);
  EXPECT_EQ(body_of(unknown)["error"], "unknown");
  const auto late = issue();
  clock.now += 2h;
  const auto expired = post({{"code", late}, {"csr", box.csr_pem}});
  EXPECT_EQ(body_of(expired)["error"], "expired");
  EXPECT_EQ(post({{"code", late}}, "a", "/v1/other").result(), http::status::not_found);
  net::request get{http::verb::get, "/v1/enroll", 11};
  EXPECT_EQ(service->handle(get, {"a", std::chrono::steady_clock::now(), true}).result(),
            http::status::method_not_allowed);
}

TEST_F(enrol_endpoint, guessing_codes_from_one_address_is_slowed_down_and_others_are_not) {
  int refused = 0, limited = 0;
  for (int i = 0; i < 30; ++i) {
    const auto r = post({{"code", "AAAA-BBBB-CC" + std::to_string(10 + i)}, {"csr", box.csr_pem}}, "10.6.6.6");
    refused += r.result() == http::status::forbidden;
    limited += r.result() == http::status::too_many_requests;
  }
  EXPECT_EQ(refused, 10);  // the burst
  EXPECT_EQ(limited, 20);
  EXPECT_EQ(post({{"code", issue()}, {"csr", box.csr_pem}}, "10.0.0.7").result(), http::status::ok);
}

TEST_F(enrol_endpoint, a_failing_ca_is_a_502_and_the_code_stays_good) {
  csr_signer broken{{"/bin/bash", "-c", "echo 'CA key unreadable' >&2; exit 3", "signer"}, 20s};
  enrol_service failing{*codes, sign_with(broken), clock, {}, std::make_shared<spdlog::logger>("t")};
  const auto code = issue();
  net::request req{http::verb::post, "/v1/enroll", 11};
  req.body() = json{{"code", code}, {"csr", box.csr_pem}}.dump();
  const auto r = failing.handle(req, {"10.0.0.7", std::chrono::steady_clock::now(), true});
  EXPECT_EQ(r.result(), http::status::bad_gateway);
  EXPECT_EQ(body_of(r)["error"], "signing_failed");
  EXPECT_EQ(failing.stats().signing_failures, 1);
  EXPECT_EQ(post({{"code", code}, {"csr", box.csr_pem}}).result(), http::status::ok);
}

TEST_F(enrol_endpoint, a_store_enrolled_again_has_its_earlier_certificate_revoked_once) {
  std::vector<std::string> revoked;
  bool revoke_works = true;
  enrol_service_options o;
  o.revoke = [&](const std::string& pem) -> core::status {
    if (!revoke_works) return core::error{"CA unreachable"};
    revoked.push_back(pem);
    return core::ok();
  };
  enrol_service with_revoke{*codes, sign_with(signer), clock, o, std::make_shared<spdlog::logger>("t")};
  const auto enrol = [&](const std::string& code, const std::string& csr) {
    net::request req{http::verb::post, "/v1/enroll", 11};
    req.body() = json{{"code", code}, {"csr", csr}}.dump();
    const auto r = with_revoke.handle(req, {"10.0.0.7", std::chrono::steady_clock::now(), true});
    EXPECT_EQ(r.result(), http::status::ok) << r.body();
    return body_of(r)["certificate"].get<std::string>();
  };
  const auto first_code = issue();
  const auto first = enrol(first_code, box.csr_pem);
  EXPECT_TRUE(revoked.empty());  // nothing before it
  enrol(first_code, box.csr_pem);  // the same box asking again: not a new enrolment
  EXPECT_TRUE(revoked.empty());

  const auto replacement = make_key_and_request("new box").value();
  revoke_works = false;  // HQ's CA cannot revoke now: the box is enrolled all the same
  const auto second = enrol(issue(), replacement.csr_pem);
  EXPECT_EQ(with_revoke.stats().revoke_failures, 1);
  revoke_works = true;
  const auto third = enrol(issue(), make_key_and_request("third")->csr_pem);
  // The two before it, each once; the one failed earlier is tried again.
  EXPECT_EQ(revoked, (std::vector<std::string>{first, second}));
  EXPECT_EQ(with_revoke.stats().revoked, 2);
  enrol(issue(), make_key_and_request("fourth")->csr_pem);
  EXPECT_EQ(revoked.size(), 3u);
  EXPECT_EQ(revoked.back(), third);
}

TEST(csr_signer, a_command_that_hangs_is_killed_at_the_deadline_and_one_naming_another_store_is_refused) {
  const auto csr = make_key_and_request("x")->csr_pem;
  csr_signer hanging{{"/bin/bash", "-c", "exec sleep 60"}, 300ms};
  const auto started = std::chrono::steady_clock::now();
  const auto r = hanging.sign("acme", "sh-042", csr);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error_message().find("did not finish within 300 ms"), std::string::npos) << r.error_message();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 30s);

  test::temp_dir dir;
  const auto ca_dir = dir.file("ca");
  test::process init({"/bin/bash", std::string(KELU_SOURCE_DIR) + "/scripts/hq-ca", "init", ca_dir}, dir.file("log"));
  ASSERT_EQ(init.wait(60s), 0);
  // A signer that ignores the store it is given (a misconfigured PKI script).
  csr_signer wrong{{"/bin/bash", "-c",
                    "\"$0\" sign \"$1\" acme sh-999 \"$4\" \"$5\" >/dev/null",
                    std::string(KELU_SOURCE_DIR) + "/scripts/hq-ca", ca_dir},
                   20s};
  const auto w = wrong.sign("acme", "sh-042", csr);
  ASSERT_FALSE(w);
  EXPECT_NE(w.error_message().find("\"acme/sh-999\", not \"acme/sh-042\""), std::string::npos) << w.error_message();
}

}  // namespace
}  // namespace kelu::hq
