// SPDX-License-Identifier: Apache-2.0
// HQ's master data: CSV as spreadsheets write it, checked row by row, imported into a real
// PostgreSQL all or nothing.
#include <gtest/gtest.h>

#include <memory>

#include "hq/master/master_import.hpp"
#include "hq/master/master_rows.hpp"
#include "hq_test_base.hpp"
#include "pg_rows_text.hpp"

namespace kelu::hq {
namespace {

TEST(csv_table, reads_quotes_commas_line_breaks_crlf_and_a_byte_order_mark) {
  auto t = csv_table::parse("\xEF\xBB\xBFstore,name\r\nsh-1,\"Jing'an, \"\"East\"\"\nGate\"\r\n\r\nsh-2,Xuhui\r\n", "s.csv");
  ASSERT_TRUE(t) << t.error_message();
  ASSERT_EQ(t->rows().size(), 2u);
  EXPECT_EQ(t->at(t->rows()[0], "name"), "Jing'an, \"East\"\nGate");
  EXPECT_EQ(t->rows()[1].line, 5u);  // the quoted line break and the blank line count
  EXPECT_EQ(t->at(t->rows()[1], "store"), "sh-2");
  EXPECT_EQ(t->at(t->rows()[1], "missing"), "");
}

TEST(csv_table, refuses_what_a_spreadsheet_would_not_have_written_naming_the_line) {
  EXPECT_EQ(csv_table::parse("a,b\n1,\"open\n", "x.csv").error_message(), "x.csv:2: a quoted field is never closed");
  EXPECT_EQ(csv_table::parse("a,b\n1,2,3\n", "x.csv").error_message(), "x.csv:2: 3 fields, the header names 2");
  EXPECT_EQ(csv_table::parse("a,a\n", "x.csv").error_message(), "x.csv:1: column a appears twice");
  EXPECT_EQ(csv_table::parse("a\nx\"y\n", "x.csv").error_message(),
            "x.csv:2: a quote inside an unquoted field (quote the field and double the quote)");
  EXPECT_EQ(csv_table::parse("a\n\xff\n", "x.csv").error_message(), "x.csv: not UTF-8 text (save it as CSV UTF-8)");
  EXPECT_EQ(csv_table::parse("", "x.csv").error_message(), "x.csv: empty: the first line names the columns");
}

TEST(master_rows, stores_with_a_row_per_region_assignment_and_every_bad_field_named) {
  auto t = csv_table::parse(
      "store,name,time_zone,currency,region,region_from,tags\n"
      "sh-001,Jing'an,Asia/Shanghai,CNY,east,2025-01-01,mall; flagship\n"
      "sh-001,Jing'an,Asia/Shanghai,CNY,central,2026-03-01,flagship;mall\n",
      "stores.csv");
  auto stores = read_stores(*t);
  ASSERT_TRUE(stores) << stores.error_message();
  ASSERT_EQ(stores->size(), 1u);
  EXPECT_EQ((*stores)[0].regions.size(), 2u);
  EXPECT_EQ((*stores)[0].regions[1].region, "central");
  EXPECT_EQ((*stores)[0].tags, (std::vector<std::string>{"flagship", "mall"}));

  auto bad = csv_table::parse(
      "store,time_zone,currency,region,region_from\n"
      "sh/001,Asia/Shanghai,CNY,east,2025-01-01\n"
      "sh-002,Asia/Shanghai,yuan,east,2025-02-30\n"
      "sh-003,,CNY,,2025-01-01\n"
      "sh-004,Asia/Shanghai,CNY,east,2025-01-01\n"
      "sh-004,Europe/Paris,CNY,west,2026-01-01\n",
      "stores.csv");
  EXPECT_EQ(read_stores(*bad).error_message(),
            "stores.csv: 6 errors, nothing imported:\n"
            "  stores.csv:2: store: \"sh/001\": letters, digits, '.', '_' and '-' only\n"
            "  stores.csv:3: currency: \"yuan\": three capital letters (ISO 4217, CNY)\n"
            "  stores.csv:3: region_from: \"2025-02-30\": not a date YYYY-MM-DD\n"
            "  stores.csv:4: time_zone: empty\n"
            "  stores.csv:4: region: empty\n"
            "  stores.csv:6: store: sh-004 again with another name, time_zone, currency or tags than on line 5 (one "
            "store, one of each; a row per region assignment)");
  auto no_region = csv_table::parse("store,time_zone\n", "stores.csv");
  EXPECT_EQ(read_stores(*no_region).error_message(), "stores.csv:1: the header lacks currency, region, region_from");
}

TEST(master_rows, products_and_associates_refuse_a_key_twice) {
  auto p = csv_table::parse("item_id,category\nA1,drinks\nA1,bakery\n", "products.csv");
  EXPECT_EQ(read_products(*p).error_message(),
            "products.csv: 1 error, nothing imported:\n  products.csv:3: item_id: A1 again (first on line 2)");
  auto a = csv_table::parse("store,operator_id,person_id,hired_on\nsh-1,E1,p-li,2026-13-01\nsh-1,E1,p-wang,\n",
                            "associates.csv");
  EXPECT_EQ(read_associates(*a).error_message(),
            "associates.csv: 2 errors, nothing imported:\n"
            "  associates.csv:2: hired_on: \"2026-13-01\": not a date YYYY-MM-DD\n"
            "  associates.csv:3: operator_id: sh-1/E1 again (first on line 2)");
}

class master_import_test : public test::pg_database_test {
 protected:
  core::result<import_counts> import(master_kind kind, const std::string& csv) {
    auto t = csv_table::parse(csv, "f.csv");
    if (!t) return core::error{t.error_message()};
    return import_master(*db_, "acme", kind, *t);
  }
};

TEST_F(master_import_test, upserts_and_a_store_region_history_is_the_file_s) {
  auto first = import(master_kind::stores,
                      "store,name,time_zone,currency,region,region_from\n"
                      "sh-001,Jing'an,Asia/Shanghai,CNY,east,2025-01-01\n"
                      "sh-002,Xuhui,Asia/Shanghai,CNY,east,2025-01-01\n");
  ASSERT_TRUE(first) << first.error_message();
  EXPECT_EQ(first->inserted, 2);
  // March's reorganisation: sh-002 moves to central from 2026-03-01; its February stays east.
  auto second = import(master_kind::stores,
                       "store,name,time_zone,currency,region,region_from\n"
                       "sh-002,Xuhui,Asia/Shanghai,CNY,east,2025-01-01\n"
                       "sh-002,Xuhui,Asia/Shanghai,CNY,central,2026-03-01\n");
  ASSERT_TRUE(second) << second.error_message();
  EXPECT_EQ(second->updated, 1);
  EXPECT_EQ(test::rows_text(*db_, "SELECT store, valid_from, region FROM store_regions ORDER BY 1, 2"),
            "sh-001|2025-01-01|east\nsh-002|2025-01-01|east\nsh-002|2026-03-01|central\n");
  auto people = import(master_kind::associates, "store,operator_id,person_id,name,role,hired_on\n"
                                                "sh-001,E1,p-li,Li Na,full-time,2020-05-01\nsh-002,E7,p-li,Li Na,,\n");
  ASSERT_TRUE(people) << people.error_message();
  EXPECT_EQ(test::rows_text(*db_, "SELECT store, operator_id, person_id, coalesce(hired_on::text, '-') FROM associates "
                                  "ORDER BY 1"),
            "sh-001|E1|p-li|2020-05-01\nsh-002|E7|p-li|-\n");
}

TEST_F(master_import_test, a_time_zone_postgresql_does_not_know_imports_nothing_of_the_file) {
  auto r = import(master_kind::stores,
                  "store,time_zone,currency,region,region_from\n"
                  "sh-001,Asia/Shanghai,CNY,east,2025-01-01\n"
                  "sh-002,Asia/Shangai,CNY,east,2025-01-01\n");
  EXPECT_EQ(r.error_message(), "f.csv:3: time_zone: \"Asia/Shangai\" is not an IANA time zone PostgreSQL knows "
                               "(Asia/Shanghai), nothing imported");
  EXPECT_EQ(test::rows_text(*db_, "SELECT count(*) FROM stores"), "0\n");
}

}  // namespace
}  // namespace kelu::hq
