// SPDX-License-Identifier: Apache-2.0
#include "report_html.hpp"

#include <algorithm>
#include <cstdio>

#include "core/markup.hpp"
#include "core/money.hpp"

namespace kelu::hq {

namespace {

// Both languages; the page shows one (body class "en" or not).
std::string t(const char* zh, const char* en) {
  return std::string("<span class=zh>") + zh + "</span><span class=en>" + en + "</span>";
}

std::string pct(const std::optional<double>& v) {
  if (!v) return "—";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%", *v * 100.0);
  return buf;
}

std::string status_text(const std::string& status) {
  if (status == "ok") return t("正常", "ok");
  if (status == "missing_days") return t("部分日期无数据", "days missing");
  if (status == "low_coverage") return t("摄像头覆盖不足", "low camera coverage");
  if (status == "no_door_camera") return t("无门口摄像头", "no door camera");
  return t("无数据（设备离线）", "no data (box off)");
}

// At most `chars` characters (UTF-8 aware), "…" for the rest: a store's name beside its bar.
std::string shortened(const std::string& s, std::size_t chars) {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;  // a continuation byte
    if (seen++ == chars) return s.substr(0, i) + "…";
  }
  return s;
}

// Horizontal bars, one per row, the name left, the label after the bar: an SVG that scales to the
// screen's width (400 units: at 390 px a unit is about a pixel).
std::string bars(const std::vector<std::pair<std::string, double>>& rows, const std::vector<std::string>& labels) {
  double top = 0;
  for (const auto& [name, v] : rows) top = std::max(top, v);
  constexpr int row_height = 22, name_width = 120, bar_width = 150;
  std::string svg = "<svg viewBox='0 0 400 " + std::to_string(row_height * static_cast<int>(rows.size()) + 4) +
                    "' width=100% role=img>";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const int y = static_cast<int>(i) * row_height;
    const int w = top > 0 ? static_cast<int>(rows[i].second / top * bar_width) : 0;
    svg += "<text x=0 y=" + std::to_string(y + 16) + " font-size=12>" + core::markup_escape(shortened(rows[i].first, 16)) +
           "</text><rect x=" + std::to_string(name_width) +
           " y=" + std::to_string(y + 2) + " width=" + std::to_string(w) + " height=16 fill='#2b7de9'/><text x=" +
           std::to_string(name_width + w + 4) + " y=" + std::to_string(y + 16) + " font-size=12>" + core::markup_escape(labels[i]) +
           "</text>";
  }
  return svg + "</svg>";
}

std::string head(const region_report& r, const std::string& lang) {
  return "<!doctype html><html lang=" + std::string(lang == "en" ? "en" : "zh") +
         "><head><meta charset=utf-8><meta name=viewport content='width=device-width,initial-scale=1'>"
         "<title>" + core::markup_escape(r.region) + " " + r.from + "–" + r.to + "</title><style>"
         "body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:760px;padding:12px;color:#222}"
         "body.en .zh,body:not(.en) .en{display:none}h1{font-size:20px}h2{font-size:17px;margin-top:24px}"
         ".scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:13px}"
         "td,th{padding:4px 4px;border-bottom:1px solid #ddd;text-align:right;white-space:nowrap}"
         "td:first-child{white-space:normal;min-width:96px}th{white-space:normal;vertical-align:bottom}"
         "td:first-child,th:first-child{text-align:left}.flag{color:#b00020;font-weight:600}"
         ".kpi{display:flex;flex-wrap:wrap;gap:8px}.kpi div{flex:1 1 140px;background:#f3f6fa;padding:8px;"
         "border-radius:6px}.kpi b{display:block;font-size:20px}button{float:right}small{color:#666}</style></head>"
         "<body" + std::string(lang == "en" ? " class=en" : "") +
         "><button onclick=\"document.body.classList.toggle('en')\">中文 / English</button>";
}

std::string stores_section(const region_report& r) {
  std::string s = "<h2>" + t("门店", "Stores") + "</h2><div class=scroll><table><tr><th>" + t("门店", "Store") +
                  "</th><th>" + t("销售额", "Net sales") + "</th><th>" + t("转化率", "Conversion") + "</th><th>" +
                  t("覆盖", "Coverage") + "</th></tr>";
  for (const auto& st : r.stores) {
    std::string trace;
    for (const auto& src : st.sources)
      trace += src.day + " · " + core::markup_escape(src.epoch) + " · rev " + std::to_string(src.revision) + "<br>";
    for (const auto& d : st.missing_days) trace += d + " · " + t("无日报", "no day report") + "<br>";
    // Four columns fit a phone (390 px): the status goes under the store's name; its buyers and
    // visitors, day reports and missing days inside it.
    s += "<tr><td><details><summary>" + core::markup_escape(st.name.empty() ? st.store : st.name) + "</summary><small>" + core::markup_escape(st.store) +
         "<br>" + std::to_string(st.buyers) + " / " + std::to_string(st.visitors) + t(" 成交/进店", " buyers / visitors") +
         "<br>" + trace + "</small></details><small" + std::string(st.status == "ok" ? "" : " class=flag") + ">" +
         status_text(st.status) + "</small></td><td>" + core::format_minor(st.net_sales_minor, st.currency) +
         "</td><td>" + pct(st.conversion) + "</td><td>" + pct(st.coverage) + "</td></tr>";
  }
  s += "</table></div><p><small>" +
       t("进店与转化率只计门口摄像头看到足够的营业小时；无日报的日期与覆盖不足的小时不按零计入。",
         "Visitors and conversion count only the open hours the door cameras saw enough of; days without a day "
         "report and uncovered hours are never counted as zeros.") +
       "</small></p>";
  std::vector<std::pair<std::string, double>> rows;
  std::vector<std::string> labels;
  for (const auto& st : r.stores) {
    rows.emplace_back(st.name.empty() ? st.store : st.name, static_cast<double>(std::max<std::int64_t>(st.net_sales_minor, 0)));
    labels.push_back(core::format_minor(st.net_sales_minor, st.currency) + " · " + pct(st.conversion));
  }
  return s + bars(rows, labels);
}

