// SPDX-License-Identifier: Apache-2.0
#pragma once
// The XML side of reading ARTS POSLog, apart from the mapping: which elements are ARTS ones,
// their text, and what to keep of the elements Kelu has no slot for. Pure functions over a
// parsed pugixml tree; no state.
//
// ARTS elements are recognised by namespace and local name, whatever prefix a file uses. The
// field writes three kinds of namespace: the classic `http://www.nrf-arts.org/IXRetail/namespace/`
// (with or without the final slash), the versioned ones of POSLog 6 such as
// `http://www.nrf-arts.org/IXRetail/v6.0.0/poslog`, and none at all (exports that drop the
// declaration). All three are ARTS; any other namespace is a vendor's extension.
#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.hpp"

namespace kelu::drivers::poslog_xml {

// True for the URIs above ("" included).
bool is_arts_namespace(std::string_view uri);

std::string_view local_name(std::string_view qname);
// The namespace URI bound to `n`'s prefix where `n` stands ("" when none is bound).
std::string_view namespace_of(pugi::xml_node n);

bool is_arts(pugi::xml_node n, std::string_view local);
bool is_any_arts(pugi::xml_node n, std::initializer_list<std::string_view> locals);
// The first ARTS child with that local name; an empty node when there is none.
pugi::xml_node child(pugi::xml_node n, std::string_view local);
std::vector<pugi::xml_node> children(pugi::xml_node n, std::string_view local);

std::string text(pugi::xml_node n);  // trimmed; "" for an empty node
std::string markup(pugi::xml_node n);
// An attribute or a child element saying true ("true" or "1"): ARTS 2 writes flags such as
// TrainingModeFlag as attributes, later exports as elements.
bool flag(pugi::xml_node n, std::string_view name);

// "line 12, byte 430": pugixml reports byte offsets; technicians read line numbers.
std::string position(std::string_view document, std::ptrdiff_t offset);

// Collects what has no slot: attributes as "@name", elements as their markup under their
// qualified name (an array when repeated), each optionally under a prefix ("LineItem/").
class extras {
 public:
  void element(pugi::xml_node n, const std::string& prefix = "");
  void attribute(pugi::xml_attribute a, const std::string& prefix = "");
  void attributes_except(pugi::xml_node n, std::initializer_list<std::string_view> known);
  const nlohmann::json& value() const { return j_; }
  core::extensions str() const;

 private:
  nlohmann::json j_ = nlohmann::json::object();
};

}  // namespace kelu::drivers::poslog_xml
