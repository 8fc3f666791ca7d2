// SPDX-License-Identifier: Apache-2.0
#include "lan_address.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <cstring>

namespace kelu::dashboard {

std::string lan_address() {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return "127.0.0.1";
  std::string found;
  for (auto* i = list; i && found.empty(); i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
    if (!(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK)) continue;
    char text[INET_ADDRSTRLEN];
    sockaddr_in in{};
    std::memcpy(&in, i->ifa_addr, sizeof in);  // sockaddr -> sockaddr_in without a cast that aliases
    if (::inet_ntop(AF_INET, &in.sin_addr, text, sizeof text)) found = text;
  }
  ::freeifaddrs(list);
  return found.empty() ? "127.0.0.1" : found;
}

std::string base_url(const std::string& configured, std::uint16_t port, bool https) {
  if (!configured.empty()) {
    auto url = configured;
    while (url.ends_with('/')) url.pop_back();
    return url;
  }
  return (https ? "https://" : "http://") + lan_address() + ":" + std::to_string(port);
}

std::string dashboard_link(const std::string& configured, std::uint16_t port, bool https, const std::string& token) {
  return base_url(configured, port, https) + "/?t=" + token;
}

}  // namespace kelu::dashboard