std::string products_section(const region_report& r) {
  std::string s = "<h2>" + t("热销品 × 导购", "Top products × associates") + "</h2>";
  for (const auto& p : r.top_products) {
    s += "<details><summary><b>" + core::markup_escape(p.description.empty() ? p.item_id : p.description) + "</b> " +
         core::format_minor(p.revenue_minor, r.currency) + " <small>" + core::markup_escape(p.category) + "</small></summary>"
         "<div class=scroll><table><tr><th>" + t("导购", "Associate") + "</th><th>" + t("销售额", "Revenue") +
         "</th><th>" + t("笔数", "Sales") + "</th><th>" + t("成交率", "Close rate") + "</th></tr>";
    for (const auto& seller : p.sellers)
      s += "<tr><td" + std::string(seller.flagged ? " class=flag" : "") + ">" + core::markup_escape(seller.name.empty() ? seller.person : seller.name) +
           "</td><td>" + core::format_minor(seller.revenue_minor, r.currency) + "</td><td>" +
           std::to_string(seller.transactions) + "</td><td>" + pct(seller.close_rate) + "</td></tr>";
    s += "</table></div><small>";
    for (const auto& [store, revenue] : p.revenue_by_store) s += core::markup_escape(store) + " " + core::format_minor(revenue, r.currency) + " · ";
    s += "</small></details>";
  }
  return s;
}

std::string associates_section(const region_report& r) {
  std::string s = "<h2>" + t("导购能力匹配度", "Associates: sales and close rate") + "</h2><p>" +
                  t("区域团队成交率", "The region's team close rate") + " <b>" + pct(r.team_close_rate) + "</b></p>"
                  "<div class=scroll><table><tr><th>" + t("导购", "Associate") + "</th><th>" + t("销售额", "Net sales") +
                  "</th><th>" + t("成交率", "Close rate") + "</th><th>" + t("机会", "Opportunities") + "</th></tr>";
  for (const auto& a : r.associates) {
    char opp[24];
    std::snprintf(opp, sizeof opp, "%.1f", a.opportunities);
    s += "<tr><td" + std::string(a.flagged ? " class=flag" : "") + ">" + core::markup_escape(a.name.empty() ? a.person : a.name) +
         (a.flagged ? " ⚑" : "") + "<br><small>" + core::markup_escape(a.main_store) + "</small></td><td>" +
         core::format_minor(a.net_sales_minor, r.currency) + "</td><td>" + pct(a.close_rate) + "</td><td>" + opp +
         "</td></tr>";
  }
  s += "</table></div>";
  std::string flagged;
  for (const auto& a : r.associates)
    if (a.flagged) flagged += "<li><b>" + core::markup_escape(a.name.empty() ? a.person : a.name) + "</b>: " + core::markup_escape(a.flag_reason) + "</li>";
  if (flagged.empty()) return s + "<p>" + t("没有高销量低成交的导购。", "No associate with high sales and a low close rate.") + "</p>";
  s += "<h2>" + t("高销量低成交", "High sales, low close rate") + "</h2><ul>" + flagged + "</ul>";
  if (!r.flagged_in_common.empty()) {
    s += "<p>" + t("他们的共同点：", "What they have in common:") + "</p><ul>";
    for (const auto& c : r.flagged_in_common)
      s += "<li>" + core::markup_escape(c.attribute) + " = <b>" + core::markup_escape(c.value) + "</b>: " + std::to_string(c.flagged_with) + "/" +
           std::to_string(c.flagged) + t(" 名被标记导购", " flagged") + " · " + std::to_string(c.others_with) + "/" +
           std::to_string(c.others) + t(" 名其他导购", " others") + "</li>";
    s += "</ul>";
  }
  return s;
}

}  // namespace

std::string region_report_html(const region_report& r, const std::string& lang) {
  std::string s = head(r, lang);
  s += "<h1>" + t("区域热销品-导购能力匹配度报告", "Regional report: top products and associates") + "</h1><p>" +
       core::markup_escape(r.region) + " · " + r.from + " – " + r.to + " · " + core::markup_escape(r.currency) + "</p><div class=kpi><div>" +
       t("销售额", "Net sales") + "<b>" + core::format_minor(r.net_sales_minor, r.currency) + "</b></div><div>" +
       t("转化率", "Conversion") + "<b>" + pct(r.conversion) + "</b><small>" + std::to_string(r.buyers) + " / " +
       std::to_string(r.visitors) + "</small></div><div>" + t("覆盖", "Coverage") + "<b>" +
       pct(r.open_hours > 0 ? std::optional<double>(static_cast<double>(r.covered_hours) / static_cast<double>(r.open_hours))
                            : std::nullopt) +
       "</b><small>" + std::to_string(r.covered_hours) + " / " + std::to_string(r.open_hours) + " h</small></div><div>" +
       t("门店日报", "Store-days reported") + "<b>" + std::to_string(r.store_days_reported) + " / " +
       std::to_string(r.store_days) + "</b></div></div>";
  s += stores_section(r) + products_section(r) + associates_section(r);
  for (const auto& n : r.notes) s += "<p><small>" + core::markup_escape(n) + "</small></p>";
  return s + "</body></html>\n";
}

}  // namespace kelu::hq
