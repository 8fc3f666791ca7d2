// SPDX-License-Identifier: Apache-2.0
#pragma once
// curl as an HTTP client that is not ours: what a device would send, with curl's own Digest and
// Basic (`auth_args`: "--digest -u user:pass", "-H 'Authorization: Bearer T'", "").
#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace kelu::test {

inline bool curl_available() { return std::system("curl --version >/dev/null 2>&1") == 0; }

struct curl_reply {
  int status = 0;  // 0: no answer
  std::string body;
};

// POSTs `file` to `url` as XML.
inline curl_reply curl_post(const std::string& url, const std::string& file, const std::string& auth_args) {
  const auto cmd = "curl -s -m 10 -o - -w '\\n%{http_code}' " + auth_args +
                   " -H 'Content-Type: application/xml' --data-binary @'" + file + "' '" + url + "' 2>&1";
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    std::array<char, 4096> buf{};
    while (const auto n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
    ::pclose(p);
  }
  curl_reply r;
  const auto nl = out.rfind('\n');
  r.status = nl == std::string::npos ? 0 : std::atoi(out.c_str() + nl + 1);
  r.body = nl == std::string::npos ? out : out.substr(0, nl);
  return r;
}

}  // namespace kelu::test
