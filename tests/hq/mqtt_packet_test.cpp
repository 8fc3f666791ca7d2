// SPDX-License-Identifier: Apache-2.0
// The sink's MQTT 3.1.1 packets against the bytes the standard gives.
#include <gtest/gtest.h>

#include <string>

#include "hq/sink/mqtt_packet.hpp"

namespace kelu::hq {
namespace {

std::string bytes(std::initializer_list<int> b) {
  std::string out;
  for (int c : b) out += static_cast<char>(c);
  return out;
}

TEST(mqtt_packet, connect_asks_for_a_persistent_session_with_its_credentials) {
  const auto c = encode_connect({"hq-1", "hq", "pw", 30, false});
  // Fixed header, "MQTT" level 4, flags: user name + password, no clean session; keep-alive 30.
  EXPECT_EQ(c.substr(0, 12), bytes({0x10, 24, 0, 4, 'M', 'Q', 'T', 'T', 4, 0xc0, 0, 30}));
  EXPECT_EQ(c.substr(12), bytes({0, 4, 'h', 'q', '-', '1', 0, 2, 'h', 'q', 0, 2, 'p', 'w'}));
}

TEST(mqtt_packet, subscribe_and_puback_are_as_the_standard_lays_them_out) {
  EXPECT_EQ(encode_subscribe(1, {"a/+"}), bytes({0x82, 8, 0, 1, 0, 3, 'a', '/', '+', 1}));
  EXPECT_EQ(encode_puback(0x1234), bytes({0x40, 2, 0x12, 0x34}));
  EXPECT_EQ(encode_pingreq(), bytes({0xc0, 0}));
}

TEST(mqtt_packet, a_packet_is_taken_only_when_whole_and_long_lengths_span_bytes) {
  // PUBLISH QoS 1, topic "t", id 7, a 200-byte payload: remaining length 205 = 0xcd 0x01.
  std::string wire = bytes({0x32, 0xcd, 0x01, 0, 1, 't', 0, 7}) + std::string(200, 'x') + bytes({0xd0, 0});
  std::string buffer;
  for (std::size_t i = 0; i < 100; ++i) buffer += wire[i];
  auto p = take_packet(buffer, 1024);
  ASSERT_TRUE(p);
  EXPECT_FALSE(*p);  // not whole yet
  buffer += wire.substr(100);
  p = take_packet(buffer, 1024);
  ASSERT_TRUE(p && *p);
  const auto pub = decode_publish(**p);
  ASSERT_TRUE(pub) << pub.error_message();
  EXPECT_EQ(pub->topic, "t");
  EXPECT_EQ(pub->qos, 1);
  EXPECT_EQ(pub->packet_id, 7);
  EXPECT_EQ(pub->payload, std::string(200, 'x'));
  p = take_packet(buffer, 1024);  // the PINGRESP behind it
  ASSERT_TRUE(p && *p);
  EXPECT_EQ((*p)->type, pingresp);
  EXPECT_TRUE(buffer.empty());
}

TEST(mqtt_packet, malformed_or_oversized_packets_end_the_connection_with_a_reason) {
  std::string five = bytes({0x30, 0xff, 0xff, 0xff, 0xff, 0x01});
  const auto bad = take_packet(five, 1 << 20);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error_message().find("more than four bytes"), std::string::npos);
  std::string big = bytes({0x30, 0x80, 0x80, 0x01});  // 16384 bytes announced
  const auto over = take_packet(big, 1000);
  ASSERT_FALSE(over);
  EXPECT_NE(over.error_message().find("16384 bytes, over 1000"), std::string::npos) << over.error_message();
  EXPECT_FALSE(decode_publish(packet{3, 0x02, bytes({0, 9, 'a'})}));  // topic longer than the packet
  EXPECT_FALSE(decode_publish(packet{3, 0x06, bytes({0, 1, 'a'})}));  // QoS 3
}

}  // namespace
}  // namespace kelu::hq
