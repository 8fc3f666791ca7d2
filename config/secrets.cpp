// SPDX-License-Identifier: Apache-2.0
#include "secrets.hpp"

namespace kelu::config {

using nlohmann::json;

namespace {

std::string leaf_of(const std::string& path) {
  const auto dot = path.rfind('.');
  return dot == std::string::npos ? path : path.substr(dot + 1);
}

// How a string at `path` is shown: as it is, with its URL's password masked, or masked whole.
enum class shown { plain, url, hidden };

shown how(const std::string& path) {
  const auto leaf = leaf_of(path);
  if (leaf.find("password") != std::string::npos || leaf == "secret" || leaf == "token") return shown::hidden;
  if (leaf != "url") return shown::plain;
  // A chat webhook's URL is its credential; a device's URL is where it is.
  return path.starts_with("notify.") ? shown::hidden : shown::url;
}

std::string element_key(const json& e) {
  if (!e.is_object()) return {};
  for (const char* k : {"id", "name"})
    if (e.contains(k) && e[k].is_string()) return e[k].get<std::string>();
  return {};
}

std::string child(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

}  // namespace

std::string without_password(const std::string& url) {
  const auto scheme = url.find("://");
  const auto at = url.find('@');
  if (scheme == std::string::npos || at == std::string::npos || at < scheme) return url;
  const auto colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

json masked(json doc, const std::string& path) {
  if (doc.is_object()) {
    for (auto& [k, v] : doc.items()) v = masked(std::move(v), child(path, k));
  } else if (doc.is_array()) {
    for (auto& v : doc) v = masked(std::move(v), path + "[]");
  } else if (doc.is_string() && !doc.get<std::string>().empty()) {
    switch (how(path)) {
      case shown::hidden: return "***";
      case shown::url: return without_password(doc.get<std::string>());
      case shown::plain: break;
    }
  }
  return doc;
}

json unmasked(json edited, const json& current, const std::string& path) {
  if (edited.is_object() && current.is_object()) {
    for (auto& [k, v] : edited.items())
      if (current.contains(k)) v = unmasked(std::move(v), current[k], child(path, k));
    return edited;
  }
  if (edited.is_array() && current.is_array()) {
    for (std::size_t i = 0; i < edited.size(); ++i) {
      const auto key = element_key(edited[i]);
      const json* match = nullptr;
      for (const auto& c : current)
        if (!key.empty() && element_key(c) == key) match = &c;
      if (match == nullptr && key.empty() && i < current.size()) match = &current[i];
      if (match != nullptr) edited[i] = unmasked(std::move(edited[i]), *match, path + "[]");
    }
    return edited;
  }
  if (edited.is_string() && current.is_string() && edited != current && masked(current, path) == edited) return current;
  return edited;
}

}  // namespace kelu::config
