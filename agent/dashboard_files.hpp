// SPDX-License-Identifier: Apache-2.0
#pragma once
// Where the dashboard's signing key and https identity live, as the configuration names them:
// the agent serves with them, and `kelu qr`, `kelu tls` and `kelu enroll` print or replace them.
#include <boost/asio/ssl/context.hpp>

#include <filesystem>
#include <memory>

#include "net/tls_identity.hpp"
#include "config/config.hpp"
#include "core/result.hpp"

namespace kelu {

// dashboard.key_file, or dashboard.key beside storage.path.
std::filesystem::path dashboard_key_path(const config::config& c);

// dashboard.tls_cert / tls_key, or dashboard.crt / dashboard-tls.key beside storage.path.
net::tls_files dashboard_tls_files(const config::config& c);

// True when no dashboard.tls_cert / tls_key is configured: the certificate is the box's own,
// self-signed, and the box may create or renew it.
bool self_signed_tls(const config::config& c);

// Creates (or replaces) the box's self-signed certificate for its LAN address, host name and
// "localhost", valid for ten years (renewing means every phone accepts it once more). Errors
// name the file.
core::status create_box_certificate(const config::config& c);

// Null when dashboard.tls is off. With the default paths and no certificate yet, creates the
// box's self-signed one first; a certificate the configuration names is never created, only read.
// Errors name the file.
core::result<std::shared_ptr<boost::asio::ssl::context>> dashboard_tls_context(const config::config& c);

}  // namespace kelu
