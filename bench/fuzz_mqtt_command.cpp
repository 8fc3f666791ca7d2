// SPDX-License-Identifier: Apache-2.0
// Any bytes as what arrives from HQ's broker on cmd/replay and config/desired (and what the box
// persisted of the latter): read or refused with a reason, never a crash, and nothing accepted
// that breaks the rules the agent relies on afterwards.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/desired_config.hpp"
#include "sync/replay.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (const auto r = kelu::sync::parse_replay(text)) {
    // A span the agent would queue in one go must be bounded (max_replay_span).
    if (r->from_seq < 1 || r->to_seq < r->from_seq || r->to_seq - r->from_seq >= kelu::sync::max_replay_span)
      std::abort();
    if (r->source.empty()) std::abort();
  }
  kelu::config::desired_state current;
  current.version = current.applied_version = 7;
  current.document = {{"health", {{"interval_s", 60}}}};
  const auto m = kelu::config::read_desired(text, current);
  if (m.verdict == kelu::config::desired_verdict::accept) {
    if (!m.document.is_object() || m.version <= current.version) std::abort();
    (void)kelu::config::layered(nlohmann::json{{"store", {{"id", "s1"}}}}, {m.version, m.version, m.document, {}});
  }
  if (m.verdict == kelu::config::desired_verdict::refuse && m.reason.empty()) std::abort();
  kelu::config::desired_state restored;
  std::string why;
  if (!kelu::config::from_text(text, restored, why) && why.empty()) std::abort();
  return 0;
}
