// SPDX-License-Identifier: Apache-2.0
#include "escpos_receipt.hpp"

#include <nlohmann/json.hpp>

#include <regex>

#include "core/money.hpp"
#include "csv_parser.hpp"
#include "text_encoding.hpp"

namespace kelu::drivers {

namespace {

constexpr unsigned char ESC = 0x1B, GS = 0x1D, DLE = 0x10, FS = 0x1C;

struct command {
  std::size_t length = 0;  // 0: incomplete, more bytes needed
  bool cut = false;
  bool unknown = false;
};

std::size_t u8(std::string_view b, std::size_t i) { return static_cast<unsigned char>(b[i]); }

// The length of the command starting at b[i] (an ESC, GS, DLE or FS byte), from the
// Epson ESC/POS reference; bitmap and length-prefixed commands carry their data length.
command command_at(std::string_view b, std::size_t i) {
  const auto have = [&](std::size_t n) { return i + n <= b.size(); };
  const auto len = [&](std::size_t n) { return have(n) ? command{n} : command{}; };
  if (!have(2)) return {};
  const auto lead = u8(b, i);
  const auto c = static_cast<char>(b[i + 1]);
  if (lead == ESC) {
    switch (c) {
      case '@': case '2': case '<': case 'L': case 'S': case 'F': return {2};
      case 'i': case 'm': return {2, true};
      case '!': case 'E': case 'G': case 'M': case 'a': case '-': case 'd': case 'e': case 'J': case 't': case 'R':
      case 'r': case '{': case 'V': case ' ': case '3': case '%': case 'T': case 'U': case '=': case '?': case 'K':
      case 'j': case 'C': case 'g':
        return len(3);
      case '$': case '\\': case 'c': case 'B': return len(4);
      case 'p': return len(5);
      case 'W': return len(10);
      case '(': return have(4) ? len(4 + u8(b, i + 2) + 256 * u8(b, i + 3)) : command{};
      case 'D': {  // tab positions, NUL-terminated
        const auto nul = b.find('\0', i + 2);
        return nul == std::string_view::npos ? command{} : command{nul - i + 1};
      }
      case '*': {  // bit image: m nL nH, then k or 3k bytes
        if (!have(5)) return {};
        const auto m = u8(b, i + 2);
        const auto k = u8(b, i + 3) + 256 * u8(b, i + 4);
        return len(5 + (m >= 32 ? 3 * k : k));
      }
      case '&': {  // user-defined characters: y c1 c2, then per character x and y*x bytes
        if (!have(5)) return {};
        const auto y = u8(b, i + 2), c1 = u8(b, i + 3), c2 = u8(b, i + 4);
        std::size_t at = i + 5;
        for (auto ch = c1; ch <= c2 && c2 >= c1; ++ch) {
          if (at >= b.size()) return {};
          at += 1 + y * u8(b, at);
        }
        return at <= b.size() ? command{at - i} : command{};
      }
      default: return {2, false, true};
    }
  }
  if (lead == GS) {
    switch (c) {
      case 'V': {
        if (!have(3)) return {};
        const auto m = u8(b, i + 2);
        return m == 0 || m == 1 || m == 48 || m == 49 ? command{3, true} : have(4) ? command{4, true} : command{};
      }
      case '!': case 'B': case 'H': case 'h': case 'w': case 'f': case 'b': case 'a': case 'r': case 'I': case 'T':
      case 'E': case '/': case 'c':
        return len(3);
      case ':': return {2};
      case 'L': case 'W': case '$': case '\\': case 'P': return len(4);
      case '^': return len(5);
      case 'k': {  // barcode: m 0..6 NUL-terminated, m 65.. with a length byte
        if (!have(3)) return {};
        const auto m = u8(b, i + 2);
        if (m <= 6) {
          const auto nul = b.find('\0', i + 3);
          return nul == std::string_view::npos ? command{} : command{nul - i + 1};
        }
        return have(4) ? len(4 + u8(b, i + 3)) : command{};
      }
      case '(': return have(5) ? len(5 + u8(b, i + 3) + 256 * u8(b, i + 4)) : command{};
      case '8': {  // GS 8 L p1 p2 p3 p4: 32-bit length
        if (!have(7)) return {};
        const std::size_t n = u8(b, i + 3) | u8(b, i + 4) << 8 | u8(b, i + 5) << 16 | u8(b, i + 6) << 24;
        return len(7 + n);
      }
      case 'v': {  // GS v 0 m xL xH yL yH raster
        if (!have(8)) return {};
        return len(8 + (u8(b, i + 4) + 256 * u8(b, i + 5)) * (u8(b, i + 6) + 256 * u8(b, i + 7)));
      }
      case '*': return have(4) ? len(4 + u8(b, i + 2) * u8(b, i + 3) * 8) : command{};
      default: return {2, false, true};
    }
  }
  if (lead == DLE) {
    if (c == 0x04 || c == 0x05) return len(3);
    if (c == 0x14) return len(5);
    return {2, false, true};
  }
  // FS
  switch (c) {
    case '&': case '.': return {2};
    case 'C': case '!': case '-': case 'W': return len(3);
    case 'p': return len(4);
    case '(': return have(5) ? len(5 + u8(b, i + 3) + 256 * u8(b, i + 4)) : command{};
    default: return {2, false, true};
  }
}

bool blank(const std::string& s) { return s.find_first_not_of(" \t\n") == std::string::npos; }

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 1469598103934665603ull;
  for (const char ch : s) h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ull;
  return h;
}

struct time_rule {
  std::regex pattern;
  std::string format;
};

}  // namespace

