// SPDX-License-Identifier: Apache-2.0
#pragma once
// The dashboard link as a QR code (libqrencode, error correction M: a sign may get scuffed),
// and its three renderings: the terminal (black on white whatever the terminal's colours, two
// module rows per text line), an A6 sign as SVG for printing (the store's name above, how to
// use it in Chinese and English below), and the code alone as PNG.
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace kelu::dashboard {

struct qr_matrix {
  int size = 0;             // modules per side, without the quiet zone
  std::vector<bool> dark;   // row-major
  bool at(int x, int y) const {
    return x >= 0 && y >= 0 && x < size && y < size && dark[static_cast<std::size_t>(y * size + x)];
  }
};

core::result<qr_matrix> encode_qr(std::string_view text);

std::string qr_terminal(const qr_matrix& qr);
// 8-bit grayscale PNG, `scale` pixels per module, with the 4-module quiet zone.
std::string qr_png(const qr_matrix& qr, int scale);
// A printable A6 (105 x 148 mm) sign: store name, the code, the link in small type, a line on use.
std::string qr_svg_sign(const qr_matrix& qr, std::string_view store_name, std::string_view url);

}  // namespace kelu::dashboard
