// SPDX-License-Identifier: Apache-2.0
#include "hikvision_counting.hpp"

#include <pugixml.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string>

#include "drivers/poslog_xml.hpp"

namespace kelu::drivers {

namespace {

using poslog_xml::local_name;
using poslog_xml::position;
using poslog_xml::text;

// Case-insensitive: firmware writes peopleCounting and PeopleCounting alike.
bool same(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

pugi::xml_node child(pugi::xml_node n, std::string_view name) {
  for (auto c : n.children())
    if (c.type() == pugi::node_element && same(local_name(c.name()), name)) return c;
  return {};
}

core::result<std::int64_t> count_of(pugi::xml_node counting, std::string_view name, bool required) {
  const auto n = child(counting, name);
  const std::string path = "peopleCounting/" + std::string(name);
  if (!n) {
    if (required) return core::error{path + ": missing"};
    return std::int64_t{0};
  }
  const auto s = text(n);
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size() || v < 0)
    return core::error{path + ": expected a count, got \"" + s.substr(0, 40) + "\""};
  return v;
}

core::result<core::utc_time> time_of(pugi::xml_node parent, std::string_view name, const std::string& path,
                                     const core::time_zone& zone) {
  const auto n = child(parent, name);
  if (!n) return core::error{path + ": missing"};
  auto t = core::parse_iso8601(text(n), zone);
  if (!t) return core::error{path + ": " + t.error_message()};
  return *t;
}

// The XML of a multipart body: the part that holds the alert (a picture may sit beside it).
std::string_view alert_document(std::string_view body) {
  const auto open = body.find("<EventNotificationAlert");
  if (open == std::string_view::npos) return body;
  const auto decl = body.rfind("<?xml", open);
  const auto from = decl != std::string_view::npos && body.find('\n', decl) >= open - 2 ? decl : open;
  const auto close = body.find("</EventNotificationAlert>", open);
  if (close == std::string_view::npos) return body.substr(from);
  return body.substr(from, close + std::string_view("</EventNotificationAlert>").size() - from);
}

core::result<counter_reading> reading_of(pugi::xml_node root, pugi::xml_node counting, const core::time_zone& zone) {
  counter_reading r;
  r.device = text(child(root, "macAddress"));
  if (r.device.empty()) r.device = text(child(root, "ipAddress"));
  r.channel = text(child(root, "channelID"));
  if (r.channel.empty()) r.channel = text(child(root, "dynChannelID"));
  if (r.channel.empty()) r.channel = "1";
  const auto retrans = text(child(root, "isDataRetransmission"));
  r.retransmission = same(retrans, "true") || retrans == "1";
  const auto method = text(child(counting, "statisticalMethods"));
  for (auto [name, field] : {std::pair{"enter", &r.in}, std::pair{"exit", &r.out}, std::pair{"pass", &r.pass}}) {
    auto v = count_of(counting, name, std::string_view(name) != "pass");
    if (!v) return core::error{v.error_message()};
    *field = *v;
  }
  if (same(method, "realTime")) {
    r.cumulative = true;
    const auto real = child(counting, "RealTime");
    auto t = real ? time_of(real, "time", "peopleCounting/RealTime/time", zone)
                  : time_of(root, "dateTime", "dateTime", zone);
    if (!t) return core::error{t.error_message()};
    r.start = r.end = *t;
    return r;
  }
  if (!method.empty() && !same(method, "timeRange") && !same(method, "signalTrigger"))
    return core::error{"peopleCounting/statisticalMethods: unknown \"" + method.substr(0, 40) +
                       "\" (timeRange, signalTrigger or realTime)"};
  const auto range = child(counting, "TimeRange");
  if (!range) return core::error{"peopleCounting/TimeRange: missing (needed for " + (method.empty() ? "timeRange" : method) + ")"};
  auto from = time_of(range, "startTime", "peopleCounting/TimeRange/startTime", zone);
  if (!from) return core::error{from.error_message()};
  auto to = time_of(range, "endTime", "peopleCounting/TimeRange/endTime", zone);
  if (!to) return core::error{to.error_message()};
  // Some firmware closes a period at :59 rather than the next :00.
  if (*to > *from && (*to - *from) % std::chrono::minutes{1} == std::chrono::seconds{59}) *to += std::chrono::seconds{1};
  if (*to <= *from) return core::error{"peopleCounting/TimeRange: endTime is not after startTime"};
  if (*to - *from > std::chrono::hours{24}) return core::error{"peopleCounting/TimeRange: longer than a day"};
  r.start = *from;
  r.end = *to;
  return r;
}

}  // namespace

core::result<std::vector<counter_reading>> parse_hikvision_alert(std::string_view body, const core::time_zone& zone) {
  const auto doc_text = alert_document(body);
  pugi::xml_document doc;
  const auto parsed = doc.load_buffer(doc_text.data(), doc_text.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!parsed) return core::error{position(doc_text, parsed.offset) + ": not XML: " + parsed.description()};
  const auto root = doc.document_element();
  if (!same(local_name(root.name()), "EventNotificationAlert"))
    return core::error{"root element is <" + std::string(root.name()).substr(0, 40) + ">, not <EventNotificationAlert>"};
  std::vector<counter_reading> out;
  const auto type = text(child(root, "eventType"));
  if (!same(type, "PeopleCounting")) return out;
  const auto counting = child(root, "peopleCounting");
  if (!counting) return core::error{"peopleCounting: missing in a PeopleCounting event"};
  auto r = reading_of(root, counting, zone);
  if (!r) return core::error{r.error_message()};
  out.push_back(std::move(*r));
  return out;
}

}  // namespace kelu::drivers
