// SPDX-License-Identifier: Apache-2.0
#include "http_auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <vector>

#include "core/hex.hpp"

namespace kelu::drivers {

namespace {

std::string hex(const unsigned char* p, unsigned len) { return core::to_hex({reinterpret_cast<const char*>(p), len}); }

std::string hash_hex(std::string_view algorithm, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  const EVP_MD* type = algorithm == "SHA-256" ? EVP_sha256() : EVP_md5();
  EVP_Digest(data.data(), data.size(), md, &len, type, nullptr);
  return hex(md, len);
}

bool equal_ct(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), s.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
         });
}

// key=value, key="quoted, value" pairs after a scheme name; keys lower-cased.
std::map<std::string, std::string> auth_params(std::string_view s) {
  std::map<std::string, std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == ',' || s[i] == '\t')) ++i;
    const auto eq = s.find('=', i);
    if (eq == std::string_view::npos) break;
    std::string key(s.substr(i, eq - i));
    while (!key.empty() && key.back() == ' ') key.pop_back();
    if (key.find(' ') != std::string::npos) break;  // the next scheme ("Basic realm=...") begins
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
    i = eq + 1;
    std::string value;
    if (i < s.size() && s[i] == '"') {
      for (++i; i < s.size() && s[i] != '"'; ++i) {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        value += s[i];
      }
      ++i;
    } else {
      const auto end = s.find(',', i);
      value = std::string(s.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i));
      while (!value.empty() && value.back() == ' ') value.pop_back();
      i = end == std::string_view::npos ? s.size() : end;
    }
    out.emplace(std::move(key), std::move(value));
  }
  return out;
}

std::string base64(std::string_view in) {
  std::vector<unsigned char> out(4 * ((in.size() + 2) / 3) + 1);
  const int n = EVP_EncodeBlock(out.data(), reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  return std::string(reinterpret_cast<const char*>(out.data()), static_cast<std::size_t>(n));
}

std::optional<std::string> unbase64(std::string_view in) {
  if (in.empty() || in.size() % 4 != 0 || in.size() > 4096) return std::nullopt;
  std::vector<unsigned char> out(in.size() / 4 * 3 + 1);
  const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  if (n < 0) return std::nullopt;
  // DecodeBlock counts the padding as bytes: take it off (at most two '='; more is not base64).
  const auto padding = in.size() - 1 - in.find_last_not_of('=');
  if (in.find_last_not_of('=') == std::string_view::npos || padding > 2 || static_cast<std::size_t>(n) < padding)
    return std::nullopt;
  const std::size_t len = static_cast<std::size_t>(n) - padding;
  return std::string(reinterpret_cast<const char*>(out.data()), len);
}

}  // namespace

std::string basic_authorization(std::string_view user, std::string_view password) {
  return "Basic " + base64(std::string(user) + ":" + std::string(password));
}

std::optional<digest_challenge> parse_digest_challenge(std::string_view header) {
  for (std::size_t i = 0; i < header.size(); ++i) {
    if ((i > 0 && header[i - 1] != ' ' && header[i - 1] != ',') || !starts_with_ci(header.substr(i), "Digest ")) continue;
    const auto p = auth_params(header.substr(i + 7));
    const auto get = [&](const char* k) { const auto it = p.find(k); return it == p.end() ? std::string{} : it->second; };
    digest_challenge c;
    c.realm = get("realm");
    c.nonce = get("nonce");
    c.opaque = get("opaque");
    if (get("qop").find("auth") != std::string::npos) c.qop = "auth";
    c.algorithm = get("algorithm").empty() ? "MD5" : get("algorithm");
    if (c.nonce.empty()) return std::nullopt;
    return c;
  }
  return std::nullopt;
}

std::string digest_answer(const digest_challenge& c, std::string_view user, std::string_view password,
                          std::string_view method, std::string_view uri, std::uint32_t nc, std::string_view cnonce) {
  const auto& alg = c.algorithm;
  const auto ha1 = hash_hex(alg, std::string(user) + ":" + c.realm + ":" + std::string(password));
  const auto ha2 = hash_hex(alg, std::string(method) + ":" + std::string(uri));
  char ncs[9];
  std::snprintf(ncs, sizeof ncs, "%08x", nc);
  const auto response = c.qop.empty()
                            ? hash_hex(alg, ha1 + ":" + c.nonce + ":" + ha2)
                            : hash_hex(alg, ha1 + ":" + c.nonce + ":" + ncs + ":" + std::string(cnonce) + ":auth:" + ha2);
  std::string out = "Digest username=\"" + std::string(user) + "\", realm=\"" + c.realm + "\", nonce=\"" + c.nonce +
                    "\", uri=\"" + std::string(uri) + "\", algorithm=" + alg + ", response=\"" + response + "\"";
  if (!c.qop.empty()) out += ", qop=auth, nc=" + std::string(ncs) + ", cnonce=\"" + std::string(cnonce) + "\"";
  if (!c.opaque.empty()) out += ", opaque=\"" + c.opaque + "\"";
  return out;
}