escpos_scan scan_escpos(std::string_view b, bool final) {
  escpos_scan out;
  std::string text;
  std::size_t i = 0;
  while (i < b.size()) {
    const auto ch = u8(b, i);
    if (ch == ESC || ch == GS || ch == DLE || ch == FS) {
      const auto cmd = command_at(b, i);
      if (cmd.length == 0) break;  // truncated: wait for more bytes (or drop it at the end)
      out.unknown_commands += cmd.unknown ? 1 : 0;
      i += cmd.length;
      if (cmd.cut) {
        if (!blank(text)) out.receipts.push_back(std::move(text));
        text.clear();
        out.consumed = i;
      }
      continue;
    }
    if (ch == '\n' || ch == 0x0C) text += '\n';
    else if (ch == '\t') text += '\t';
    else if (ch >= 0x20 && ch != 0x7F) text += static_cast<char>(ch);
    ++i;
  }
  if (final) {
    if (!blank(text)) out.receipts.push_back(std::move(text));
    out.consumed = b.size();
  }
  return out;
}

bool is_receipt_preset(std::string_view name) { return name == "generic-en" || name == "generic-zh"; }

struct receipt_parser::compiled {
  std::regex total, item, items_end, tax, receipt_number, cashier;
  bool has_receipt_number = false, has_cashier = false, has_tax = false;
  std::vector<time_rule> times;
  std::string encoding, terminal, currency;
  core::time_zone zone = core::time_zone::utc();
};

