// SPDX-License-Identifier: Apache-2.0
// HQ's MQTT consumer over TLS to a real mosquitto that requires a client certificate: a message
// goes round through the broker, a broker the CA does not vouch for is refused, and so is a
// client without a certificate.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "hq/sink/mqtt_consumer.hpp"
#include "support/mosquitto.hpp"
#include "support/test_pki.hpp"

namespace kelu::hq {
namespace {

using namespace std::chrono_literals;

class mqtt_transport_tls : public testing::Test {
 protected:
  void SetUp() override {
    if (!test::test_pki::available()) GTEST_SKIP() << "openssl is not installed (scripts/setup installs it)";
    pki_ = std::make_unique<test::test_pki>();
    const test::broker_tls tls{pki_->ca(), pki_->server_cert(), pki_->server_key(), /*require_client_certificate=*/true};
    broker_ = std::make_unique<test::mosquitto>(tls);
    broker_->start();
  }

  consumer_options options(const std::string& ca, bool client_certificate) const {
    consumer_options o;
    o.uri = broker_->uri();  // ssl://127.0.0.1:port: the certificate must name that address
    o.tls.ca_file = ca;
    if (client_certificate) {
      o.tls.cert_file = pki_->client_cert();
      o.tls.key_file = pki_->client_key();
    }
    o.session = connect_packet{"hq-tls-test", "", "", 30, true};
    o.filters = {"kelu/v1/acme/+/status"};
    o.timeout = 5s;
    return o;
  }

  std::unique_ptr<test::test_pki> pki_;
  std::unique_ptr<test::mosquitto> broker_;
};

TEST_F(mqtt_transport_tls, a_message_goes_round_through_the_broker_over_tls) {
  ASSERT_EQ(broker_->uri().substr(0, 6), "ssl://");
  auto c = mqtt_consumer::connect(options(pki_->ca(), true));
  ASSERT_TRUE(c) << c.error_message();
  // Larger than one TLS record (16 KB), so reads span records and OpenSSL's own buffer.
  const std::string payload(100'000, 'x');
  ASSERT_TRUE(c->publish_confirmed("kelu/v1/acme/s1/status", payload, false));
  std::vector<publish_packet> got;
  for (int i = 0; i < 50 && got.empty(); ++i) {
    auto r = c->receive(100ms, 10);
    ASSERT_TRUE(r) << r.error_message();
    got = std::move(r).value();
  }
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].topic, "kelu/v1/acme/s1/status");
  EXPECT_EQ(got[0].payload, payload);
  EXPECT_TRUE(c->acknowledge(got));
  c->close();
}

TEST_F(mqtt_transport_tls, a_broker_the_ca_does_not_vouch_for_is_refused_with_the_reason) {
  auto c = mqtt_consumer::connect(options(pki_->other_ca(), true));
  ASSERT_FALSE(c);
  EXPECT_NE(c.error_message().find("the broker's certificate"), std::string::npos) << c.error_message();
}

TEST_F(mqtt_transport_tls, without_a_client_certificate_or_a_ca_or_over_plain_tcp_it_does_not_connect) {
  auto no_cert = mqtt_consumer::connect(options(pki_->ca(), false));
  EXPECT_FALSE(no_cert);
  auto no_ca = mqtt_consumer::connect(options("", true));
  ASSERT_FALSE(no_ca);
  EXPECT_NE(no_ca.error_message().find("CA file is required"), std::string::npos) << no_ca.error_message();
  auto o = options(pki_->ca(), true);
  o.uri = "tcp://127.0.0.1:" + std::to_string(broker_->port());
  o.timeout = 2s;
  EXPECT_FALSE(mqtt_consumer::connect(o));
}

}  // namespace
}  // namespace kelu::hq
