// SPDX-License-Identifier: Apache-2.0
#pragma once
// HQ's desired configuration of one box (docs/fleet.md), layered over the box's own file by the
// device-twin rule. Pure: the agent persists the state as text and feeds it the messages.
//
// config/desired carries one of
//   {"version": 7, "config": {...}}                     the whole desired document
//   {"version": 8, "base_version": 7, "patch": {...}}   an RFC 7386 merge patch of version 7's
// where the document names only the keys HQ sets, in the file's shape. Versions only grow: a version
// not above the last one seen is ignored (the retained message comes again after every connect).
//
// Precedence: the file is the baseline; every key the desired document names wins; a key it does
// not name keeps the file's value. A local change (the file, the technician) to a key HQ names is
// applied for now, reported as drift, and replaced by HQ's value at HQ's next version.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kelu::config {

struct desired_state {
  std::int64_t version = 0;          // highest version seen (0: none)
  std::int64_t applied_version = 0;  // the version whose document is in effect (below `version` after a rollback)
  nlohmann::json document = nlohmann::json::object();  // the keys HQ sets
  nlohmann::json local = nlohmann::json::object();     // local values of keys HQ names, since applied_version
};

enum class desired_verdict {
  accept,     // `document` is the new desired document, to validate and apply
  ignore,     // a version already seen: nothing to do, nothing to report
  refuse,     // malformed, or a patch for another base: report `reason`
};

struct desired_message {
  desired_verdict verdict = desired_verdict::refuse;
  std::int64_t version = 0;
  nlohmann::json document;
  std::string reason;
};

// Reads a config/desired payload against `current`.
desired_message read_desired(std::string_view payload, const desired_state& current);

// The configuration as JSON: `file` with the desired document over it and the local overrides over that.
nlohmann::json layered(const nlohmann::json& file, const desired_state& s);

// The key paths a document names ("mqtt.uri", "cameras"): its non-object values, dotted.
std::vector<std::string> named_paths(const nlohmann::json& document);

// `local` after the file changed from `before` to `after`: each changed key HQ names is the file's
// now (drift); a key the file stopped changing keeps its override until HQ's next version.
nlohmann::json with_drift(nlohmann::json local, const nlohmann::json& before, const nlohmann::json& after,
                          const nlohmann::json& document);

// Persisted beside the database (desired.json). An unreadable text is an error naming why.
std::string to_text(const desired_state& s);
bool from_text(std::string_view text, desired_state& out, std::string& why);

}  // namespace kelu::config