http_auth_check::http_auth_check(std::string mode, std::string user, std::string password, std::string token,
                                 std::string realm, std::chrono::seconds nonce_life)
    : mode_(std::move(mode)),
      user_(std::move(user)),
      password_(std::move(password)),
      token_(std::move(token)),
      realm_(std::move(realm)),
      nonce_life_(nonce_life) {
  unsigned char k[32];
  if (RAND_bytes(k, sizeof k) != 1) std::fill(std::begin(k), std::end(k), 0x5a);  // still per-process via time below
  key_ = hex(k, sizeof k) + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
}

std::string http_auth_check::nonce_at(std::int64_t seconds) const {
  const auto stamp = std::to_string(seconds);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()), reinterpret_cast<const unsigned char*>(stamp.data()),
       stamp.size(), mac, &len);
  return stamp + "-" + hex(mac, 16);
}

std::string http_auth_check::challenge(std::chrono::system_clock::time_point now) const {
  if (mode_ == "basic") return "Basic realm=\"" + realm_ + "\"";
  if (mode_ == "token") return "Bearer realm=\"" + realm_ + "\"";
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  return "Digest realm=\"" + realm_ + "\", qop=\"auth\", algorithm=MD5, nonce=\"" + nonce_at(s) + "\"";
}

bool http_auth_check::verify(std::string_view method, std::string_view target, std::string_view authorization,
                             std::chrono::system_clock::time_point now) const {
  if (mode_ == "none") return true;
  if (mode_ == "token") {
    if (starts_with_ci(authorization, "Bearer ")) return equal_ct(authorization.substr(7), token_);
    const auto q = target.find('?');
    if (q == std::string_view::npos) return false;
    for (auto rest = target.substr(q + 1); !rest.empty();) {
      const auto amp = rest.find('&');
      const auto pair = rest.substr(0, amp);
      if (pair.rfind("token=", 0) == 0 && equal_ct(pair.substr(6), token_)) return true;
      rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    }
    return false;
  }
  if (starts_with_ci(authorization, "Basic ")) {
    const auto decoded = unbase64(authorization.substr(6));
    return decoded && equal_ct(*decoded, user_ + ":" + password_);
  }
  if (mode_ == "digest" && starts_with_ci(authorization, "Digest "))
    return verify_digest(method, target, authorization, now);
  return false;
}

bool http_auth_check::verify_digest(std::string_view method, std::string_view target, std::string_view authorization,
                                    std::chrono::system_clock::time_point now) const {
  const auto p = auth_params(authorization.substr(7));
  const auto get = [&](const char* k) { const auto it = p.find(k); return it == p.end() ? std::string{} : it->second; };
  const auto nonce = get("nonce");
  const auto dash = nonce.find('-');
  if (dash == std::string::npos || dash == 0 || dash > 12) return false;  // ours are seconds since 1970
  std::int64_t issued = 0;
  for (std::size_t i = 0; i < dash; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(nonce[i]))) return false;
    issued = issued * 10 + (nonce[i] - '0');
  }
  if (!equal_ct(nonce, nonce_at(issued))) return false;  // not one of ours
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (s - issued > nonce_life_.count() || issued - s > 60) return false;
  // The answer is for this request's target: it cannot be replayed against another path.
  if (!equal_ct(get("username"), user_) || get("realm") != realm_ || get("uri") != target) return false;
  digest_challenge c{realm_, nonce, get("opaque"), get("qop") == "auth" ? "auth" : "", get("algorithm")};
  if (c.algorithm.empty()) c.algorithm = "MD5";
  if (c.algorithm != "MD5" && c.algorithm != "SHA-256") return false;
  const auto nc_text = get("nc");
  std::uint32_t nc = 0;
  try {
    nc = nc_text.empty() ? 0 : static_cast<std::uint32_t>(std::stoul(nc_text, nullptr, 16));
  } catch (const std::exception&) {
    return false;
  }
  const auto expected = digest_answer(c, user_, password_, method, get("uri"), nc, get("cnonce"));
  const auto response = get("response");
  const auto at = expected.find("response=\"") + 10;
  return equal_ct(response, std::string_view(expected).substr(at, expected.find('"', at) - at));
}

}  // namespace kelu::drivers
