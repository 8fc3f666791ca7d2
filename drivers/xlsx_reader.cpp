// SPDX-License-Identifier: Apache-2.0
#include "xlsx_reader.hpp"

#include <pugixml.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>

#include "zip_archive.hpp"

namespace kelu::drivers {

namespace {

// Local names: generators write SpreadsheetML with the default namespace or an "x:" prefix.
std::string_view local(pugi::xml_node n) {
  const std::string_view q = n.name();
  const auto c = q.find(':');
  return c == std::string_view::npos ? q : q.substr(c + 1);
}

pugi::xml_node child(pugi::xml_node n, std::string_view name) {
  for (auto c : n.children())
    if (c.type() == pugi::node_element && local(c) == name) return c;
  return {};
}

// All text of <t> elements under `n`: a plain string or the runs of a rich one.
std::string text_of(pugi::xml_node n) {
  std::string out;
  for (auto d : n.select_nodes(".//*[local-name()='t']")) out += d.node().child_value();
  return out;
}

core::result<pugi::xml_document> load(const zip_archive& z, const std::string& name) {
  auto bytes = z.read(name);
  if (!bytes) return core::error{bytes.error_message()};
  pugi::xml_document doc;
  const auto r = doc.load_buffer(bytes->data(), bytes->size());
  if (!r) return core::error{name + ": byte " + std::to_string(r.offset) + ": " + r.description()};
  return doc;
}

// The first sheet's part name, through the workbook's relationships; `workbook` is
// xl/workbook.xml (empty when the archive has none).
std::string first_sheet(const zip_archive& z, const pugi::xml_document& workbook) {
  const std::string fallback = "xl/worksheets/sheet1.xml";
  auto rels = load(z, "xl/_rels/workbook.xml.rels");
  if (!workbook.document_element() || !rels) return fallback;
  const auto sheet = child(child(workbook.document_element(), "sheets"), "sheet");
  std::string id;
  for (auto a : sheet.attributes())
    if (std::string_view n = a.name(); n.ends_with(":id")) id = a.value();
  for (auto r : rels->document_element().children())
    if (std::string_view(r.attribute("Id").value()) == id) {
      std::string target = r.attribute("Target").value();
      return target.starts_with("/") ? target.substr(1) : "xl/" + target;
    }
  return fallback;
}

bool date_code(std::string_view code) {
  // y, m, d, h, s outside quoted text and [colour]/[$-locale] brackets make a date or time.
  bool quoted = false, bracket = false;
  for (const char ch : code) {
    if (ch == '"') quoted = !quoted;
    else if (!quoted && ch == '[') bracket = true;
    else if (!quoted && ch == ']') bracket = false;
    else if (!quoted && !bracket && std::string_view("ymdhsYMDHS").find(ch) != std::string_view::npos) return true;
  }
  return false;
}

// Which cell style indexes show dates.
std::vector<bool> date_styles(const zip_archive& z) {
  std::vector<bool> out;
  if (!z.contains("xl/styles.xml")) return out;
  auto styles = load(z, "xl/styles.xml");
  if (!styles) return out;
  const auto root = styles->document_element();
  std::map<long, std::string> custom;
  for (auto f : child(root, "numFmts").children())
    custom[f.attribute("numFmtId").as_int()] = f.attribute("formatCode").value();
  for (auto xf : child(root, "cellXfs").children()) {
    if (xf.type() != pugi::node_element) continue;
    const long id = xf.attribute("numFmtId").as_int();
    const auto it = custom.find(id);
    out.push_back(it != custom.end() ? date_code(it->second) : (id >= 14 && id <= 22) || (id >= 45 && id <= 47));
  }
  return out;
}

std::string shortest_decimal(const char* v) {
  char* end = nullptr;
  const double d = std::strtod(v, &end);
  if (end == v || *end != '\0' || !std::isfinite(d)) return v;
  const std::string_view text(v);
  const auto point = text.find('.');
  const bool noisy = text.find_first_of("eE") != std::string_view::npos ||
                     (point != std::string_view::npos && text.size() - point - 1 > 9);
  if (!noisy) return v;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9f", d);
  std::string out = buf;
  while (out.back() == '0') out.pop_back();
  if (out.back() == '.') out.pop_back();
  return out == "-0" ? "0" : out;
}

std::string date_text(double serial, bool date1904, const std::string& format) {
  using namespace std::chrono;
  const sys_days base = date1904 ? sys_days{year{1904} / 1 / 1} : sys_days{year{1899} / 12 / 30};
  const auto whole = std::floor(serial);
  const auto secs = static_cast<long long>(std::llround((serial - whole) * 86400.0));
  const auto t = base + days{static_cast<long long>(whole)} + seconds{secs};
  const auto dp = floor<days>(t);
  const year_month_day ymd{dp};
  const hh_mm_ss hms{floor<seconds>(t - dp)};
  std::tm tm{};
  tm.tm_year = static_cast<int>(ymd.year()) - 1900;
  tm.tm_mon = static_cast<int>(static_cast<unsigned>(ymd.month())) - 1;
  tm.tm_mday = static_cast<int>(static_cast<unsigned>(ymd.day()));
  tm.tm_hour = static_cast<int>(hms.hours().count());
  tm.tm_min = static_cast<int>(hms.minutes().count());
  tm.tm_sec = static_cast<int>(hms.seconds().count());
  char buf[128];
  // The format is the export's time_format from config, the one strptime reads back.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  const auto n = std::strftime(buf, sizeof buf, format.c_str(), &tm);
#pragma GCC diagnostic pop
  return std::string(buf, n);
}

// "AB12" -> column 27 (0-based); -1 when it is not a cell reference.
long column_of(std::string_view ref) {
  long col = 0;
  std::size_t i = 0;
  for (; i < ref.size() && ref[i] >= 'A' && ref[i] <= 'Z'; ++i) col = col * 26 + (ref[i] - 'A' + 1);
  if (i == 0 || col > 16384) return -1;
  return col - 1;
}

struct sheet_context {
  std::vector<std::string> shared;
  std::vector<bool> dates;
  bool date1904 = false;
  const std::string& time_format;
};

std::string cell_text(pugi::xml_node c, const sheet_context& ctx) {
  const std::string_view type = c.attribute("t").value();
  const auto v = child(c, "v");
  if (type == "s") {
    const auto i = static_cast<std::size_t>(std::strtoul(v.child_value(), nullptr, 10));
    return i < ctx.shared.size() ? ctx.shared[i] : std::string{};
  }
  if (type == "inlineStr") return text_of(child(c, "is"));
  if (type == "str" || type == "e") return v.child_value();
  if (type == "b") return std::string_view(v.child_value()) == "1" ? "1" : "0";
  if (!v) return {};
  const auto style = static_cast<std::size_t>(c.attribute("s").as_uint());
  if (style < ctx.dates.size() && ctx.dates[style]) {
    char* end = nullptr;
    const double serial = std::strtod(v.child_value(), &end);
    if (end != v.child_value() && std::isfinite(serial) && serial >= 0 && serial < 2958466)  // < year 9999
      return date_text(serial, ctx.date1904, ctx.time_format);
  }
  return shortest_decimal(v.child_value());
}

}  // namespace

bool looks_like_zip(std::string_view bytes) { return bytes.starts_with("PK\x03\x04"); }

core::result<std::vector<table_row>> read_xlsx(std::string_view bytes, const std::string& time_format) {
  auto z = zip_archive::open(bytes);
  if (!z) return core::error{"not an .xlsx workbook: " + z.error_message()};
  sheet_context ctx{{}, date_styles(*z), false, time_format};
  auto loaded = load(*z, "xl/workbook.xml");  // read once: the date system and the first sheet
  const pugi::xml_document none;
  const auto& workbook = loaded ? *loaded : none;
  ctx.date1904 = child(workbook.document_element(), "workbookPr").attribute("date1904").as_bool();
  if (z->contains("xl/sharedStrings.xml")) {
    auto strings = load(*z, "xl/sharedStrings.xml");
    if (!strings) return core::error{strings.error_message()};
    for (auto si : strings->document_element().children())
      if (si.type() == pugi::node_element) ctx.shared.push_back(text_of(si));
  }
  const auto part = first_sheet(*z, workbook);
  auto sheet = load(*z, part);
  if (!sheet) return core::error{sheet.error_message()};
  std::vector<table_row> rows;
  std::size_t next_line = 1;
  for (auto r : child(sheet->document_element(), "sheetData").children()) {
    if (r.type() != pugi::node_element || local(r) != "row") continue;
    table_row row;
    row.line = r.attribute("r") ? r.attribute("r").as_uint() : next_line;
    next_line = row.line + 1;
    bool any = false;
    for (auto c : r.children()) {
      if (c.type() != pugi::node_element || local(c) != "c") continue;
      const auto col = c.attribute("r") ? column_of(c.attribute("r").value()) : static_cast<long>(row.cells.size());
      if (col < 0) return core::error{part + ": row " + std::to_string(row.line) + ": bad cell reference \"" +
                                      c.attribute("r").value() + "\""};
      const auto at = static_cast<std::size_t>(col);
      if (row.cells.size() <= at) row.cells.resize(at + 1);
      row.cells[at] = cell_text(c, ctx);
      any = any || !row.cells[at].empty();
    }
    if (any) rows.push_back(std::move(row));
  }
  // Trailing empty cells (formatted but blank) are not fields; rows that stop short of the
  // header's last columns (blank cells are not written at all) are filled out to it.
  for (auto& row : rows)
    while (!row.cells.empty() && row.cells.back().empty()) row.cells.pop_back();
  for (auto& row : rows)
    if (row.cells.size() < rows.front().cells.size()) row.cells.resize(rows.front().cells.size());
  return rows;
}

}  // namespace kelu::drivers
