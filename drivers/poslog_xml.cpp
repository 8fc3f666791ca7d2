// SPDX-License-Identifier: Apache-2.0
#include "poslog_xml.hpp"

#include <algorithm>
#include <sstream>

namespace kelu::drivers::poslog_xml {

using nlohmann::json;

bool is_arts_namespace(std::string_view uri) {
  if (uri.empty()) return true;
  for (std::string_view scheme : {"http://", "https://"})
    if (uri.starts_with(scheme)) {
      uri.remove_prefix(scheme.size());
      return uri.starts_with("www.nrf-arts.org/IXRetail/");
    }
  return false;
}

std::string_view local_name(std::string_view qname) {
  const auto c = qname.find(':');
  return c == std::string_view::npos ? qname : qname.substr(c + 1);
}

std::string_view namespace_of(pugi::xml_node n) {
  const std::string_view qname = n.name();
  const auto c = qname.find(':');
  const std::string attr = c == std::string_view::npos ? std::string("xmlns") : "xmlns:" + std::string(qname.substr(0, c));
  for (auto p = n; p; p = p.parent())
    if (p.type() == pugi::node_element)
      if (const auto a = p.attribute(attr.c_str())) return a.value();
  return {};
}

bool is_arts(pugi::xml_node n, std::string_view local) {
  return n.type() == pugi::node_element && local_name(n.name()) == local && is_arts_namespace(namespace_of(n));
}

bool is_any_arts(pugi::xml_node n, std::initializer_list<std::string_view> locals) {
  if (n.type() != pugi::node_element) return false;
  const auto local = local_name(n.name());
  return std::find(locals.begin(), locals.end(), local) != locals.end() && is_arts_namespace(namespace_of(n));
}

pugi::xml_node child(pugi::xml_node n, std::string_view local) {
  for (auto c : n.children())
    if (is_arts(c, local)) return c;
  return {};
}

std::vector<pugi::xml_node> children(pugi::xml_node n, std::string_view local) {
  std::vector<pugi::xml_node> out;
  for (auto c : n.children())
    if (is_arts(c, local)) out.push_back(c);
  return out;
}

std::string text(pugi::xml_node n) {
  std::string_view v(n.child_value());
  const auto b = v.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const auto e = v.find_last_not_of(" \t\r\n");
  return std::string(v.substr(b, e - b + 1));
}

std::string markup(pugi::xml_node n) {
  std::ostringstream os;
  n.print(os, "", pugi::format_raw);
  return os.str();
}

bool flag(pugi::xml_node n, std::string_view name) {
  const auto truthy = [](std::string_view v) { return v == "true" || v == "1"; };
  if (truthy(n.attribute(std::string(name).c_str()).value())) return true;
  const auto c = child(n, name);
  return c && truthy(text(c));
}

std::string position(std::string_view document, std::ptrdiff_t offset) {
  if (offset < 0) return "";
  const auto upto = document.substr(0, std::min(document.size(), static_cast<std::size_t>(offset)));
  const auto line = 1 + std::count(upto.begin(), upto.end(), '\n');
  return "line " + std::to_string(line) + ", byte " + std::to_string(offset);
}

void extras::element(pugi::xml_node n, const std::string& prefix) {
  if (n.type() != pugi::node_element) return;
  auto& slot = j_[prefix + n.name()];
  const auto m = markup(n);
  if (slot.is_null())
    slot = m;
  else if (slot.is_array())
    slot.push_back(m);
  else
    slot = json::array({json(std::move(slot)), m});  // moved out first: slot is both source and target
}

void extras::attribute(pugi::xml_attribute a, const std::string& prefix) { j_[prefix + "@" + a.name()] = a.value(); }

void extras::attributes_except(pugi::xml_node n, std::initializer_list<std::string_view> known) {
  for (auto a : n.attributes()) {
    const std::string_view name = a.name();
    if (name == "xmlns" || name.starts_with("xmlns:")) continue;
    if (std::find(known.begin(), known.end(), name) == known.end()) attribute(a);
  }
}

core::extensions extras::str() const {
  return j_.empty() ? core::extensions{} : j_.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace kelu::drivers::poslog_xml
