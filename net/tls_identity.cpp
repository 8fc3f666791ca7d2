// SPDX-License-Identifier: Apache-2.0
#include "tls_identity.hpp"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio/ssl/context.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/files.hpp"

namespace kelu::net {

namespace {

template <class T, void (*Free)(T*)>
struct freer {
  void operator()(T* p) const { Free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, freer<EVP_PKEY, EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, freer<X509, X509_free>>;
using bio_ptr = std::unique_ptr<BIO, freer<BIO, BIO_free_all>>;
using ext_ptr = std::unique_ptr<X509_EXTENSION, freer<X509_EXTENSION, X509_EXTENSION_free>>;

std::string openssl_reason() {
  const auto code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

bool is_ip(const std::string& host) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, host.c_str(), buf) == 1 || ::inet_pton(AF_INET6, host.c_str(), buf) == 1;
}


std::string pem_of(int (*write)(BIO*, void*), void* object) {
  bio_ptr bio(BIO_new(BIO_s_mem()));
  if (!bio || write(bio.get(), object) != 1) return {};
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

int write_cert(BIO* bio, void* x) { return PEM_write_bio_X509(bio, static_cast<X509*>(x)); }
int write_key(BIO* bio, void* k) {
  return PEM_write_bio_PrivateKey(bio, static_cast<EVP_PKEY*>(k), nullptr, nullptr, 0, nullptr, nullptr);
}

bool add_extension(X509* x, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  ext_ptr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  return ext && X509_add_ext(x, ext.get(), -1) == 1;
}

// The certificate itself: subject = issuer, SANs for every host, a leaf for serving TLS.
x509_ptr self_signed(EVP_PKEY* key, const std::vector<std::string>& hosts, int days) {
  x509_ptr x(X509_new());
  if (!x) return nullptr;
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return nullptr;
  serial[0] &= 0x7f;  // positive, as RFC 5280 asks
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  const bool serial_set = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x.get()));
  BN_free(bn);
  if (!serial_set || X509_set_version(x.get(), 2) != 1) return nullptr;
  // An hour back: a box whose clock is slightly behind the phone's still presents a valid one.
  X509_gmtime_adj(X509_getm_notBefore(x.get()), -3600);
  X509_time_adj_ex(X509_getm_notAfter(x.get()), days, 0, nullptr);
  X509_NAME* name = X509_get_subject_name(x.get());
  const auto cn = hosts.empty() ? std::string("kelu") : "kelu " + hosts.front();
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("Kelu store box"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  if (X509_set_issuer_name(x.get(), name) != 1 || X509_set_pubkey(x.get(), key) != 1) return nullptr;
  std::string san;
  for (const auto& h : hosts) san += (san.empty() ? "" : ",") + std::string(is_ip(h) ? "IP:" : "DNS:") + h;
  if (!san.empty() && !add_extension(x.get(), NID_subject_alt_name, san)) return nullptr;
  if (!add_extension(x.get(), NID_basic_constraints, "critical,CA:FALSE") ||
      !add_extension(x.get(), NID_key_usage, "critical,digitalSignature") ||
      !add_extension(x.get(), NID_ext_key_usage, "serverAuth") || X509_sign(x.get(), key, EVP_sha256()) == 0)
    return nullptr;
  return x;
}

}  // namespace

core::status create_self_signed(const tls_files& files, const std::vector<std::string>& hosts, int days) {
  pkey_ptr key(EVP_EC_gen("P-256"));
  if (!key) return core::error{files.key.string() + ": cannot make a key: " + openssl_reason()};
  auto cert = self_signed(key.get(), hosts, days);
  if (!cert) return core::error{files.cert.string() + ": cannot make a certificate: " + openssl_reason()};
  const auto key_pem = pem_of(write_key, key.get());
  const auto cert_pem = pem_of(write_cert, cert.get());
  if (key_pem.empty() || cert_pem.empty()) return core::error{files.cert.string() + ": cannot encode: " + openssl_reason()};
  // The key first: a certificate without its key would be a box that cannot serve.
  if (auto st = core::write_file_atomically(files.key, key_pem, 0600); !st) return st;
  return core::write_file_atomically(files.cert, cert_pem, 0644);
}

core::result<std::shared_ptr<boost::asio::ssl::context>> load_server_context(const tls_files& files) {
  namespace ssl = boost::asio::ssl;
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::no_compression,
                   ec);
  if (ec) return core::error{"TLS: " + ec.message()};
  ctx->use_certificate_chain_file(files.cert.string(), ec);
  if (ec) return core::error{files.cert.string() + ": not a PEM certificate chain (" + ec.message() + ")"};
  ctx->use_private_key_file(files.key.string(), ssl::context::pem, ec);
  if (ec && ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH)
    return core::error{files.key.string() + ": is not the key of " + files.cert.string()};
  if (ec) return core::error{files.key.string() + ": not a PEM private key (" + ec.message() + ")"};
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    ERR_clear_error();
    return core::error{files.key.string() + ": is not the key of " + files.cert.string()};
  }
  return ctx;
}

core::result<std::string> certificate_fingerprint(const std::filesystem::path& cert) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(cert.c_str(), "r"), &std::fclose);
  if (!f) return core::error{cert.string() + ": cannot open (" + std::strerror(errno) + ")"};
  x509_ptr x(PEM_read_X509(f.get(), nullptr, nullptr, nullptr));
  if (!x) return core::error{cert.string() + ": not a PEM certificate (" + openssl_reason() + ")"};
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (X509_digest(x.get(), EVP_sha256(), md, &n) != 1) return core::error{cert.string() + ": " + openssl_reason()};
  std::string out = "SHA256 ";
  char hex[4];
  for (unsigned int i = 0; i < n; ++i) {
    std::snprintf(hex, sizeof hex, i + 1 < n ? "%02X:" : "%02X", md[i]);
    out += hex;
  }
  return out;
}

}  // namespace kelu::net
