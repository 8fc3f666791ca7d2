// SPDX-License-Identifier: Apache-2.0
#pragma once
// `kelu qr`: the dashboard's QR code for the store's sign. Prints the link and the code in the
// terminal, writes the A6 sign (SVG, for printing) and the code alone (PNG) on request, and
// with --rotate replaces the key first, which revokes every code printed before.
#include <filesystem>
#include <iosfwd>
#include <string>

#include "config/config.hpp"

namespace kelu::cli {

struct qr_options {
  std::string png;   // write the code alone here
  std::string svg;   // write the A6 sign here
  bool rotate = false;
};

// Exit code 0, or 2 with the reason on `err`.
int run_qr(const config::config& c, const qr_options& o, std::ostream& out, std::ostream& err);

}  // namespace kelu::cli
