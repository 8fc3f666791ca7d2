// SPDX-License-Identifier: Apache-2.0
#pragma once
// `kelu tls`, which a technician runs to create (or renew) the box's self-signed certificate and
// read its fingerprint, to compare with what the browser shows before accepting it.
#include <iosfwd>

#include "config/config.hpp"

namespace kelu::cli {

struct tls_options {
  bool renew = false;  // replace the self-signed certificate (a new LAN address, or it leaked)
};

// Prints the certificate's files, fingerprint and the https link; exit 0, or 2 with the reason on
// `err`.
int run_tls(const config::config& c, const tls_options& o, std::ostream& out, std::ostream& err);

}  // namespace kelu::cli
