// SPDX-License-Identifier: Apache-2.0
// The pieces under the back-office exports: numbers as they are written, encodings as they
// arrive, and Excel files that are damaged or hostile. Golden cases cover whole files.
#include <gtest/gtest.h>

#include <filesystem>

#include "drivers/export_number.hpp"
#include "drivers/text_encoding.hpp"
#include "drivers/xlsx_reader.hpp"
#include "drivers/zip_archive.hpp"
#include "core/utf8.hpp"
#include "support/files.hpp"

namespace kelu::drivers {
namespace {

std::int64_t minor(std::string_view text, char decimal = '.') {
  auto v = parse_export_number(text, 2, decimal);
  EXPECT_TRUE(v) << text << ": " << v.error_message();
  return v ? *v : -1;
}

TEST(export_number, reads_what_back_offices_write_exactly) {
  EXPECT_EQ(minor("￥1,338.00"), 133800);
  EXPECT_EQ(minor("¥1,299.00"), 129900);
  EXPECT_EQ(minor("21.60元"), 2160);
  EXPECT_EQ(minor("￥２５８．００"), 25800);
  EXPECT_EQ(minor("RMB 12"), 1200);
  EXPECT_EQ(minor("(58.00)"), -5800);
  EXPECT_EQ(minor("－３．５"), -350);
  EXPECT_EQ(minor("1,234,567.89"), 123456789);
  EXPECT_EQ(minor("1.234,50", ','), 123450);
  EXPECT_EQ(minor("1 234,50", ','), 123450);
  EXPECT_EQ(minor("0,5", ','), 50);
  EXPECT_EQ(parse_export_number("０．４５０", 3).value(), 450);
}

TEST(export_number, refuses_what_is_not_a_number_and_says_what_it_read) {
  for (const char* bad : {"1,2345.00", "12,34", "1,,234", "one euro", "", "1.2.3", "12.345"}) {
    const auto v = parse_export_number(bad, 2);
    EXPECT_FALSE(v) << bad << " read as " << (v ? *v : 0);
  }
  const auto v = parse_export_number("￥１，２３４５", 2);
  ASSERT_FALSE(v);
  EXPECT_NE(v.error_message().find("read as \"1,2345\""), std::string::npos) << v.error_message();
}

TEST(text_encoding, detects_utf8_and_reads_the_rest_as_gb18030) {
  const std::string gbk = "\xB5\xA5\xBA\xC5,\xCA\xB5\xCA\xD5";  // 单号,实收 in GBK
  const auto g = decode_export(gbk, "auto");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->encoding, "GB18030");
  EXPECT_EQ(g->text, "单号,实收");
  const auto u = decode_export("\xEF\xBB\xBF单号", "auto");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->encoding, "UTF-8");
  EXPECT_EQ(u->text, "单号");  // the BOM gone
  EXPECT_TRUE(core::valid_utf8("单号 ￥"));
  EXPECT_FALSE(core::valid_utf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(core::valid_utf8("\xED\xA0\x80"));      // a surrogate
  EXPECT_FALSE(core::valid_utf8("\xE5\x8D"));          // cut short
  EXPECT_FALSE(decode_export("x", "KLINGON-8"));
  EXPECT_EQ(decode_export(gbk, "GBK")->text, "单号,实收");
}

std::string workbook() {
  return test::slurp(std::filesystem::path(KELU_TEST_DATA) / "drivers/csv/zh-xlsx/input.xlsx");
}

TEST(xlsx_reader, reads_the_first_sheet_as_text_rows) {
  const auto rows = read_xlsx(workbook(), "%Y-%m-%d %H:%M:%S");
  ASSERT_TRUE(rows) << rows.error_message();
  ASSERT_EQ(rows->size(), 6u);
  EXPECT_EQ(rows->front().cells.front(), "单号");
  EXPECT_EQ((*rows)[1].cells[1], "2026-11-30 10:05:12");  // a serial date under format 22
  EXPECT_EQ((*rows)[3].cells[1], "2026-11-30 11:20:00");  // under a custom yyyy-mm-dd format
  EXPECT_EQ((*rows)[1].cells[4], "6920000000017");        // a number, as written
  EXPECT_EQ((*rows)[3].cells[8], "21.6");                 // 21.599999999999998
  EXPECT_EQ((*rows)[5].cells[0], "XS1003");               // a formula's cached string
  EXPECT_EQ((*rows)[5].cells[11], "0");                   // a boolean
  EXPECT_EQ((*rows)[2].cells.size(), 12u);                // the formatted empty cell past the header dropped
  EXPECT_EQ((*rows)[4].line, 5u);
}

TEST(xlsx_reader, damaged_truncated_and_oversized_files_are_refused_by_name) {
  const auto good = workbook();
  EXPECT_FALSE(read_xlsx("単号,時間\n", "%F"));
  auto cut = good.substr(0, good.size() / 2);
  const auto truncated = read_xlsx(cut, "%F");
  ASSERT_FALSE(truncated);
  EXPECT_NE(truncated.error_message().find("not an .xlsx workbook"), std::string::npos) << truncated.error_message();
  // A flipped byte inside the sheet's deflated data: the CRC or the inflater says so.
  const auto z = zip_archive::open(good);
  ASSERT_TRUE(z);
  auto damaged = good;
  const auto at = good.find("xl/worksheets/sheet1.xml") + 40;  // into the member's data
  damaged[at] = static_cast<char>(damaged[at] ^ 0x5A);
  const auto d = read_xlsx(damaged, "%F");
  ASSERT_FALSE(d);
  EXPECT_NE(d.error_message().find("sheet1.xml"), std::string::npos) << d.error_message();
  // A member larger than the limit is refused before it is expanded.
  const auto big = z->read("xl/worksheets/sheet1.xml", 100);
  ASSERT_FALSE(big);
  EXPECT_NE(big.error_message().find("over the limit"), std::string::npos) << big.error_message();
  EXPECT_FALSE(z->read("xl/missing.xml"));
}

}  // namespace
}  // namespace kelu::drivers
