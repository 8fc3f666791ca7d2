// SPDX-License-Identifier: Apache-2.0
// HQ's own MQTT client (hq/sink/mqtt_packet) reading whatever a broker, or something posing as
// one, sends: the input is the byte stream, cut into packets as the sink cuts its socket's reads.
// Checked:
// - take_packet() either waits for more, takes a whole packet off the front, or refuses the stream;
//   it never takes more than the buffer held, nor a packet over the limit;
// - a PUBLISH that decodes is encoded back by encode_publish() and decodes to the same topic,
//   payload and packet id (QoS 1, what the sink subscribes with).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "hq/sink/mqtt_packet.hpp"

namespace {

constexpr std::size_t max_bytes = 64 * 1024;

void round_trip(const kelu::hq::publish_packet& p) {
  if (p.qos != 1) return;
  std::string again = kelu::hq::encode_publish(p.topic, p.payload, p.packet_id);
  const auto taken = kelu::hq::take_packet(again, max_bytes + 1024);
  if (!taken || !*taken || !again.empty()) std::abort();
  const auto decoded = kelu::hq::decode_publish(**taken);
  if (!decoded || decoded->topic != p.topic || decoded->payload != p.payload || decoded->packet_id != p.packet_id)
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string buffer(reinterpret_cast<const char*>(data), size);
  for (;;) {
    const auto before = buffer.size();
    const auto taken = kelu::hq::take_packet(buffer, max_bytes);
    if (!taken) {
      if (taken.error_message().empty()) std::abort();
      return 0;  // the stream is refused: the sink drops the connection
    }
    if (!*taken) return 0;  // more bytes needed
    const auto& p = **taken;
    if (buffer.size() >= before || p.body.size() > max_bytes) std::abort();
    if (p.type == kelu::hq::publish) {
      if (const auto m = kelu::hq::decode_publish(p)) round_trip(*m);
      else if (m.error_message().empty()) std::abort();
    }
    (void)kelu::hq::puback_id(p);
  }
}
