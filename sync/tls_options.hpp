// SPDX-License-Identifier: Apache-2.0
#pragma once
// One way to set up TLS for every Paho client in sync/ (the box's link, hq-tail): the broker's
// certificate checked against `ca_file` (empty: the system's trust store) and, when asked, its host
// name; a client certificate when the broker authenticates by certificate. Internal to kelu_sync.
#include <mqtt/ssl_options.h>

#include <string>

namespace kelu::sync {

struct tls_files {
  std::string ca_file;
  std::string cert_file;  // PEM; with key_file, or neither
  std::string key_file;
  bool verify_hostname = true;
};

inline bool is_tls_uri(const std::string& uri) {
  return uri.rfind("ssl://", 0) == 0 || uri.rfind("mqtts://", 0) == 0 || uri.rfind("wss://", 0) == 0;
}

inline mqtt::ssl_options make_ssl_options(const tls_files& t) {
  mqtt::ssl_options ssl;
  ssl.set_enable_server_cert_auth(true);
  ssl.set_verify(t.verify_hostname);
  if (!t.ca_file.empty()) ssl.set_trust_store(t.ca_file);
  if (!t.cert_file.empty()) {
    ssl.set_key_store(t.cert_file);
    ssl.set_private_key(t.key_file);
  }
  // No ssl.set_error_handler(): Paho C++ 1.2 keeps a pointer to this temporary and calls it after
  // it is gone (a crash on the first TLS failure).
  return ssl;
}

}  // namespace kelu::sync
