// SPDX-License-Identifier: Apache-2.0
#include "tls_command.hpp"

#include <ostream>

#include "dashboard/lan_address.hpp"
#include "agent/dashboard_files.hpp"

namespace kelu::cli {

int run_tls(const config::config& c, const tls_options& o, std::ostream& out, std::ostream& err) {
  const auto files = dashboard_tls_files(c);
  if (o.renew) {
    if (!self_signed_tls(c)) {
      err << "dashboard.tls_cert names your own certificate (" << files.cert.string()
          << "): renew it with the PKI that issued it\n";
      return 2;
    }
    if (auto st = create_box_certificate(c); !st) {
      err << st.error_message() << "\n";
      return 2;
    }
  }
  auto on = c;
  on.dashboard.tls = true;  // `kelu tls` prepares the files before the setting is switched on
  if (auto ctx = dashboard_tls_context(on); !ctx) {
    err << ctx.error_message() << "\n";
    return 2;
  }
  const auto fingerprint = net::certificate_fingerprint(files.cert);
  if (!fingerprint) {
    err << fingerprint.error_message() << "\n";
    return 2;
  }
  out << "certificate " << files.cert.string() << "\nkey         " << files.key.string() << "\n"
      << "fingerprint " << *fingerprint << "\n"
      << "address     " << dashboard::base_url(c.dashboard.base_url, static_cast<std::uint16_t>(c.dashboard.port), true)
      << "\n";
  if (!c.dashboard.tls) out << "dashboard.tls is off: set it to true and restart the agent to serve https\n";
  if (o.renew)
    out << "renewed: a running agent serves it after a restart; every phone accepts it once more (compare the "
           "fingerprint)\n";
  return 0;
}

}  // namespace kelu::cli
