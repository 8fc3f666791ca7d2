// SPDX-License-Identifier: Apache-2.0
#pragma once
// The regional report as one self-contained HTML file (`kelu-hq report --html FILE`): no script,
// font or image from anywhere else (the charts are inline SVG), readable on a phone (390 px),
// Chinese and English in the same file (a button switches; `lang` is the one shown first). Each
// store's line opens to the day reports it adds up (day, epoch, revision) and the days without
// one; each product's to its revenue by store.
#include <string>

#include "region_report.hpp"

namespace kelu::hq {

std::string region_report_html(const region_report& r, const std::string& lang);  // "zh" or "en"

}  // namespace kelu::hq
