// SPDX-License-Identifier: Apache-2.0
#pragma once
// A server's TLS identity (the dashboard's, HQ's enrolment server's): a PEM certificate (chain)
// and its private key, in two files.
//
// A chain with its own PKI puts its files at dashboard.tls_cert / dashboard.tls_key. Otherwise the
// box makes itself a self-signed certificate on first start (EC P-256, SHA-256, valid ten years,
// for its LAN address and host name) so the technician page and the audit clip travel encrypted at
// once; a browser then asks to accept it once, and the technician compares the fingerprint it
// shows with the one `kelu tls` prints.
//
// Pure file and OpenSSL work, no sockets; any thread.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace boost::asio::ssl {
class context;
}

namespace kelu::net {

struct tls_files {
  std::filesystem::path cert;  // PEM: the server certificate first, then any intermediates
  std::filesystem::path key;   // PEM private key, unencrypted (the box starts unattended)
};

// Writes a new self-signed certificate and key for `hosts` (each an IPv4/IPv6 address, which
// becomes an IP SAN, or a DNS name) valid for `days`; the key file is 0600; each file is written to
// a temporary name, synced and renamed, so a cut power leaves the old files or the new ones.
// Errors name the file.
core::status create_self_signed(const tls_files& files, const std::vector<std::string>& hosts, int days);

// A TLS 1.2+ server context holding the pair. Errors name the file and OpenSSL's reason (a
// missing file, not PEM, a key that does not match the certificate).
core::result<std::shared_ptr<boost::asio::ssl::context>> load_server_context(const tls_files& files);

// "SHA256 AB:CD:…" of the certificate file's first certificate, as browsers show it.
core::result<std::string> certificate_fingerprint(const std::filesystem::path& cert);

}  // namespace kelu::net
