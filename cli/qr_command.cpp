// SPDX-License-Identifier: Apache-2.0
#include "qr_command.hpp"

#include <fstream>
#include <ostream>

#include "dashboard/access_token.hpp"
#include "dashboard/lan_address.hpp"
#include "dashboard/qr_code.hpp"
#include "agent/dashboard_files.hpp"

namespace kelu::cli {

int run_qr(const config::config& c, const qr_options& o, std::ostream& out, std::ostream& err) {
  const auto file = dashboard_key_path(c);
  auto key = o.rotate ? dashboard::rotate_key(file) : dashboard::load_or_create_key(file);
  if (!key) {
    err << key.error_message() << "\n";
    return 2;
  }
  if (c.dashboard.base_url.empty() && c.dashboard.port == 0) {
    err << "dashboard.port is 0 (a free port at each start): set dashboard.port or dashboard.base_url for a code "
           "that lasts\n";
    return 2;
  }
  const auto url = dashboard::dashboard_link(c.dashboard.base_url, static_cast<std::uint16_t>(c.dashboard.port),
                                             c.dashboard.tls, dashboard::make_token(*key, c.store.tenant, c.store.id));
  const auto qr = dashboard::encode_qr(url);
  if (!qr) {
    err << qr.error_message() << "\n";
    return 2;
  }
  out << dashboard::qr_terminal(*qr) << url << "\n";
  const auto write = [&](const std::string& path, const std::string& bytes) {
    std::ofstream f(path, std::ios::binary);
    f << bytes;
    f.close();
    if (!f) {
      err << path << ": cannot write\n";
      return false;
    }
    out << "wrote " << path << "\n";
    return true;
  };
  if (!o.png.empty() && !write(o.png, dashboard::qr_png(*qr, 8))) return 2;
  if (!o.svg.empty() && !write(o.svg, dashboard::qr_svg_sign(*qr, c.store.name.empty() ? c.store.id : c.store.name, url)))
    return 2;
  if (o.rotate)
    out << "new key " << key->id << " in " << file.string()
        << ": every code printed before no longer opens the dashboard. A running agent takes the new key on "
           "SIGHUP (systemctl reload kelu).\n";
  return 0;
}

}  // namespace kelu::cli
