// SPDX-License-Identifier: Apache-2.0
#include "desired_config.hpp"

#include <algorithm>

#include "schema.hpp"

namespace kelu::config {

using nlohmann::json;

namespace {

void collect(const json& j, const std::string& prefix, std::vector<std::string>& out) {
  for (const auto& [name, value] : j.items()) {
    const auto path = prefix.empty() ? name : prefix + "." + name;
    if (value.is_object())
      collect(value, path, out);
    else
      out.push_back(path);
  }
}

desired_message refused(std::string why) {
  desired_message m;
  m.verdict = desired_verdict::refuse;
  m.reason = "config/desired: " + std::move(why);
  return m;
}

}  // namespace

desired_message read_desired(std::string_view payload, const desired_state& current) {
  const auto j = json::parse(payload, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return refused("not a JSON object");
  if (!j.contains("version"))
    return refused("no \"version\": send {\"version\": N, \"config\": {...}} or {\"version\": N, \"base_version\": M, "
                   "\"patch\": {...}} (docs/fleet.md)");
  if (!j["version"].is_number_integer() || j["version"].get<std::int64_t>() < 1)
    return refused("version: expected an integer from 1, got " + j["version"].dump());
  desired_message m;
  m.version = j["version"].get<std::int64_t>();
  if (m.version <= current.version) {
    m.verdict = desired_verdict::ignore;
    m.reason = "version " + std::to_string(m.version) + " is not above " + std::to_string(current.version);
    return m;
  }
  // From here a refusal answers this version: HQ matches the answer to what it sent.
  const auto with_version = [&](std::string why) {
    auto r = refused(std::move(why));
    r.version = m.version;
    return r;
  };
  const bool whole = j.contains("config"), patch = j.contains("patch");
  if (whole == patch) return with_version("expected exactly one of \"config\" (the whole document) and \"patch\"");
  for (const auto& [key, value] : j.items())
    if (key != "version" && key != "config" && key != "patch" && key != "base_version")
      return with_version(key + ": unknown key (version, config, patch, base_version)");
  if (whole) {
    if (!j["config"].is_object()) return with_version("config: expected an object");
    m.document = j["config"];
  } else {
    if (!j["patch"].is_object()) return with_version("patch: expected an object (RFC 7386 merge patch)");
    if (!j.contains("base_version") || !j["base_version"].is_number_integer())
      return with_version("base_version: a patch names the version it applies to");
    const auto base = j["base_version"].get<std::int64_t>();
    if (base != current.applied_version)
      return with_version("patch " + std::to_string(m.version) + " applies to version " + std::to_string(base) +
                     ", this box runs version " + std::to_string(current.applied_version) +
                     ": send the whole document");
    m.document = current.document;
    m.document.merge_patch(j["patch"]);
  }
  m.verdict = desired_verdict::accept;
  return m;
}

json layered(const json& file, const desired_state& s) {
  json out = file.is_object() ? file : json::object();
  out.merge_patch(s.document);
  out.merge_patch(s.local);
  return out;
}

std::vector<std::string> named_paths(const json& document) {
  std::vector<std::string> out;
  if (document.is_object()) collect(document, "", out);
  return out;
}

json with_drift(json local, const json& before, const json& after, const json& document) {
  if (!local.is_object()) local = json::object();
  for (const auto& path : named_paths(document)) {
    const auto at = key_pointer(path);
    const auto was = before.contains(at) ? before[at] : json();
    const auto now = after.contains(at) ? after[at] : json();
    if (was == now) continue;
    // The file dropped the key (null): its default stands locally, as merge-patching null gives.
    local[at] = now;
  }
  return local;
}

std::string to_text(const desired_state& s) {
  return json{{"version", s.version},
              {"applied_version", s.applied_version},
              {"document", s.document},
              {"local", s.local}}
             .dump(2) +
         "\n";
}

bool from_text(std::string_view text, desired_state& out, std::string& why) {
  const auto j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    why = "not a JSON object";
    return false;
  }
  for (const char* k : {"version", "applied_version"})
    if (!j.contains(k) || !j[k].is_number_integer()) {
      why = std::string(k) + ": expected an integer";
      return false;
    }
  for (const char* k : {"document", "local"})
    if (!j.contains(k) || !j[k].is_object()) {
      why = std::string(k) + ": expected an object";
      return false;
    }
  out.version = j["version"].get<std::int64_t>();
  out.applied_version = j["applied_version"].get<std::int64_t>();
  out.document = j["document"];
  out.local = j["local"];
  return true;
}

}  // namespace kelu::config
