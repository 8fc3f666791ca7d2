// SPDX-License-Identifier: Apache-2.0
#include "chat_webhook.hpp"

#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdio>

namespace kelu::analytics {

namespace {

std::string url_encode(const std::string& s) {
  std::string out;
  for (const char c : s) {
    const auto ch = static_cast<unsigned char>(c);
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out += static_cast<char>(ch);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", ch);
      out += buf;
    }
  }
  return out;
}

}  // namespace

std::string hmac_sha256_base64(const std::string& key, const std::string& message) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(message.data()),
       message.size(), mac, &len);
  std::string out(4 * ((len + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), mac, static_cast<int>(len));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

chat_request wecom_request(const std::string& url, const std::string& text) {
  return {url, nlohmann::json{{"msgtype", "text"}, {"text", {{"content", text}}}}.dump()};
}

chat_request dingtalk_request(const std::string& url, const std::string& secret, const std::string& text,
                              std::int64_t now_ms) {
  chat_request r{url, nlohmann::json{{"msgtype", "text"}, {"text", {{"content", text}}}}.dump()};
  if (!secret.empty()) {
    // https://open.dingtalk.com: sign = urlencode(base64(HmacSHA256(secret, timestamp + "\n" + secret))).
    const auto ts = std::to_string(now_ms);
    r.url += (url.find('?') == std::string::npos ? "?" : "&") + std::string("timestamp=") + ts +
             "&sign=" + url_encode(hmac_sha256_base64(secret, ts + "\n" + secret));
  }
  return r;
}

chat_request feishu_request(const std::string& url, const std::string& secret, const std::string& text,
                            std::int64_t now_ms) {
  nlohmann::json body{{"msg_type", "text"}, {"content", {{"text", text}}}};
  if (!secret.empty()) {
    // https://open.feishu.cn: sign = base64(HmacSHA256(key = timestamp + "\n" + secret, message = "")).
    const auto ts = std::to_string(now_ms / 1000);
    body["timestamp"] = ts;
    body["sign"] = hmac_sha256_base64(ts + "\n" + secret, "");
  }
  return {url, body.dump()};
}

chat_outcome judge_chat_answer(int status, const std::string& body) {
  if (status == 429 || status >= 500) return chat_outcome::retry;
  if (status < 200 || status >= 300) return chat_outcome::drop;
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object()) return chat_outcome::retry;  // a proxy's page, not the robot's answer
  std::int64_t code = 0;
  for (const char* key : {"errcode", "code", "StatusCode"})
    if (j.contains(key) && j[key].is_number_integer()) code = j[key].get<std::int64_t>();
  if (code == 0) return chat_outcome::ok;
  // Frequency limits: WeCom 45009, DingTalk 130101, Feishu 11232. Worth waiting for.
  if (code == 45009 || code == 130101 || code == 11232) return chat_outcome::retry;
  return chat_outcome::drop;
}

}  // namespace kelu::analytics
