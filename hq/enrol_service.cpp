// SPDX-License-Identifier: Apache-2.0
#include "enrol_service.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include "core/hex.hpp"

namespace kelu::hq {

namespace {

namespace http = boost::beast::http;
using nlohmann::json;

net::response answer(const net::request& req, http::status status, const json& body) {
  net::response res{status, req.version()};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  res.body() = body.dump() + "\n";
  res.prepare_payload();
  return res;
}

net::response refusal(const net::request& req, http::status status, const std::string& kind,
                            const std::string& message) {
  return answer(req, status, {{"error", kind}, {"message", message}});
}

}  // namespace

std::optional<std::string> certificate_request_key_id(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio{BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free};
  std::unique_ptr<X509_REQ, decltype(&X509_REQ_free)> req{
      bio ? PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr) : nullptr, &X509_REQ_free};
  EVP_PKEY* key = req ? X509_REQ_get0_pubkey(req.get()) : nullptr;
  const bool verified = key && X509_REQ_verify(req.get(), key) == 1;
  ERR_clear_error();
  if (!verified) return std::nullopt;
  unsigned char* der = nullptr;
  const int n = i2d_PUBKEY(key, &der);
  if (n <= 0) return std::nullopt;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  EVP_Digest(der, static_cast<std::size_t>(n), md, &md_len, EVP_sha256(), nullptr);
  OPENSSL_free(der);
  return core::to_hex(std::string_view(reinterpret_cast<const char*>(md), md_len));
}

enrol_service::enrol_service(enrol_codes& codes, enrol_signer signer, const core::clock& clock,
                             enrol_service_options options, std::shared_ptr<spdlog::logger> log)
    : codes_(codes),
      signer_(std::move(signer)),
      clock_(clock),
      options_(std::move(options)),
      log_(std::move(log)),
      limiter_(10, std::chrono::seconds(60), 10000) {}

net::response enrol_service::handle(const net::request& req, const net::client_info& client) {
  if (req.target() != "/v1/enroll") return refusal(req, http::status::not_found, "not_found", "POST /v1/enroll only");
  if (req.method() != http::verb::post)
    return refusal(req, http::status::method_not_allowed, "method_not_allowed", "POST /v1/enroll only");
  return enrol(req, client);
}

net::response enrol_service::enrol(const net::request& req, const net::client_info& client) {
  if (!limiter_.allowed(client.address, client.now)) {
    ++stats_.rate_limited;
    return refusal(req, http::status::too_many_requests, "rate_limited",
                   "too many unusable codes from " + client.address + ": wait a minute");
  }
  const auto body = json::parse(req.body(), nullptr, false);
  const auto text = [&](const char* key) {
    return body.is_object() && body.contains(key) && body[key].is_string() ? body[key].get<std::string>()
                                                                          : std::string{};
  };
  const auto code = text("code"), csr = text("csr");
  if (code.empty() || csr.empty()) {
    ++stats_.bad_requests;
    return refusal(req, http::status::bad_request, "bad_request", "expected {\"code\": ..., \"csr\": PEM}");
  }
  const auto key_id = certificate_request_key_id(csr);
  if (!key_id) {
    ++stats_.bad_requests;
    return refusal(req, http::status::bad_request, "bad_request", "csr: not a certificate request signed by its key");
  }
  const auto r = codes_.redeem(code, *key_id, clock_.now_utc(), client.address);
  if (!r) {
    log_->error("{}", r.error_message());
    return refusal(req, http::status::internal_server_error, "storage", "HQ cannot read its codes; try again later");
  }
  if (r->outcome == redeem_outcome::granted || r->outcome == redeem_outcome::repeated)
    return granted(req, *r, code, csr, client.address);
  return refused(req, *r, client);
}

void enrol_service::revoke_superseded(const enrol_grant& g, const std::string& code) {
  if (!options_.revoke) return;
  const auto earlier = codes_.superseded(g.tenant, g.store, code);
  if (!earlier) {
    log_->error("{}", earlier.error_message());
    return;
  }
  for (const auto& c : *earlier) {
    if (auto st = options_.revoke(c.pem); !st) {
      ++stats_.revoke_failures;
      log_->error("{}/{}: the certificate of its enrolment at {} is not revoked: {}", g.tenant, g.store,
                  core::format_iso8601(c.used_at), st.error_message());
      continue;
    }
    ++stats_.revoked;
    if (auto st = codes_.mark_revoked(c.digest, clock_.now_utc()); !st) log_->error("{}", st.error_message());
    log_->warn("{}/{}: revoked the certificate of its enrolment at {}; the broker refuses it once it reads the new CRL",
               g.tenant, g.store, core::format_iso8601(c.used_at));
  }
}

net::response enrol_service::refused(const net::request& req, const redeemed& r,
                                           const net::client_info& client) {
  ++stats_.refused;
  limiter_.failed(client.address, client.now);
  const std::string kind = to_string(r.outcome);
  log_->warn("enrolment from {} refused: code {}", client.address, kind);
  const auto message = r.outcome == redeem_outcome::used
                           ? "this code was used at " + core::format_iso8601(r.used_at) + ": ask HQ for a new one"
                       : r.outcome == redeem_outcome::expired ? "this code has expired: ask HQ for a new one"
                                                              : "no such code: check what was typed";
  return refusal(req, http::status::forbidden, kind, message);
}

net::response enrol_service::granted(const net::request& req, const redeemed& r, const std::string& code,
                                           const std::string& csr, const std::string& peer) {
  const auto& g = r.grant;
  std::string certificate = r.certificate;
  if (r.outcome == redeem_outcome::granted) {
    auto signed_pem = signer_(g.tenant, g.store, csr);
    if (!signed_pem) {
      ++stats_.signing_failures;
      log_->error("enrolment of {}/{} from {}: {}", g.tenant, g.store, peer, signed_pem.error_message());
      if (auto st = codes_.release(code); !st) log_->error("{}", st.error_message());
      return refusal(req, http::status::bad_gateway, "signing_failed",
                     "HQ's certificate authority failed; the code is still good, try again");
    }
    certificate = std::move(signed_pem).value();
    if (auto st = codes_.record_certificate(code, certificate); !st) log_->error("{}", st.error_message());
    ++stats_.enrolled;
    revoke_superseded(g, code);
  } else {
    ++stats_.repeated;
  }
  json settings = options_.estate_settings;
  for (const auto& [key, value] : g.settings.items()) settings[key] = value;
  log_->info("enrolled {}/{} from {}{}", g.tenant, g.store, peer,
             r.outcome == redeem_outcome::repeated ? " (a repeated request: the same certificate again)" : "");
  return answer(req, http::status::ok,
                {{"tenant", g.tenant},
                 {"store", g.store},
                 {"certificate", certificate},
                 {"ca", options_.ca_pem},
                 {"settings", settings}});
}

}  // namespace kelu::hq
