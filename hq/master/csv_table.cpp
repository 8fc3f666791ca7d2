// SPDX-License-Identifier: Apache-2.0
#include "csv_table.hpp"

#include "core/utf8.hpp"

namespace kelu::hq {

namespace {

// Splits the text into records of fields; `lines` gets each record's first line.
core::status split_records(std::string_view text, const std::string& name, std::vector<csv_row>& out) {
  std::size_t line = 1;
  csv_row row{line, {}};
  std::string field;
  bool quoted = false, was_quoted = false, any = false;
  const auto end_field = [&] {
    row.fields.push_back(std::move(field));
    field.clear();
    was_quoted = false;
  };
  const auto end_record = [&] {
    end_field();
    const bool blank = row.fields.size() == 1 && row.fields[0].empty() && !any;
    if (!blank) out.push_back(std::move(row));
    row = csv_row{line, {}};
    any = false;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == '"' && field.empty() && !was_quoted) {
      quoted = was_quoted = any = true;
    } else if (c == '"') {
      return core::error{name + ":" + std::to_string(line) + ": a quote inside an unquoted field (quote the field "
                         "and double the quote)"};
    } else if (c == ',') {
      any = true;
      end_field();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      ++line;
      end_record();
    } else if (was_quoted) {
      return core::error{name + ":" + std::to_string(line) + ": text after a closing quote"};
    } else {
      any = true;
      field += c;
    }
  }
  if (quoted) return core::error{name + ":" + std::to_string(row.line) + ": a quoted field is never closed"};
  end_record();
  return core::ok();
}

std::string trimmed(const std::string& s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

}  // namespace

core::result<csv_table> csv_table::parse(std::string_view text, const std::string& name) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  if (!core::valid_utf8(text)) return core::error{name + ": not UTF-8 text (save it as CSV UTF-8)"};
  csv_table t;
  t.name_ = name;
  std::vector<csv_row> records;
  if (auto st = split_records(text, name, records); !st) return core::error{st.error_message()};
  if (records.empty()) return core::error{name + ": empty: the first line names the columns"};
  for (std::size_t c = 0; c < records[0].fields.size(); ++c) {
    const auto column = trimmed(records[0].fields[c]);
    if (column.empty()) return core::error{name + ":1: column " + std::to_string(c + 1) + " has no name"};
    if (!t.columns_.emplace(column, c).second) return core::error{name + ":1: column " + column + " appears twice"};
  }
  const auto width = records[0].fields.size();
  for (std::size_t r = 1; r < records.size(); ++r) {
    auto& row = records[r];
    if (row.fields.size() > width)
      return core::error{name + ":" + std::to_string(row.line) + ": " + std::to_string(row.fields.size()) +
                         " fields, the header names " + std::to_string(width)};
    row.fields.resize(width);
    for (auto& f : row.fields) f = trimmed(f);
    t.rows_.push_back(std::move(row));
  }
  return t;
}

const std::string& csv_table::at(const csv_row& row, const std::string& column) const {
  static const std::string none;
  const auto it = columns_.find(column);
  return it == columns_.end() ? none : row.fields[it->second];
}

core::status csv_table::require(const std::vector<std::string>& required) const {
  std::string missing;
  for (const auto& c : required)
    if (!has(c)) missing += (missing.empty() ? "" : ", ") + c;
  if (missing.empty()) return core::ok();
  return core::error{name_ + ":1: the header lacks " + missing};
}

}  // namespace kelu::hq
