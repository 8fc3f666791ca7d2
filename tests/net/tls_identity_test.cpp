// SPDX-License-Identifier: Apache-2.0
// The box's own certificate: what a browser checks (names, validity, key use), the file modes,
// and the errors a technician gets for files that do not belong together.
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <boost/asio/ssl/context.hpp>

#include <cstdio>
#include <fstream>
#include <memory>
#include <regex>

#include "net/tls_identity.hpp"
#include "support/temp_dir.hpp"

namespace kelu::net {
namespace {

std::unique_ptr<X509, void (*)(X509*)> read_cert(const std::filesystem::path& p) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(p.c_str(), "r"), &std::fclose);
  return {f ? PEM_read_X509(f.get(), nullptr, nullptr, nullptr) : nullptr, &X509_free};
}

TEST(tls_identity, a_self_signed_certificate_names_the_box_and_serves_tls_only) {
  test::temp_dir dir;
  const tls_files files{dir.path() / "c.pem", dir.path() / "k.pem"};
  ASSERT_TRUE(create_self_signed(files, {"192.168.1.20", "kelu-store-42", "::1"}, 3650));
  const auto cert = read_cert(files.cert);
  ASSERT_TRUE(cert);
  // Names as subjectAltName entries (browsers ignore the CN): the IP as an IP, the name as DNS.
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "192.168.1.20", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "::1", 0), 1);
  EXPECT_EQ(X509_check_host(cert.get(), "kelu-store-42", 0, 0, nullptr), 1);
  EXPECT_NE(X509_check_host(cert.get(), "other-box", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "192.168.1.21", 0), 0);
  // A server leaf, not a CA: it cannot sign anything else if the box is stolen.
  EXPECT_EQ(X509_check_ca(cert.get()), 0);
  EXPECT_EQ(X509_check_purpose(cert.get(), X509_PURPOSE_SSL_SERVER, 0), 1);
  // Valid now (with an hour's slack for a clock behind) and for the years asked.
  EXPECT_LT(X509_cmp_current_time(X509_get0_notBefore(cert.get())), 0);
  int days = 0, seconds = 0;
  ASSERT_EQ(ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(cert.get()), X509_get0_notAfter(cert.get())), 1);
  EXPECT_EQ(days, 3650);
  struct stat st{};
  ASSERT_EQ(::stat(files.key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "the private key must not be readable by others";
  EXPECT_TRUE(load_server_context(files));
  EXPECT_FALSE(std::filesystem::exists(files.cert.string() + ".tmp"));
}

TEST(tls_identity, the_fingerprint_is_the_sha256_browsers_show_and_changes_on_renewal) {
  test::temp_dir dir;
  const tls_files files{dir.path() / "c.pem", dir.path() / "k.pem"};
  ASSERT_TRUE(create_self_signed(files, {"127.0.0.1"}, 30));
  const auto first = certificate_fingerprint(files.cert);
  ASSERT_TRUE(first) << first.error_message();
  EXPECT_TRUE(std::regex_match(*first, std::regex("SHA256 ([0-9A-F]{2}:){31}[0-9A-F]{2}"))) << *first;
  const auto cert = read_cert(files.cert);
  unsigned char md[32];
  unsigned int n = 0;
  ASSERT_EQ(X509_digest(cert.get(), EVP_sha256(), md, &n), 1);
  char head[8];
  std::snprintf(head, sizeof head, "%02X:%02X", md[0], md[1]);
  EXPECT_EQ(first->substr(7, 5), head);
  ASSERT_TRUE(create_self_signed(files, {"127.0.0.1"}, 30));
  EXPECT_NE(*certificate_fingerprint(files.cert), *first);
}

TEST(tls_identity, files_that_do_not_belong_together_are_refused_naming_the_file) {
  test::temp_dir dir;
  const tls_files a{dir.path() / "a.pem", dir.path() / "a.key"};
  const tls_files b{dir.path() / "b.pem", dir.path() / "b.key"};
  ASSERT_TRUE(create_self_signed(a, {"127.0.0.1"}, 30));
  ASSERT_TRUE(create_self_signed(b, {"127.0.0.1"}, 30));
  const auto mixed = load_server_context({a.cert, b.key});
  ASSERT_FALSE(mixed);
  EXPECT_NE(mixed.error_message().find(b.key.string() + ": is not the key of " + a.cert.string()), std::string::npos)
      << mixed.error_message();
  std::ofstream(dir.file("junk.pem")) << "not a certificate\n";
  const auto junk = load_server_context({dir.path() / "junk.pem", a.key});
  ASSERT_FALSE(junk);
  EXPECT_NE(junk.error_message().find("junk.pem: not a PEM certificate chain"), std::string::npos) << junk.error_message();
  const auto missing = load_server_context({dir.path() / "absent.pem", a.key});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error_message().find("absent.pem"), std::string::npos);
  EXPECT_FALSE(certificate_fingerprint(dir.path() / "junk.pem"));
  EXPECT_FALSE(create_self_signed({dir.path() / "no" / "dir.pem", dir.path() / "no" / "dir.key"}, {"x"}, 1));
}

}  // namespace
}  // namespace kelu::net