core::result<receipt_parser> receipt_parser::create(const receipt_layout& l, std::string default_currency,
                                                    core::time_zone zone) {
  if (!is_receipt_preset(l.preset)) return core::error{"escpos.preset: \"" + l.preset + "\" is not generic-en or generic-zh"};
  const bool zh = l.preset == "generic-zh";
  const std::string amount = R"((-?[0-9][0-9,]*\.[0-9]{2}))";
  struct source {
    const char* key;
    std::string pattern;
    std::string preset;
  };
  const std::vector<source> sources{
      {"total_pattern", l.total_pattern,
       zh ? R"(^\s*(?:合计|总计|应收|实收金额|总额|总金额)[^0-9-]*)" + amount + R"(\s*$)"
          : R"(^\s*(?:grand\s+)?total\b[^0-9-]*)" + amount + R"(\s*$)"},
      {"item_pattern", l.item_pattern,
       // Multi-byte currency signs as alternatives: a bracket would match their bytes singly.
       R"(^\s*(.*?\S)\s{2,}(?:\$|€|£|¥|￥)?\s*)" + amount + R"(\s*$)"},
      {"items_end_pattern", l.items_end_pattern,
       zh ? R"(^\s*(?:小计|合计|总计|应收|税))" : R"(^\s*(?:sub\s*-?total|total|tax|vat|gst|balance)\b)"},
      {"tax_pattern", l.tax_pattern,
       zh ? R"(^\s*(?:税额|税金|税)[^0-9-]*)" + amount + R"(\s*$)"
          : R"(^\s*(?:[a-z ]*\s)?(?:tax|vat|gst)\b[^0-9-]*)" + amount + R"(\s*$)"},
      {"receipt_number_pattern", l.receipt_number_pattern,
       zh ? R"((?:单号|流水号|小票号|票号|订单号)\s*(?::|：)?\s*([A-Za-z0-9-]+))"
          : R"((?:receipt|invoice|txn|trans(?:action)?|order)\s*(?:no\.?|number|#)\s*:?\s*([A-Za-z0-9-]+))"},
      {"cashier_pattern", l.cashier_pattern,
       zh ? R"((?:收银员|收银|操作员)\s*(?::|：)?\s*(\S+))" : R"((?:cashier|operator|served by|clerk)\s*:?\s*(.*\S))"},
  };
  auto c = std::make_shared<compiled>();
  std::array<std::regex*, 6> targets{&c->total, &c->item, &c->items_end, &c->tax, &c->receipt_number, &c->cashier};
  const auto flags = std::regex::ECMAScript | std::regex::icase;
  for (std::size_t k = 0; k < sources.size(); ++k) {
    const auto& s = sources[k];
    try {
      *targets[k] = std::regex(s.pattern.empty() ? s.preset : s.pattern, flags);
    } catch (const std::regex_error& e) {
      return core::error{std::string("escpos.") + s.key + ": not a valid regular expression: " + e.what()};
    }
  }
  try {
    if (!l.time_pattern.empty()) {
      if (l.time_format.empty()) return core::error{"escpos.time_format: required with escpos.time_pattern"};
      c->times.push_back({std::regex(l.time_pattern, flags), l.time_format});
    } else {
      c->times.push_back({std::regex(R"(([0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}))", flags),
                          "%Y-%m-%d %H:%M:%S"});
      c->times.push_back({std::regex(R"(([0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}))", flags),
                          "%Y/%m/%d %H:%M:%S"});
      c->times.push_back(
          {std::regex(R"(((?:mon|tues|wednes|thurs|fri|satur|sun)day\s+[0-9]{1,2}(?:st|nd|rd|th)?\s+of\s+[a-z]+\s+)"
                      R"([0-9]{4}\s+[0-9]{1,2}:[0-9]{2}:[0-9]{2}\s*[ap]m))",
                      flags),
           "%A %d of %B %Y %I:%M:%S %p"});
    }
  } catch (const std::regex_error& e) {
    return core::error{std::string("escpos.time_pattern: not a valid regular expression: ") + e.what()};
  }
  c->encoding = l.encoding.empty() ? (zh ? "GB18030" : "CP437") : l.encoding;
  if (!known_encoding(c->encoding))
    return core::error{"escpos.encoding: \"" + c->encoding + "\" is not an encoding iconv knows"};
  c->terminal = l.terminal;
  c->currency = l.currency.empty() ? default_currency : l.currency;
  c->zone = std::move(zone);
  return receipt_parser{std::move(c)};
}

