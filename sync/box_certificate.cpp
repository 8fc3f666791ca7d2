// SPDX-License-Identifier: Apache-2.0
#include "box_certificate.hpp"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <ctime>
#include <memory>

#include "core/files.hpp"

namespace kelu::sync {

namespace {

std::optional<core::utc_time> to_utc(const ASN1_TIME* t) {
  std::tm tm{};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
  return core::from_unix_ms(static_cast<std::int64_t>(timegm(&tm)) * 1000);
}

}  // namespace

core::result<box_certificate> parse_box_certificate(std::string_view pem, const std::string& origin) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio{BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free};
  std::unique_ptr<X509, decltype(&X509_free)> x{bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr,
                                                &X509_free};
  if (!x) return core::error{origin + ": no PEM certificate in it"};
  box_certificate c;
  char cn[256] = {};
  const int n = X509_NAME_get_text_by_NID(X509_get_subject_name(x.get()), NID_commonName, cn, sizeof cn);
  if (n > 0) c.common_name.assign(cn, static_cast<std::size_t>(n));
  const auto from = to_utc(X509_get0_notBefore(x.get()));
  const auto until = to_utc(X509_get0_notAfter(x.get()));
  if (!from || !until) return core::error{origin + ": unreadable validity dates"};
  c.not_before = *from;
  c.not_after = *until;
  return c;
}

core::result<box_certificate> read_box_certificate(const std::string& pem_path) {
  const auto text = core::read_file(pem_path);
  if (!text) return core::error{"mqtt.tls.cert_file " + pem_path + ": cannot be read"};
  return parse_box_certificate(*text, "mqtt.tls.cert_file " + pem_path);
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

}  // namespace kelu::sync
