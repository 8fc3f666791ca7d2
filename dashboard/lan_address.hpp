// SPDX-License-Identifier: Apache-2.0
#pragma once
// Where phones on the store's Wi-Fi reach the box: the URL the QR code carries.
#include <cstdint>
#include <string>

namespace kelu::dashboard {

// The first IPv4 address of an interface that is up and not loopback; "127.0.0.1" when there
// is none (a box without a network yet: the technician sets dashboard.base_url).
std::string lan_address();

// `configured` (dashboard.base_url) without a trailing slash, or http(s)://{lan_address()}:{port}.
std::string base_url(const std::string& configured, std::uint16_t port, bool https);
// What the QR code carries: base_url(...) + "/?t=" + the token.
std::string dashboard_link(const std::string& configured, std::uint16_t port, bool https, const std::string& token);

}  // namespace kelu::dashboard
