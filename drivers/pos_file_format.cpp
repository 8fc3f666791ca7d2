// SPDX-License-Identifier: Apache-2.0
#include "pos_file_format.hpp"

#include "pos_json_line.hpp"
#include "poslog_parser.hpp"
#include "xlsx_reader.hpp"

namespace kelu::drivers {

namespace {

core::result<file_records> parse_jsonl(std::string_view text, const format_options& o) {
  file_records out;
  std::size_t line_no = 0;
  for (std::size_t start = 0; start < text.size();) {
    auto nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    auto line = text.substr(start, nl - start);
    start = nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    auto r = parse_pos_json_line(line, o.default_currency, o.zone);
    if (r)
      out.records.push_back(std::move(*r));
    else
      out.errors.push_back("line " + std::to_string(line_no) + ": " + r.error_message());
  }
  return out;
}

core::result<file_records> parse_escpos_file(std::string_view bytes, const format_options& o) {
  auto parser = receipt_parser::create(o.escpos, o.default_currency, o.zone);
  if (!parser) return core::error{parser.error_message()};
  file_records out;
  const auto scan = scan_escpos(bytes, true);
  for (std::size_t i = 0; i < scan.receipts.size(); ++i) {
    auto r = parser->parse(scan.receipts[i]);
    if (!r) {
      out.errors.push_back("receipt " + std::to_string(i + 1) + ", " + r.error_message());
    } else if (!r->record) {
      ++out.ignored;
      out.ignored_kinds.emplace_back("receipt without a total line");
    } else {
      out.records.push_back(std::move(*r->record));
    }
  }
  return out;
}

// The csv format is any back-office table: an Excel workbook (a ZIP, whatever the file is
// called) or delimited text.
core::result<file_records> parse_export(std::string_view bytes, const format_options& o) {
  const auto& zone = o.csv_zone ? *o.csv_zone : o.zone;
  if (!looks_like_zip(bytes)) return parse_csv(bytes, o.csv, o.default_currency, zone);
  auto rows = read_xlsx(bytes, o.csv.time_format);
  if (!rows) return core::error{rows.error_message()};
  return parse_table(std::move(*rows), o.csv, o.default_currency, zone);
}

}  // namespace

std::optional<pos_format> format_from_name(std::string_view n) {
  if (n == "poslog") return pos_format::poslog;
  if (n == "csv") return pos_format::csv;
  if (n == "escpos") return pos_format::escpos;
  if (n == "jsonl") return pos_format::jsonl;
  return std::nullopt;
}

std::string_view format_name(pos_format f) {
  switch (f) {
    case pos_format::poslog: return "poslog";
    case pos_format::csv: return "csv";
    case pos_format::escpos: return "escpos";
    case pos_format::jsonl: return "jsonl";
  }
  return "jsonl";
}

std::optional<pos_format> format_from_path(std::string_view path) {
  const auto dot = path.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  std::string ext(path.substr(dot + 1));
  for (auto& ch : ext) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (ext == "xml") return pos_format::poslog;
  if (ext == "csv" || ext == "txt" || ext == "xlsx") return pos_format::csv;
  if (ext == "bin" || ext == "prn" || ext == "escpos") return pos_format::escpos;
  if (ext == "jsonl" || ext == "ndjson") return pos_format::jsonl;
  return std::nullopt;
}

core::result<file_records> parse_file(pos_format f, std::string_view bytes, const format_options& o) {
  switch (f) {
    case pos_format::poslog: return parse_poslog(bytes, {o.default_currency, &o.zone});
    case pos_format::csv: return parse_export(bytes, o);
    case pos_format::escpos: return parse_escpos_file(bytes, o);
    case pos_format::jsonl: return parse_jsonl(bytes, o);
  }
  return core::error{"unknown format"};
}

}  // namespace kelu::drivers
