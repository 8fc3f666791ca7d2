// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include "sync/box_certificate.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace kelu::sync {
namespace {

using namespace std::chrono_literals;

class box_certificate_file : public testing::Test {
 protected:
  // A self-signed certificate named `cn`, valid for `days` from now, made by the openssl command.
  std::string make(const std::string& name, const std::string& cn, int days) {
    const auto pem = dir.file(name + ".pem");
    test::process p({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                     "-nodes", "-subj", "/CN=" + cn, "-days", std::to_string(days), "-keyout", dir.file(name + ".key"),
                     "-out", pem},
                    dir.file("openssl.log"));
    EXPECT_EQ(p.wait(30s), 0);
    return pem;
  }
  // Taken after the certificates are made: their notBefore is the second openssl ran in.
  static core::utc_time now() {
    return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  }
  test::temp_dir dir;
};

TEST_F(box_certificate_file, reads_the_store_it_names_and_until_when) {
  const auto cert = read_box_certificate(make("box", "acme\\/sh-001", 400));
  ASSERT_TRUE(cert) << cert.error_message();
  const auto now = this->now();
  EXPECT_EQ(cert->common_name, "acme/sh-001");
  const auto hours_left = std::chrono::duration_cast<std::chrono::hours>(cert->not_after - now).count();
  EXPECT_GE(hours_left, 400 * 24 - 2);
  EXPECT_LE(hours_left, 400 * 24 + 1);
  EXPECT_FALSE(certificate_problem(*cert, "acme", "sh-001", now));
}

TEST_F(box_certificate_file, names_what_would_cut_the_box_off) {
  const auto other = read_box_certificate(make("other", "acme\\/sh-002", 400)).value();
  const auto soon = read_box_certificate(make("soon", "acme\\/sh-001", 10)).value();
  const auto plain = read_box_certificate(make("plain", "box-17", 400)).value();
  const auto now = this->now();
  const auto why = certificate_problem(other, "acme", "sh-001", now);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("names acme/sh-002, this box is acme/sh-001"), std::string::npos) << *why;

  const auto expiring = certificate_problem(soon, "acme", "sh-001", now);
  ASSERT_TRUE(expiring);
  EXPECT_NE(expiring->find("in 9 days"), std::string::npos) << *expiring;
  EXPECT_NE(certificate_problem(soon, "acme", "sh-001", now + 24h * 11)->find("expired"), std::string::npos);
  EXPECT_NE(certificate_problem(soon, "acme", "sh-001", now - 24h)->find("valid only from"), std::string::npos);

  // A broker set up otherwise (a CN that is not a store): not ours to judge.
  const auto not_judged = certificate_problem(plain, "acme", "sh-001", now);
  EXPECT_FALSE(not_judged) << not_judged.value_or("") << " (CN " << plain.common_name << ")";
}

TEST_F(box_certificate_file, a_missing_or_foreign_file_is_named) {
  const auto missing = read_box_certificate(dir.file("nowhere.pem"));
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error_message().find("nowhere.pem: cannot be read"), std::string::npos);
  std::ofstream(dir.file("key-only.pem")) << "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
  const auto foreign = read_box_certificate(dir.file("key-only.pem"));
  ASSERT_FALSE(foreign);
  EXPECT_NE(foreign.error_message().find("no PEM certificate"), std::string::npos) << foreign.error_message();
}

}  // namespace
}  // namespace kelu::sync
