// SPDX-License-Identifier: Apache-2.0
#pragma once
// The request bodies of chat group robots, and how to read their answers: WeCom (企业微信),
// DingTalk (钉钉, optionally signed: timestamp and sign in the URL) and Feishu (飞书,
// optionally signed: timestamp and sign in the body). Pure, so the formats are tested
// without a network.
#include <cstdint>
#include <string>

namespace kelu::analytics {

struct chat_request {
  std::string url;
  std::string body;  // JSON
};

// `now_ms`: the wall clock, for signatures (the robots refuse ones older than an hour).
chat_request wecom_request(const std::string& url, const std::string& text);
chat_request dingtalk_request(const std::string& url, const std::string& secret, const std::string& text,
                              std::int64_t now_ms);
chat_request feishu_request(const std::string& url, const std::string& secret, const std::string& text,
                            std::int64_t now_ms);

enum class chat_outcome { ok, retry, drop };
// HTTP status and body as the robot answered: 2xx with errcode/code 0 is ok; 429, 5xx and
// rate-limit codes are retried; other refusals (a wrong key, a bad signature) are dropped.
chat_outcome judge_chat_answer(int status, const std::string& body);

// Base64 of HMAC-SHA256, as both signing robots use.
std::string hmac_sha256_base64(const std::string& key, const std::string& message);

}  // namespace kelu::analytics
