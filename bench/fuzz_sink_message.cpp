// SPDX-License-Identifier: Apache-2.0
// HQ's sink reading anything a broker may hand it: the input's first line is the topic, the rest
// the payload. Every message is either refused with a reason or decoded into rows whose identity
// fields are there (an event's seq from 1, its partition day from its own observed_at).
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>
#include <vector>

#include "hq/sink/sink_message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto nl = bytes.find('\n');
  const auto topic = bytes.substr(0, nl);
  const auto payload = nl == std::string_view::npos ? std::string_view{} : bytes.substr(nl + 1);
  const auto m = kelu::hq::decode_sink_message(topic, payload, 64 * 1024);
  if (!m) {
    if (m.error_message().empty()) std::abort();
    return 0;
  }
  if (m->tenant.empty() || m->store.empty()) std::abort();
  if (const auto* events = std::get_if<std::vector<kelu::hq::sink_event>>(&m->content)) {
    for (const auto& e : *events)
      if (e.seq < 1 || e.source.empty() || e.observed_at.empty() || e.body.empty()) std::abort();
  }
  return 0;
}
