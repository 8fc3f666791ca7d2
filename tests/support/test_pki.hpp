// SPDX-License-Identifier: Apache-2.0
#pragma once
// Throw-away certificates made with the openssl command: a CA, a broker certificate for
// 127.0.0.1 and localhost (or the names given) signed by it, a client certificate signed by it,
// and an unrelated CA.
#include <string>

#include "temp_dir.hpp"

namespace kelu::test {

class test_pki {
 public:
  static bool available();  // the openssl command is installed
  // Generates everything; ADD_FAILUREs if openssl fails. `server_names`: the broker
  // certificate's subjectAltName.
  explicit test_pki(const std::string& server_names = "IP:127.0.0.1,DNS:localhost");
  std::string ca() const { return dir_.file("ca.pem"); }
  std::string server_cert() const { return dir_.file("server.pem"); }
  std::string server_key() const { return dir_.file("server.key"); }
  std::string client_cert() const { return dir_.file("client.pem"); }
  std::string client_key() const { return dir_.file("client.key"); }
  std::string other_ca() const { return dir_.file("other-ca.pem"); }

 private:
  temp_dir dir_;
};

}  // namespace kelu::test
