// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "drivers/csv_parser.hpp"
#include "drivers/pos_json_line.hpp"

namespace kelu::drivers {
namespace {

const core::time_zone utc = core::time_zone::utc();

const core::pos_transaction& tx(const parsed_record& r) { return std::get<core::pos_transaction>(r.record); }

TEST(pos_json_line, full_transaction_with_decimal_strings) {
  const auto r = parse_pos_json_line(
      R"({"terminal":"T1","transaction_id":"1001","time":"2026-11-27T18:03:11+08:00","operator":"E7",)"
      R"("currency":"CNY","total":"23.50","tax":"2.70","items":[{"item_id":"6901234567892","description":"Oolong tea",)"
      R"("quantity":2,"unit_price":"4.50","amount":"9.00"},{"item_id":"W1","quantity":"0.375","unit_price":"12.00"}],)"
      R"("tenders":[{"method":"mobile","amount":"23.50"}]})",
      "USD", utc);
  ASSERT_TRUE(r) << r.error_message();
  const auto& t = tx(*r);
  EXPECT_EQ(t.terminal, "T1");
  EXPECT_EQ(t.transaction_id, "1001");
  EXPECT_EQ(t.operator_id, "E7");
  EXPECT_EQ(t.currency, "CNY");
  EXPECT_EQ(t.total_minor, 2350);
  EXPECT_EQ(t.tax_minor, 270);
  ASSERT_EQ(t.items.size(), 2u);
  EXPECT_EQ(t.items[0].quantity_milli, 2000);
  EXPECT_EQ(t.items[0].amount_minor, 900);
  EXPECT_EQ(t.items[1].quantity_milli, 375);
  EXPECT_EQ(t.items[1].amount_minor, 450);  // 0.375 x 12.00, computed exactly
  ASSERT_EQ(t.tenders.size(), 1u);
  EXPECT_EQ(t.tenders[0].amount_minor, 2350);
  ASSERT_TRUE(r->time);
  EXPECT_EQ(core::format_iso8601(*r->time), "2026-11-27T10:03:11.000Z");
}

TEST(pos_json_line, computed_amounts_round_half_away_from_zero_without_overflow) {
  const auto r = parse_pos_json_line(
      R"({"terminal":"T","transaction_id":"1","total":"0","items":[)"
      R"({"item_id":"a","quantity":"0.005","unit_price":"1.00"},{"item_id":"b","quantity":"-0.005","unit_price":"1.00"},)"
      R"({"item_id":"c","quantity":"0.004","unit_price":"1.00"},)"
      R"({"item_id":"d","quantity":"-0.001","unit_price_minor":9223372036854775807}]})",
      "CNY", utc);
  ASSERT_TRUE(r) << r.error_message();
  EXPECT_EQ(tx(*r).items[0].amount_minor, 1);   // 0.5 cent -> 1
  EXPECT_EQ(tx(*r).items[1].amount_minor, -1);  // -0.5 cent -> -1
  EXPECT_EQ(tx(*r).items[2].amount_minor, 0);
  EXPECT_EQ(tx(*r).items[3].amount_minor, -9223372036854776);  // at the edge, no overflow
}

TEST(pos_json_line, a_time_without_zone_is_read_in_the_store_zone) {
  const auto sh = core::time_zone::load("Asia/Shanghai").value();
  const auto r =
      parse_pos_json_line(R"({"terminal":"T","transaction_id":"1","total":"1","time":"2026-11-27 18:03:11"})", "CNY", sh);
  ASSERT_TRUE(r) << r.error_message();
  EXPECT_EQ(core::format_iso8601(*r->time), "2026-11-27T10:03:11.000Z");
}

TEST(pos_json_line, unknown_fields_are_kept_verbatim_at_every_level) {
  const auto r = parse_pos_json_line(
      R"({"terminal":"T1","transaction_id":"1","total":"1","colour":"red","loyalty":{"card":"0042","points":[1,2]},)"
      R"("items":[{"item_id":"a","amount":"1","lot":"L-7"}]})",
      "CNY", utc);
  ASSERT_TRUE(r) << r.error_message();
  EXPECT_EQ(tx(*r).extra, R"({"colour":"red","loyalty":{"card":"0042","points":[1,2]}})");
  EXPECT_EQ(tx(*r).items[0].extra, R"({"lot":"L-7"})");
}

TEST(pos_json_line, sign_on_and_off_are_operator_records) {
  const auto r = parse_pos_json_line(
      R"({"kind":"sign_off","terminal":"T1","transaction_id":"77","operator":"E7","operator_name":"Li Na",)"
      R"("business_day":"2026-11-27","time":"2026-11-27T21:00:00Z"})",
      "CNY", utc);
  ASSERT_TRUE(r) << r.error_message();
  const auto& o = std::get<core::pos_operator>(r->record);
  EXPECT_EQ(o.action, core::pos_operator_action::sign_off);
  EXPECT_EQ(o.operator_id, "E7");
  EXPECT_EQ(o.operator_name, "Li Na");
  EXPECT_EQ(o.business_day, "2026-11-27");
  EXPECT_EQ(o.extra, "");
}

TEST(pos_json_line, business_day_defaults_to_the_local_date_of_the_sale) {
  // 23:30 UTC on the 26th is already the 27th in Shanghai: the day the store was open.
  const auto sh = core::time_zone::load("Asia/Shanghai");
  ASSERT_TRUE(sh);
  auto r = parse_pos_json_line(R"({"terminal":"T","transaction_id":"1","total":"1","time":"2026-11-26T23:30:00Z"})",
                               "CNY", *sh);
  ASSERT_TRUE(r);
  const auto e = make_pos_event(std::move(*r), {"s1", "pos-tcp", core::from_unix_ms(0)}, *sh);
  EXPECT_EQ(std::get<core::pos_transaction>(e.body).business_day, "2026-11-27");
  EXPECT_EQ(e.received_at, core::from_unix_ms(0));  // the box's time kept beside the till's
  EXPECT_EQ(core::to_unix_ms(e.observed_at), 1'795'735'800'000);
}

TEST(pos_json_line, minor_units_default_currency_and_refunds) {
  const auto r = parse_pos_json_line(R"({"terminal":7,"transaction_id":99,"total_minor":-1500,"kind":"refund"})", "JPY", utc);
  ASSERT_TRUE(r) << r.error_message();
  EXPECT_EQ(tx(*r).terminal, "7");
  EXPECT_EQ(tx(*r).currency, "JPY");
  EXPECT_EQ(tx(*r).total_minor, -1500);
  EXPECT_EQ(tx(*r).kind, core::pos_transaction_kind::return_);
  EXPECT_FALSE(r->time);
}

struct bad_case {
  const char* line;
  const char* expected;
};

class pos_json_line_errors : public testing::TestWithParam<bad_case> {};

TEST_P(pos_json_line_errors, name_the_field_or_byte) {
  const auto r = parse_pos_json_line(GetParam().line, "CNY", utc);
  ASSERT_FALSE(r) << GetParam().line;
  EXPECT_NE(r.error_message().find(GetParam().expected), std::string::npos) << r.error_message();
}

INSTANTIATE_TEST_SUITE_P(
    cases, pos_json_line_errors,
    testing::Values(bad_case{R"({"terminal":"T1","transaction_id":"1","total":12.5})", "total: floating-point"},
                    bad_case{R"({"terminal":"T1","total":"1"})", "transaction_id: required"},
                    bad_case{R"({"terminal":"","transaction_id":"1","total":"1"})", "terminal: must not be empty"},
                    bad_case{R"({"terminal":"T1","transaction_id":"1","total":"1.234"})", "total: bad amount"},
                    bad_case{R"({"terminal":"T1","transaction_id":"1","total":"1","total_minor":100})",
                             "not both"},
                    bad_case{R"({"terminal":"T1","transaction_id":"1","total":"1","items":[{"item_id":"a"},)"
                             R"({"item_id":"b","amount":"x"}]})",
                             "items[1].amount"},
                    bad_case{R"({"terminal":"T1","transaction_id":"1","total":"1","tenders":[{"amount":"1"}]})",
                             "tenders[0].method: required"},
                    bad_case{R"({"terminal":"T1","transaction_id":"1","total":"1","business_day":"27/11"})",
                             "business_day: \"27/11\" is not YYYY-MM-DD"},
                    bad_case{R"({"terminal":"T1","transaction_id":"1","kind":"sign_on"})", "operator: required"},
                    bad_case{R"({"terminal":"T1","transaction_id":"1","total":"1","time":"2026-11-27T10:00"})",
                             "time: bad timestamp"},
                    bad_case{R"({"terminal":"T1","transaction_id":"1","total":"1","kind":"theft"})", "kind:"},
                    bad_case{R"({"terminal":"T1","transaction_id":"1","total":"1","currency":"yuan"})",
                             "currency:"},
                    bad_case{R"({"terminal":"T1","transaction_id":"1","total":"1","items":[{"item_id":"a",)"
                             R"("quantity":1000000,"unit_price_minor":9223372036854775807}]})",
                             "out of range"},
                    bad_case{R"({"terminal":"T1",)", "malformed JSON at byte"},
                    bad_case{R"({"terminal":"T1","transaction_id":"1","total":"1","items":[{"item_id":"a","quantity":2e308}]})",
                             "malformed JSON: "},
                    bad_case{R"([1,2,3])", "expected a JSON object"},
                    bad_case{R"({"terminal":"T1","transaction_id":"1","total":"1","items":{}})",
                             "items: expected an array"}));

TEST(wall_time, the_whole_format_must_match) {
  // std::get_time took "00" for "%Y-%m-%d %H:%M:%S" as year 0; strptime refuses it.
  EXPECT_FALSE(parse_wall_time("00", "%Y-%m-%d %H:%M:%S"));
  EXPECT_FALSE(parse_wall_time("2026-11-27 10:00", "%Y-%m-%d %H:%M:%S"));
  EXPECT_FALSE(parse_wall_time("2026-11-27 10:00:00 extra", "%Y-%m-%d %H:%M:%S"));
  EXPECT_FALSE(parse_wall_time("0001-11-27 10:00:00", "%Y-%m-%d %H:%M:%S"));
  const auto t = parse_wall_time("Monday 6 of April 2015 02:56:25 PM", "%A %d of %B %Y %I:%M:%S %p");
  ASSERT_TRUE(t) << t.error_message();
  EXPECT_EQ(core::format_date(*t), "2015-04-06");
  EXPECT_EQ((*t - std::chrono::floor<std::chrono::days>(*t)), std::chrono::hours(14) + std::chrono::minutes(56) +
                                                                 std::chrono::seconds(25));
}

}  // namespace
}  // namespace kelu::drivers
