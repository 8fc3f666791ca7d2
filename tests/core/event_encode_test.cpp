// SPDX-License-Identifier: Apache-2.0
// core::encode writes POS events directly (core/json_writer.hpp) and everything else through
// nlohmann's DOM. Stored bodies and MQTT payloads must not change with the path: the direct text
// is exactly the DOM's (its canonical re-dump: sorted keys, the same escapes), and decodes back to
// the event, for random events with every awkward string a till sends.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <random>

#include "core/event.hpp"
#include "core/json_writer.hpp"
#include "core/utf8.hpp"

namespace kelu::core {
namespace {

using nlohmann::json;

// What the DOM makes of the same text: a direct writer that got a key order, an escape or a
// number wrong gives something else.
std::string canonical(const std::string& text) {
  return json::parse(text).dump(-1, ' ', false, json::error_handler_t::replace);
}

struct random_events {
  std::mt19937_64 gen{20261204};

  std::string text() {
    static const std::vector<std::string> pieces{
        "a",  "Z9", " ",  "\"", "\\", "/", "\b", "\f", "\n", "\r", "\t", std::string(1, '\0'), "\x01", "\x1f",
        "\x7f", "é", "导购", "￥", "😀", "{}", "[", ":", ","};
    std::string s;
    for (auto n = gen() % 6; n > 0; --n) s += pieces[static_cast<std::size_t>(gen() % pieces.size())];
    return s;
  }
  std::int64_t number() {
    switch (gen() % 4) {
      case 0: return 0;
      case 1: return -static_cast<std::int64_t>(gen() % 100000);
      case 2: return std::numeric_limits<std::int64_t>::max() - static_cast<std::int64_t>(gen() % 3);
      default: return static_cast<std::int64_t>(gen() % 1000000);
    }
  }
  event sale() {
    pos_transaction t{text(), text(), text(), text(), text(), static_cast<pos_transaction_kind>(gen() % 5),
                      text(), number(), number(), {}, {}, {}, gen() % 2 ? text() : "", gen() % 2 ? text() : "",
                      gen() % 3 ? "" : "lines"};
    for (auto n = gen() % 4; n > 0; --n)
      t.items.push_back({text(), text(), text(), number(), number(), number(), number(), {},
                         gen() % 2 ? text() : "", gen() % 2 ? text() : ""});
    for (auto n = gen() % 3; n > 0; --n) t.tenders.push_back({text(), number(), {}});
    return envelope_around(t);
  }
  event sign() {
    return envelope_around(pos_operator{text(), text(), text(), text(), text(),
                                        gen() % 2 ? pos_operator_action::sign_on : pos_operator_action::sign_off, {}});
  }
  event envelope_around(payload body) {
    auto e = make_event({text(), text(), text(), from_unix_ms(static_cast<std::int64_t>(gen() % 4'000'000'000'000)),
                         from_unix_ms(1'795'000'000'000)},
                        std::move(body));
    e.seq = number();
    if (gen() % 2) e.epoch = "0123456789abcdef";
    return e;
  }
};

TEST(event_encode, pos_events_written_directly_are_the_doms_text_and_decode_back) {
  random_events r;
  for (int i = 0; i < 2000; ++i) {
    const auto e = i % 5 == 0 ? r.sign() : r.sale();
    const auto text = encode(e);
    ASSERT_EQ(text, canonical(text)) << "event " << i;
    const auto back = decode(text);
    ASSERT_TRUE(back) << back.error_message();
    ASSERT_EQ(back->body, e.body) << text;
    ASSERT_EQ(back->source, e.source);
    ASSERT_EQ(back->observed_at, e.observed_at);
  }
}

// What the direct writer leaves to the DOM comes out as it did: extensions normalised, bytes that
// are not UTF-8 replaced by U+FFFD rather than making the sale unstorable.
TEST(event_encode, extensions_and_bad_utf8_take_the_dom_path_as_before) {
  random_events r;
  auto e = r.sale();
  std::get<pos_transaction>(e.body).extra = R"({ "z": 1, "a": [true, null] })";
  auto text = encode(e);
  EXPECT_EQ(text, canonical(text));
  EXPECT_NE(text.find(R"("extensions":{"a":[true,null],"z":1})"), std::string::npos) << text;

  auto latin1 = r.sale();
  std::get<pos_transaction>(latin1.body).operator_name = "Jos\xe9";
  text = encode(latin1);
  EXPECT_NE(text.find("\"operator_name\":\"Jos\xef\xbf\xbd\""), std::string::npos) << text;
  EXPECT_TRUE(decode(text));
}

TEST(json_writer, checks_utf8_as_the_standard_defines_it) {
  EXPECT_TRUE(valid_utf8("plain, é, 导购, 😀"));
  EXPECT_FALSE(valid_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));      // a surrogate
  EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(valid_utf8("\xe5\xaf"));          // cut short
  EXPECT_FALSE(valid_utf8("\x80"));
  json_writer w;
  w.begin_object();
  w.member("a", "x\xe5");
  EXPECT_FALSE(w.ok());
}

}  // namespace
}  // namespace kelu::core
