// SPDX-License-Identifier: Apache-2.0
#pragma once
// The first worksheet of an Excel workbook (.xlsx: Office Open XML SpreadsheetML in a ZIP) as
// rows of text cells, for the same mapping as CSV exports (parse_table). Pure.
//
// Cells become the text a CSV export of the sheet would hold: shared and inline strings as
// written, numbers in their shortest exact decimal form (binary noise such as
// 0.30000000000000004 reads 0.3), booleans 1/0, and cells whose style is a date or time
// (built-in formats 14-22 and 45-47, or a custom format of y/m/d/h/s) written with
// `time_format` (strftime), so the mapping's time_format reads them back. Both the 1900 and
// the 1904 date systems. A row's `line` is its row number in the sheet.
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "csv_parser.hpp"

namespace kelu::drivers {

bool looks_like_zip(std::string_view bytes);  // "PK\3\4": an .xlsx whatever its name

core::result<std::vector<table_row>> read_xlsx(std::string_view bytes, const std::string& time_format);

}  // namespace kelu::drivers
