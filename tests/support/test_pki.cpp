// SPDX-License-Identifier: Apache-2.0
#include "test_pki.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

namespace kelu::test {

bool test_pki::available() { return ::access("/usr/bin/openssl", X_OK) == 0; }

test_pki::test_pki(const std::string& server_names) {
  const auto d = dir_.path().string();
  std::ofstream(dir_.file("san.ext")) << "subjectAltName=" << server_names << "\n";
  const std::string quiet = " >>" + d + "/openssl.log 2>&1";
  const std::string steps[] = {
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=kelu-test-ca -keyout " + d + "/ca.key -out " + d +
          "/ca.pem",
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=other-ca -keyout " + d + "/other-ca.key -out " +
          d + "/other-ca.pem",
      "openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout " + d + "/server.key -out " + d +
          "/server.csr",
      "openssl x509 -req -in " + d + "/server.csr -CA " + d + "/ca.pem -CAkey " + d + "/ca.key -CAcreateserial -days 2 "
          "-extfile " + d + "/san.ext -out " + d + "/server.pem",
      "openssl req -newkey rsa:2048 -nodes -subj /CN=kelu-store -keyout " + d + "/client.key -out " + d +
          "/client.csr",
      "openssl x509 -req -in " + d + "/client.csr -CA " + d + "/ca.pem -CAkey " + d + "/ca.key -CAcreateserial -days 2 "
          "-out " + d + "/client.pem",
      // mosquitto may drop to its own user: let it read the keys of this throw-away PKI.
      "chmod 0755 " + d + " && chmod 0644 " + d + "/*",
  };
  for (const auto& step : steps)
    if (std::system((step + quiet).c_str()) != 0) ADD_FAILURE() << "failed: " << step << " (see " << d << "/openssl.log)";
}

}  // namespace kelu::test
