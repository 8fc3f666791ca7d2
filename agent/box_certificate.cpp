#include "box_certificate.hpp"

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <ctime>
#include <memory>

namespace kelu {

namespace {

std::optional<core::utc_time> to_utc(const ASN1_TIME* t) {
  std::tm tm{};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
  return core::from_unix_ms(static_cast<std::int64_t>(timegm(&tm)) * 1000);
}

}  // namespace

core::result<box_certificate> read_box_certificate(const std::string& pem_path) {
  std::unique_ptr<FILE, decltype(&std::fclose)> f{std::fopen(pem_path.c_str(), "r"), &std::fclose};
  if (!f) return core::error{"mqtt.tls.cert_file " + pem_path + ": cannot be read"};
  std::unique_ptr<X509, decltype(&X509_free)> x{PEM_read_X509(f.get(), nullptr, nullptr, nullptr), &X509_free};
  if (!x) return core::error{"mqtt.tls.cert_file " + pem_path + ": no PEM certificate in it"};
  box_certificate c;
  char cn[256] = {};
  const int n = X509_NAME_get_text_by_NID(X509_get_subject_name(x.get()), NID_commonName, cn, sizeof cn);
  if (n > 0) c.common_name.assign(cn, static_cast<std::size_t>(n));
  const auto from = to_utc(X509_get0_notBefore(x.get()));
  const auto until = to_utc(X509_get0_notAfter(x.get()));
  if (!from || !until) return core::error{"mqtt.tls.cert_file " + pem_path + ": unreadable validity dates"};
  c.not_before = *from;
  c.not_after = *until;
  return c;
}

std::optional<std::string> certificate_problem(const box_certificate& cert, const std::string& tenant,
                                               const std::string& store, core::utc_time now,
                                               std::chrono::hours warn_before) {
  const auto expected = tenant + "/" + store;
  if (cert.common_name.find('/') != std::string::npos && cert.common_name != expected)
    return "the certificate names " + cert.common_name + ", this box is " + expected +
           ": HQ's broker drops what the box sends as another store's";
  if (now < cert.not_before) return "the certificate is valid only from " + core::format_iso8601(cert.not_before);
  if (now >= cert.not_after) return "the certificate expired at " + core::format_iso8601(cert.not_after);
  if (now + warn_before >= cert.not_after)
    return "the certificate expires at " + core::format_iso8601(cert.not_after) + ", in " +
           std::to_string(std::chrono::duration_cast<std::chrono::hours>(cert.not_after - now).count() / 24) +
           " days";
  return std::nullopt;
}

}  // namespace kelu
