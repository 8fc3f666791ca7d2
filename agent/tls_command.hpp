// SPDX-License-Identifier: Apache-2.0
#pragma once
// The dashboard's https identity as the configuration names it, and `kelu tls`, which a
// technician runs to create (or renew) the box's self-signed certificate and read its fingerprint,
// to compare with what the browser shows before accepting it.
#include <iosfwd>
#include <memory>

#include "core/result.hpp"
#include "agent/dashboard/tls_identity.hpp"
#include "config/config.hpp"

namespace kelu {

// dashboard.tls_cert / tls_key, or dashboard.crt / dashboard-tls.key beside storage.path.
dashboard::tls_files dashboard_tls_files(const config::config& c);

// Null when dashboard.tls is off. With the default paths and no certificate yet, creates a
// self-signed one for this box's LAN address, host name and "localhost" first; a certificate the
// configuration names is never created, only read. Errors name the file.
core::result<std::shared_ptr<boost::asio::ssl::context>> dashboard_tls_context(const config::config& c);

struct tls_options {
  bool renew = false;  // replace the self-signed certificate (a new LAN address, or it leaked)
};

// Prints the certificate's files, fingerprint and the https link; exit 0, or 2 with the reason on
// `err`.
int run_tls(const config::config& c, const tls_options& o, std::ostream& out, std::ostream& err);

}  // namespace kelu
