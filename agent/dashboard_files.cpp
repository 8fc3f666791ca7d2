// SPDX-License-Identifier: Apache-2.0
#include "dashboard_files.hpp"

#include <unistd.h>

#include <string>
#include <vector>

#include "dashboard/lan_address.hpp"

namespace kelu {

namespace {

constexpr int self_signed_days = 3650;  // a box lives for years; renewing means accepting it again on every phone

std::vector<std::string> box_names() {
  std::vector<std::string> hosts{dashboard::lan_address()};
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) == 0 && name[0] != '\0') hosts.emplace_back(name);
  hosts.emplace_back("localhost");
  if (hosts.front() != "127.0.0.1") hosts.emplace_back("127.0.0.1");
  return hosts;
}

}  // namespace

std::filesystem::path dashboard_key_path(const config::config& c) {
  return c.dashboard.key_file.empty() ? std::filesystem::path(c.storage.path).parent_path() / "dashboard.key"
                                      : std::filesystem::path(c.dashboard.key_file);
}

bool self_signed_tls(const config::config& c) { return c.dashboard.tls_cert.empty() && c.dashboard.tls_key.empty(); }

net::tls_files dashboard_tls_files(const config::config& c) {
  if (!self_signed_tls(c)) return {c.dashboard.tls_cert, c.dashboard.tls_key};
  const auto dir = std::filesystem::path(c.storage.path).parent_path();
  return {dir / "dashboard.crt", dir / "dashboard-tls.key"};
}

core::status create_box_certificate(const config::config& c) {
  return net::create_self_signed(dashboard_tls_files(c), box_names(), self_signed_days);
}

core::result<std::shared_ptr<boost::asio::ssl::context>> dashboard_tls_context(const config::config& c) {
  if (!c.dashboard.tls) return std::shared_ptr<boost::asio::ssl::context>{};
  const auto files = dashboard_tls_files(c);
  std::error_code ec;
  if (self_signed_tls(c) && !std::filesystem::exists(files.cert, ec))
    if (auto st = create_box_certificate(c); !st) return core::error{st.error_message()};
  return net::load_server_context(files);
}

}  // namespace kelu