core::result<receipt_parse> receipt_parser::parse(std::string_view raw_text) const {
  const auto& c = *c_;
  receipt_parse out;
  out.text = to_utf8(raw_text, c.encoding);
  std::vector<std::string> lines;
  for (std::size_t start = 0; start <= out.text.size();) {
    auto nl = out.text.find('\n', start);
    if (nl == std::string::npos) nl = out.text.size();
    auto line = out.text.substr(start, nl - start);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.pop_back();
    lines.push_back(std::move(line));
    start = nl + 1;
  }
  const int digits = core::minor_digits(c.currency);
  const auto money = [&](std::string s, std::size_t line_no, const char* what) -> core::result<std::int64_t> {
    std::erase(s, ',');  // thousands separators: amounts always carry a '.' and two decimals
    auto v = core::parse_decimal(s, digits);
    if (!v) return core::error{"line " + std::to_string(line_no) + " (" + what + "): " + v.error_message()};
    return *v;
  };
  core::pos_transaction t;
  t.terminal = c.terminal;
  t.currency = c.currency;
  bool have_total = false, items_done = false;
  std::optional<core::utc_time> time;
  std::smatch m;
  for (std::size_t n = 0; n < lines.size(); ++n) {
    const auto& line = lines[n];
    const auto line_no = n + 1;
    if (!have_total && std::regex_search(line, m, c.total)) {
      auto v = money(m[1].str(), line_no, "total");
      if (!v) return core::error{v.error_message()};
      t.total_minor = *v;
      have_total = true;
    }
    if (std::regex_search(line, m, c.items_end)) items_done = true;
    if (!items_done && std::regex_search(line, m, c.item)) {
      core::pos_line_item item;
      item.description = m[1].str();
      auto v = money(m[2].str(), line_no, "item");
      if (!v) return core::error{v.error_message()};
      item.amount_minor = *v;
      if (m.size() > 3 && m[3].matched) {
        auto q = core::parse_decimal(m[3].str(), 3);
        if (!q) return core::error{"line " + std::to_string(line_no) + " (item quantity): " + q.error_message()};
        item.quantity_milli = *q;
      }
      item.unit_price_minor = item.quantity_milli == 1000 ? item.amount_minor : 0;
      // Receipts print names, not codes: the name is the item's identity here.
      item.item_id = item.description;
      t.items.push_back(std::move(item));
    }
    if (std::regex_search(line, m, c.tax)) {
      auto v = money(m[1].str(), line_no, "tax");
      if (!v) return core::error{v.error_message()};
      t.tax_minor += *v;
    }
    if (t.transaction_id.empty() && std::regex_search(line, m, c.receipt_number)) t.transaction_id = m[1].str();
    if (t.operator_id.empty() && std::regex_search(line, m, c.cashier)) t.operator_id = m[1].str();
    if (!time)
      for (const auto& rule : c.times)
        if (std::regex_search(line, m, rule.pattern)) {
          // "6th" -> "6": strptime has no ordinals.
          const auto text = std::regex_replace(m[1].str(), std::regex("([0-9])(st|nd|rd|th)\\b"), "$1");
          auto wall = parse_wall_time(text, rule.format);
          if (!wall) return core::error{"line " + std::to_string(line_no) + " (time): " + wall.error_message()};
          time = c.zone.to_utc(*wall).utc;
          break;
        }
  }
  if (!have_total) return out;
  if (t.transaction_id.empty()) {
    // No receipt number printed: the receipt's own text identifies it, so a reprint is a duplicate.
    char buf[24];
    std::snprintf(buf, sizeof buf, "r%016llx", static_cast<unsigned long long>(fnv1a(out.text)));
    t.transaction_id = buf;
  }
  if (t.total_minor < 0) {
    t.kind = core::pos_transaction_kind::return_;
    for (auto& item : t.items) item.quantity_milli = -std::abs(item.quantity_milli);
  }
  t.extra = nlohmann::json{{"receipt_text", out.text}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  parsed_record rec;
  rec.record = std::move(t);
  rec.time = time;
  out.record = std::move(rec);
  return out;
}

}  // namespace kelu::drivers
