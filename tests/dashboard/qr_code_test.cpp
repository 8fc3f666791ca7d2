// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <fstream>

#include "dashboard/qr_code.hpp"
#include "support/qr_reader.hpp"
#include "support/temp_dir.hpp"

namespace kelu::dashboard {
namespace {

const std::string link = "http://192.168.1.20:8080/?t=tr3d.j-KsPjalb2C5fpw9M62rgA";

TEST(qr_code, the_png_reads_back_as_the_link) {
  if (!test::qr_reader_available()) GTEST_SKIP() << "zbarimg is not installed (scripts/setup installs zbar-tools)";
  test::temp_dir dir;
  const auto qr = encode_qr(link);
  ASSERT_TRUE(qr) << qr.error_message();
  for (const int scale : {2, 8}) {
    const auto png = dir.file("qr" + std::to_string(scale) + ".png");
    std::ofstream(png, std::ios::binary) << qr_png(*qr, scale);
    EXPECT_EQ(test::read_qr_link(png, png + ".out"), link) << "scale " << scale;
  }
}

TEST(qr_code, the_terminal_rendering_is_the_code_two_rows_a_line_black_on_white) {
  const auto qr = encode_qr(link).value();
  const auto text = qr_terminal(qr);
  // Back from the half blocks to modules: the code with its 4-module quiet zone.
  std::vector<std::string> lines;
  for (std::size_t at = 0; at < text.size();) {
    const auto nl = text.find('\n', at);
    lines.push_back(text.substr(at, nl - at));
    at = nl + 1;
  }
  const int side = qr.size + 8;
  ASSERT_EQ(static_cast<int>(lines.size()), (side + 1) / 2);
  for (int row = 0; row < static_cast<int>(lines.size()); ++row) {
    auto line = lines[static_cast<std::size_t>(row)];
    ASSERT_TRUE(line.starts_with("\x1b[30;47m")) << "black on white";
    ASSERT_TRUE(line.ends_with("\x1b[0m"));
    line = line.substr(8, line.size() - 12);
    int x = -4;
    for (std::size_t i = 0; i < line.size(); ++x) {
      bool top = false, bottom = false;
      if (line[i] == ' ') {
        ++i;
      } else {
        const auto glyph = line.substr(i, 3);
        top = glyph == "\u2588" || glyph == "\u2580";
        bottom = glyph == "\u2588" || glyph == "\u2584";
        ASSERT_TRUE(top || bottom) << "unexpected glyph at row " << row;
        i += 3;
      }
      EXPECT_EQ(top, qr.at(x, 2 * row - 4)) << x << "," << 2 * row - 4;
      EXPECT_EQ(bottom, qr.at(x, 2 * row - 3)) << x << "," << 2 * row - 3;
    }
    EXPECT_EQ(x, qr.size + 4);
  }
}

TEST(qr_code, the_sign_names_the_store_safely_and_draws_every_dark_module) {
  const auto qr = encode_qr(link).value();
  const auto svg = qr_svg_sign(qr, "静安店 <Jing'an & Co>", link);
  EXPECT_NE(svg.find("width=\"105mm\" height=\"148mm\""), std::string::npos);  // A6
  EXPECT_NE(svg.find("静安店 &lt;Jing'an &amp; Co&gt;"), std::string::npos);
  EXPECT_EQ(svg.find("?t="), std::string::npos) << "the token is in the code, not printed in clear";
  EXPECT_NE(svg.find("http://192.168.1.20:8080/"), std::string::npos);
  std::size_t modules = 0;
  for (std::size_t at = 0; (at = svg.find("h1v1h-1z", at)) != std::string::npos; at += 8) ++modules;
  EXPECT_EQ(modules, static_cast<std::size_t>(std::count(qr.dark.begin(), qr.dark.end(), true)));
}

TEST(qr_code, a_text_no_code_can_hold_is_refused) {
  const auto r = encode_qr(std::string(5000, 'x'));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error_message().find("5000 bytes"), std::string::npos) << r.error_message();
}

}  // namespace
}  // namespace kelu::dashboard
