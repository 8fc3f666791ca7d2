// SPDX-License-Identifier: Apache-2.0
#include "qr_code.hpp"

#include <qrencode.h>
#include <zlib.h>

#include <cstdint>
#include <memory>

#include "core/markup.hpp"

namespace kelu::dashboard {

namespace {

constexpr int quiet = 4;  // modules of white around the code, as the standard asks

void put32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xff);
}

void png_chunk(std::string& out, const char* type, const std::string& data) {
  put32(out, static_cast<std::uint32_t>(data.size()));
  const std::string body = std::string(type, 4) + data;
  out += body;
  put32(out, static_cast<std::uint32_t>(
                 crc32(0, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()))));
}

}  // namespace

core::result<qr_matrix> encode_qr(std::string_view text) {
  const std::string s(text);
  std::unique_ptr<QRcode, decltype(&QRcode_free)> code(QRcode_encodeString8bit(s.c_str(), 0, QR_ECLEVEL_M),
                                                       &QRcode_free);
  if (!code) return core::error{"qr: cannot encode " + std::to_string(s.size()) + " bytes (too long?)"};
  qr_matrix m;
  m.size = code->width;
  m.dark.resize(static_cast<std::size_t>(m.size * m.size));
  for (std::size_t i = 0; i < m.dark.size(); ++i) m.dark[i] = (code->data[i] & 1) != 0;
  return m;
}

std::string qr_terminal(const qr_matrix& qr) {
  std::string out;
  const int from = -quiet, to = qr.size + quiet;
  for (int y = from; y < to; y += 2) {
    out += "\x1b[30;47m";  // black on white, so a dark terminal does not invert the code
    for (int x = from; x < to; ++x) {
      const bool top = qr.at(x, y), bottom = y + 1 < to && qr.at(x, y + 1);
      out += top && bottom ? "\u2588" : top ? "\u2580" : bottom ? "\u2584" : " ";
    }
    out += "\x1b[0m\n";
  }
  return out;
}

std::string qr_png(const qr_matrix& qr, int scale) {
  const int side = (qr.size + 2 * quiet) * scale;
  std::string raw;
  raw.reserve(static_cast<std::size_t>(side * (side + 1)));
  for (int py = 0; py < side; ++py) {
    raw += '\0';  // filter: none
    for (int px = 0; px < side; ++px) raw += qr.at(px / scale - quiet, py / scale - quiet) ? '\0' : '\xff';
  }
  uLongf n = compressBound(static_cast<uLong>(raw.size()));
  std::string packed(n, '\0');
  compress2(reinterpret_cast<Bytef*>(packed.data()), &n, reinterpret_cast<const Bytef*>(raw.data()),
            static_cast<uLong>(raw.size()), Z_BEST_COMPRESSION);
  packed.resize(n);
  std::string png("\x89PNG\r\n\x1a\n", 8);
  std::string header;
  put32(header, static_cast<std::uint32_t>(side));
  put32(header, static_cast<std::uint32_t>(side));
  header += std::string("\x08\x00\x00\x00\x00", 5);  // 8-bit, grayscale, deflate, no filter method, no interlace
  png_chunk(png, "IHDR", header);
  png_chunk(png, "IDAT", packed);
  png_chunk(png, "IEND", "");
  return png;
}

std::string qr_svg_sign(const qr_matrix& qr, std::string_view store_name, std::string_view url) {
  // A6 portrait in millimetres; the code 80 mm wide, centred.
  const double code_mm = 78.0, left = (105.0 - code_mm) / 2, top = 34.0;
  const double module = code_mm / (qr.size + 2 * quiet);
  std::string path;
  for (int y = 0; y < qr.size; ++y)
    for (int x = 0; x < qr.size; ++x)
      if (qr.at(x, y)) path += "M" + std::to_string(x + quiet) + " " + std::to_string(y + quiet) + "h1v1h-1z";
  std::string svg;
  svg += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"105mm\" height=\"148mm\" viewBox=\"0 0 105 148\">\n";
  svg += "<rect width=\"105\" height=\"148\" fill=\"#fff\"/>\n";
  svg += "<text x=\"52.5\" y=\"16\" text-anchor=\"middle\" font-family=\"sans-serif\" font-size=\"8\" font-weight=\"bold\">" +
         core::markup_escape(store_name) + "</text>\n";
  svg += "<text x=\"52.5\" y=\"25\" text-anchor=\"middle\" font-family=\"sans-serif\" font-size=\"5\">"
         "\u626b\u7801\u67e5\u770b\u4eca\u65e5\u5ba2\u6d41\u4e0e\u8f6c\u5316</text>\n";
  svg += "<text x=\"52.5\" y=\"31\" text-anchor=\"middle\" font-family=\"sans-serif\" font-size=\"3.6\">"
         "Scan for today's traffic and conversion</text>\n";
  svg += "<g transform=\"translate(" + std::to_string(left) + " " + std::to_string(top) + ") scale(" +
         std::to_string(module) + ")\"><path d=\"" + path + "\" fill=\"#000\"/></g>\n";
  svg += "<text x=\"52.5\" y=\"124\" text-anchor=\"middle\" font-family=\"sans-serif\" font-size=\"3.6\">"
         "\u8fde\u63a5\u5e97\u5185 Wi-Fi \u540e\u626b\u7801 \u00b7 Join the store Wi-Fi, then scan</text>\n";
  svg += "<text x=\"52.5\" y=\"131\" text-anchor=\"middle\" font-family=\"monospace\" font-size=\"2.6\">" +
         core::markup_escape(url.substr(0, url.find("?t="))) + "</text>\n";
  svg += "<text x=\"52.5\" y=\"140\" text-anchor=\"middle\" font-family=\"sans-serif\" font-size=\"2.6\" fill=\"#667085\">"
         "\u4ec5\u9650\u672c\u5e97\u5458\u5de5 \u00b7 Store staff only \u00b7 Kelu</text>\n";
  svg += "</svg>\n";
  return svg;
}

}  // namespace kelu::dashboard
