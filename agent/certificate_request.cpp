// SPDX-License-Identifier: Apache-2.0
#include "certificate_request.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

namespace kelu {

namespace {

using bio_handle = std::unique_ptr<BIO, decltype(&BIO_free)>;
using key_handle = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

std::string openssl_error() {
  const auto code = ERR_get_error();
  ERR_clear_error();
  char text[256] = "unknown OpenSSL error";
  if (code != 0) ERR_error_string_n(code, text, sizeof text);
  return text;
}

bio_handle reader(const std::string& pem) {
  return {BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free};
}

std::string drained(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string{};
}

key_handle read_key(const std::string& pem) {
  auto bio = reader(pem);
  return {bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr, &EVP_PKEY_free};
}

core::result<std::string> request_of(EVP_PKEY* key, const std::string& common_name) {
  std::unique_ptr<X509_REQ, decltype(&X509_REQ_free)> req{X509_REQ_new(), &X509_REQ_free};
  if (!req) return core::error{"cannot make a certificate request: " + openssl_error()};
  X509_NAME* name = X509_REQ_get_subject_name(req.get());
  const bool made =
      X509_REQ_set_version(req.get(), 0) == 1 &&
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(common_name.c_str()),
                                 -1, -1, 0) == 1 &&
      X509_REQ_set_pubkey(req.get(), key) == 1 && X509_REQ_sign(req.get(), key, EVP_sha256()) > 0;
  bio_handle out{BIO_new(BIO_s_mem()), &BIO_free};
  if (!made || !out || PEM_write_bio_X509_REQ(out.get(), req.get()) != 1)
    return core::error{"cannot make a certificate request: " + openssl_error()};
  return drained(out.get());
}

}  // namespace

core::result<key_and_request> make_key_and_request(const std::string& common_name) {
  key_handle key{EVP_EC_gen("P-256"), &EVP_PKEY_free};
  if (!key) return core::error{"cannot make a key: " + openssl_error()};
  bio_handle out{BIO_new(BIO_s_mem()), &BIO_free};
  if (!out || PEM_write_bio_PrivateKey(out.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return core::error{"cannot encode the key: " + openssl_error()};
  auto csr = request_of(key.get(), common_name);
  if (!csr) return core::error{csr.error_message()};
  return key_and_request{drained(out.get()), std::move(csr).value()};
}

core::result<std::string> request_for_key(const std::string& key_pem, const std::string& common_name) {
  auto key = read_key(key_pem);
  if (!key) return core::error{"not a PEM private key: " + openssl_error()};
  return request_of(key.get(), common_name);
}

bool certificate_matches_key(const std::string& certificate_pem, const std::string& key_pem) {
  auto bio = reader(certificate_pem);
  std::unique_ptr<X509, decltype(&X509_free)> cert{bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr,
                                                   &X509_free};
  auto key = read_key(key_pem);
  const bool match = cert && key && X509_check_private_key(cert.get(), key.get()) == 1;
  ERR_clear_error();
  return match;
}

}  // namespace kelu
