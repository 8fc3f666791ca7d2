// SPDX-License-Identifier: Apache-2.0
#include "tls_command.hpp"

#include <unistd.h>

#include <ostream>

#include "agent/dashboard/lan_address.hpp"

namespace kelu {

namespace {

constexpr int self_signed_days = 3650;  // a box lives for years; renewing means accepting it again on every phone

bool self_signed_paths(const config::config& c) { return c.dashboard.tls_cert.empty() && c.dashboard.tls_key.empty(); }

std::vector<std::string> box_names() {
  std::vector<std::string> hosts{dashboard::lan_address()};
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) == 0 && name[0] != '\0') hosts.emplace_back(name);
  hosts.emplace_back("localhost");
  if (hosts.front() != "127.0.0.1") hosts.emplace_back("127.0.0.1");
  return hosts;
}

}  // namespace

dashboard::tls_files dashboard_tls_files(const config::config& c) {
  if (!self_signed_paths(c)) return {c.dashboard.tls_cert, c.dashboard.tls_key};
  const auto dir = std::filesystem::path(c.storage.path).parent_path();
  return {dir / "dashboard.crt", dir / "dashboard-tls.key"};
}

core::result<std::shared_ptr<boost::asio::ssl::context>> dashboard_tls_context(const config::config& c) {
  if (!c.dashboard.tls) return std::shared_ptr<boost::asio::ssl::context>{};
  const auto files = dashboard_tls_files(c);
  std::error_code ec;
  if (self_signed_paths(c) && !std::filesystem::exists(files.cert, ec))
    if (auto st = dashboard::create_self_signed(files, box_names(), self_signed_days); !st) return core::error{st.error_message()};
  return dashboard::load_server_context(files);
}

int run_tls(const config::config& c, const tls_options& o, std::ostream& out, std::ostream& err) {
  const auto files = dashboard_tls_files(c);
  if (o.renew) {
    if (!self_signed_paths(c)) {
      err << "dashboard.tls_cert names your own certificate (" << files.cert.string()
          << "): renew it with the PKI that issued it\n";
      return 2;
    }
    if (auto st = dashboard::create_self_signed(files, box_names(), self_signed_days); !st) {
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
  const auto fingerprint = dashboard::certificate_fingerprint(files.cert);
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

}  // namespace kelu
