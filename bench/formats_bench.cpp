// SPDX-License-Identifier: Apache-2.0
// Batch ingest per POS format, as a drop folder or `kelu ingest` runs it: parse the file,
// build events, commit in chunks of 500 through the store (dedupe, seq, outbox), against
// the limit measured in the same run: a raw SQLite bulk insert of the same rows.
// Prints a Markdown table; numbers go to docs/BENCHMARKS.md with the machine they ran on.
//
//   formats_bench [transactions=20000]
#include <iconv.h>
#include <zlib.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/pos_file_format.hpp"
#include "drivers/counters/counter_emitter.hpp"
#include "drivers/counters/dahua_counting.hpp"
#include "drivers/counters/hikvision_counting.hpp"
#include "raw_sqlite.hpp"
#include "zh_lines_mapping.hpp"
#include "sync/event_store.hpp"
#include "sync/outbox.hpp"

namespace {

using namespace kelu;
using clk = std::chrono::steady_clock;

// Three line items per transaction in every format, the same goods and amounts.
struct item {
  const char* id;
  const char* name;
  const char* qty;
  const char* price;
  const char* amount;
};
constexpr item items[] = {{"6901234567892", "Oolong tea 500ml", "2", "4.50", "9.00"},
                          {"6920202888883", "Rice crackers", "1", "14.50", "14.50"},
                          {"2000000001234", "Apples, loose", "0.375", "12.00", "4.50"}};
constexpr const char* total = "28.00";

std::string poslog(int n) {
  std::string s = R"(<POSLog xmlns="http://www.nrf-arts.org/IXRetail/namespace/" xmlns:acs="urn:vendor">)";
  for (int t = 0; t < n; ++t) {
    s += "<Transaction><RetailStoreID>9</RetailStoreID><WorkstationID>" + std::to_string(t % 8) +
         "</WorkstationID><SequenceNumber>" + std::to_string(t) +
         "</SequenceNumber><BusinessDayDate>2026-11-27</BusinessDayDate><EndDateTime>2026-11-27T18:00:00</EndDateTime>"
         "<OperatorID OperatorName=\"Li Na\">E7</OperatorID><CurrencyCode>CNY</CurrencyCode><RetailTransaction>";
    for (const auto& i : items)
      s += std::string("<LineItem><Sale><ItemID>") + i.id + "</ItemID><Description>" + i.name +
           "</Description><RegularSalesUnitPrice>" + i.price + "</RegularSalesUnitPrice><Quantity>" + i.qty +
           "</Quantity><ExtendedAmount>" + i.amount + "</ExtendedAmount><acs:ReportCode>0</acs:ReportCode></Sale></LineItem>";
    s += std::string("<LineItem><Tender TenderType=\"Mobile\"><Amount>") + total +
         "</Amount></Tender></LineItem><Total TotalType=\"TransactionGrandAmount\">" + total +
         "</Total></RetailTransaction></Transaction>";
  }
  return s + "</POSLog>";
}

// The same sales as vendors write POSLog 6: the versioned namespace as the default, a
// salesperson on each line, the weighed item with both its unit and weight quantities, and
// only a net total and a tax line, so the total is derived.
std::string poslog_v6(int n) {
  std::string s = R"(<POSLog xmlns="http://www.nrf-arts.org/IXRetail/v6.0.0/poslog">)";
  for (int t = 0; t < n; ++t) {
    s += "<Transaction><WorkstationID>" + std::to_string(t % 8) + "</WorkstationID><SequenceNumber>" +
         std::to_string(t) +
         "</SequenceNumber><BusinessDayDate>2026-11-27</BusinessDayDate><EndDateTime>2026-11-27T18:00:00</EndDateTime>"
         "<OperatorID>E7</OperatorID><RetailTransaction><TransactionStatus>Finished</TransactionStatus>";
    for (const auto& i : items) {
      const bool weighed = std::string_view(i.qty).find('.') != std::string_view::npos;
      s += std::string("<LineItem><Sale><ItemID>") + i.id + "</ItemID><Description>" + i.name +
           "</Description><RegularSalesUnitPrice CurrencyCode=\"CNY\">" + i.price + "</RegularSalesUnitPrice>" +
           (weighed ? std::string("<Quantity UnitOfMeasureCode=\"EA\">1</Quantity><Quantity UnitOfMeasureCode=\"KGM\">") +
                          i.qty + "</Quantity>"
                    : std::string("<Quantity>") + i.qty + "</Quantity>") +
           "<ExtendedAmount CurrencyCode=\"CNY\">" + i.amount +
           "</ExtendedAmount><Associate><AssociateID>S3</AssociateID></Associate></Sale></LineItem>";
    }
    s += std::string("<LineItem><Tax><Amount>0.00</Amount></Tax></LineItem><LineItem><Tender TenderType=\"Mobile\"><Amount>") +
         total + "</Amount></Tender></LineItem><Total TotalType=\"TransactionNetAmount\">" + total +
         "</Total></RetailTransaction></Transaction>";
  }
  return s + "</POSLog>";
}

std::string csv(int n) {
  std::string s = "transaction_id,time,item_id,description,quantity,unit_price,customer\n";
  for (int t = 0; t < n; ++t)
    for (const auto& i : items)
      s += std::to_string(t) + ",2026-11-27 18:00:00," + i.id + ",\"" + i.name + "\"," + i.qty + "," + i.price + ",C42\n";
  return s;
}

// A Chinese back office's sales detail (the zh-lines preset's headers), ￥ amounts, 实收 and
// 支付方式 on each row: as UTF-8 text, then as GB18030 bytes and as an Excel sheet.
std::string zh_lines_utf8(int n) {
  std::string s = "单号,时间,收银员,导购,商品编码,商品名称,数量,单价,金额,实收,支付方式,退货\n";
  for (int t = 0; t < n; ++t)
    for (const auto& i : items)
      s += "XS" + std::to_string(t) + ",2026-11-27 18:00:00,王芳,李强," + i.id + ",\"" + i.name + "\"," + i.qty +
           ",￥" + i.price + ",￥" + i.amount + ",￥" + total + ",微信支付,否\n";
  return s;
}

std::string gb18030(const std::string& utf8) {
  const iconv_t cd = iconv_open("GB18030", "UTF-8");
  if (cd == reinterpret_cast<iconv_t>(-1)) std::abort();
  std::string in = utf8, out(utf8.size() * 2, '\0');
  char* src = in.data();
  char* dst = out.data();
  std::size_t src_left = in.size(), dst_left = out.size();
  if (iconv(cd, &src, &src_left, &dst, &dst_left) == static_cast<std::size_t>(-1)) std::abort();
  iconv_close(cd);
  out.resize(out.size() - dst_left);
  return out;
}

void put_le(std::string& s, std::uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
}

// A ZIP of stored members (what the reader must also accept; deflate would time zlib, not us).
std::string stored_zip(const std::vector<std::pair<std::string, std::string>>& files) {
  std::string out, dir;
  for (const auto& [name, data] : files) {
    const auto crc = static_cast<std::uint32_t>(
        crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
    const auto offset = static_cast<std::uint32_t>(out.size());
    const auto size = static_cast<std::uint32_t>(data.size());
    const auto name_len = static_cast<std::uint32_t>(name.size());
    put_le(out, 0x04034b50, 4), put_le(out, 20, 2), put_le(out, 0, 2), put_le(out, 0, 2), put_le(out, 0, 4);
    put_le(out, crc, 4), put_le(out, size, 4), put_le(out, size, 4), put_le(out, name_len, 2), put_le(out, 0, 2);
    out += name + data;
    put_le(dir, 0x02014b50, 4), put_le(dir, 20, 2), put_le(dir, 20, 2), put_le(dir, 0, 2), put_le(dir, 0, 2);
    put_le(dir, 0, 4), put_le(dir, crc, 4), put_le(dir, size, 4), put_le(dir, size, 4), put_le(dir, name_len, 2);
    put_le(dir, 0, 2), put_le(dir, 0, 2), put_le(dir, 0, 2), put_le(dir, 0, 2), put_le(dir, 0, 4);
    put_le(dir, offset, 4);
    dir += name;
  }
  const auto dir_offset = static_cast<std::uint32_t>(out.size());
  out += dir;
  put_le(out, 0x06054b50, 4), put_le(out, 0, 2), put_le(out, 0, 2);
  put_le(out, static_cast<std::uint32_t>(files.size()), 2), put_le(out, static_cast<std::uint32_t>(files.size()), 2);
  put_le(out, static_cast<std::uint32_t>(dir.size()), 4), put_le(out, dir_offset, 4), put_le(out, 0, 2);
  return out;
}

std::string zh_lines_xlsx(int n) {
  const auto str = [](const std::string& v) { return "<c t=\"inlineStr\"><is><t>" + v + "</t></is></c>"; };
  const auto num = [](const std::string& v) { return "<c><v>" + v + "</v></c>"; };
  std::string sheet = R"(<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row>)";
  for (const char* h : {"单号", "时间", "收银员", "导购", "商品编码", "商品名称", "数量", "单价", "金额", "实收", "支付方式", "退货"})
    sheet += str(h);
  sheet += "</row>";
  for (int t = 0; t < n; ++t)
    for (const auto& i : items)
      sheet += "<row>" + str("XS" + std::to_string(t)) + "<c s=\"1\"><v>46353.75</v></c>" + str("王芳") + str("李强") +
               num(i.id) + str(i.name) + num(i.qty) + num(i.price) + num(i.amount) + num(total) + str("微信支付") +
               str("否") + "</row>";
  sheet += "</sheetData></worksheet>";
  const std::string styles = R"(<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">)"
                             R"(<cellXfs><xf numFmtId="0"/><xf numFmtId="22"/></cellXfs></styleSheet>)";
  return stored_zip({{"xl/styles.xml", styles}, {"xl/worksheets/sheet1.xml", sheet}});
}

std::string escpos(int n) {
  using namespace std::string_literals;  // the commands hold NUL bytes: no C strings here
  std::string s;
  for (int t = 0; t < n; ++t) {
    s += "\x1b@\x1b" "a\x01\x1b!\x30" "EXAMPLE MART\n\x1b!\x00\x1b" "a\x00"s;
    s += "Receipt No: " + std::to_string(t) + "\nCashier: Li Na\n2026-11-27 18:00:00\n";
    for (const auto& i : items) {
      std::string line = i.name;
      line.resize(36, ' ');
      s += line + i.amount + "\n";
    }
    s += "\x1b" "E\x01TOTAL                               "s + total + "\n\x1b" "E\x00\x1d" "VA\x03"s;
  }
  return s;
}

std::string jsonl(int n) {
  std::string s;
  for (int t = 0; t < n; ++t) {
    s += R"({"terminal":"T)" + std::to_string(t % 8) + R"(","transaction_id":")" + std::to_string(t) +
         R"(","time":"2026-11-27T18:00:00+08:00","operator":"E7","total":")" + total + R"(","items":[)";
    for (const auto& i : items)
      s += std::string(R"({"item_id":")") + i.id + R"(","description":")" + i.name + R"(","quantity":")" + i.qty +
           R"(","unit_price":")" + i.price + R"(","amount":")" + i.amount + "\"}" + (&i == &items[2] ? "" : ",");
    s += std::string(R"(],"tenders":[{"method":"mobile","amount":")") + total + "\"}]}\n";
  }
  return s;
}

struct result {
  double parse_s = 0;  // parse only
  double total_s = 0;  // parse + events + commit
  double raw_s = 0;    // raw SQLite insert of the same rows
  std::size_t records = 0;
  std::size_t bytes = 0;
};

// The drop folder's commit: chunks of 500, one transaction each; keeps copies of what it
// committed (outside the timed path's cost: copying is cheap beside a commit) for the raw limit.
struct chunked_commit {
  explicit chunked_commit(sync::event_store& s) : store(s) {}
  sync::event_store& store;
  std::vector<core::event> batch;
  std::vector<core::event> copies;
  void add(core::event e, core::utc_time now) {
    batch.push_back(std::move(e));
    if (batch.size() == 500) finish(now);
  }
  void finish(core::utc_time now) {
    if (batch.empty()) return;
    if (!store.append(batch, now)) std::abort();
    copies.insert(copies.end(), std::make_move_iterator(batch.begin()), std::make_move_iterator(batch.end()));
    batch.clear();
  }
};

result run(drivers::pos_format f, const std::string& input, const drivers::format_options& o, bool full_sync) {
  result r;
  r.bytes = input.size();
  auto t0 = clk::now();
  auto parsed = drivers::parse_file(f, input, o);
  r.parse_s = std::chrono::duration<double>(clk::now() - t0).count();
  if (!parsed || !parsed->errors.empty()) std::abort();
  r.records = parsed->records.size();
  if (r.records == 0) std::abort();

  auto db = sync::database::open({bench::fresh_db("formats.db").string(), full_sync}).value();
  sync::outbox out{*db};
  sync::event_store store{*db, out, sync::topics("bench", "s1")};
  const auto now = core::from_unix_ms(1'795'000'000'000);
  chunked_commit commit{store};
  t0 = clk::now();
  auto again = drivers::parse_file(f, input, o);
  for (auto& rec : again->records)
    commit.add(drivers::make_pos_event(std::move(rec), {"s1", std::string(drivers::format_name(f)), now}, o.zone), now);
  commit.finish(now);
  r.total_s = std::chrono::duration<double>(clk::now() - t0).count();
  if (store.count() != static_cast<std::int64_t>(r.records)) std::abort();
  r.raw_s = bench::raw_sqlite_seconds(std::move(commit.copies), full_sync);
  return r;
}

// People counters: n pushes of one quarter each (Hikvision), or n readings of running totals
// (Dahua getSummary), parsed, turned into traffic.count events and committed like the tills'.
std::vector<std::string> hikvision_pushes(int n) {
  std::vector<std::string> out;
  const auto start = core::from_unix_ms(1'795'000'000'000);
  for (int k = 0; k < n; ++k) {
    const auto from = start + std::chrono::minutes{15} * k;
    out.push_back(R"(<?xml version="1.0" encoding="UTF-8"?>
<EventNotificationAlert version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema">
<ipAddress>192.168.1.64</ipAddress><macAddress>bc:ad:28:4f:11:02</macAddress><channelID>1</channelID>
<dateTime>)" + core::format_iso8601(from + std::chrono::minutes{15}) + R"(</dateTime><eventType>PeopleCounting</eventType>
<eventState>active</eventState><peopleCounting><statisticalMethods>timeRange</statisticalMethods>
<TimeRange><startTime>)" + core::format_iso8601(from) + "</startTime><endTime>" +
                  core::format_iso8601(from + std::chrono::minutes{15}) + R"(</endTime></TimeRange>
<enter>)" + std::to_string(k % 17) + "</enter><exit>" + std::to_string(k % 13) +
                  "</exit><pass>40</pass></peopleCounting><isDataRetransmission>false</isDataRetransmission>\n"
                  "</EventNotificationAlert>\n");
  }
  return out;
}

std::vector<std::string> dahua_readings(int n) {
  std::vector<std::string> out;
  for (int k = 0; k < n; ++k)
    out.push_back("summary.Channel=0\nsummary.EnteredSubtotal.Hour=3\nsummary.EnteredSubtotal.Today=41\n"
                  "summary.EnteredSubtotal.Total=" + std::to_string(5000 + 3 * k) +
                  "\nsummary.ExitedSubtotal.Hour=2\nsummary.ExitedSubtotal.Today=37\nsummary.ExitedSubtotal.Total=" +
                  std::to_string(4900 + 2 * k) + "\nsummary.RuleName=NumberStat\nsummary.UTC=1764583200\n");
  return out;
}

template <class Parse>
result run_counter(const std::vector<std::string>& bodies, Parse parse, bool full_sync) {
  result r;
  for (const auto& b : bodies) r.bytes += b.size();
  const auto base = core::from_unix_ms(1'795'000'000'000);
  auto t0 = clk::now();
  for (std::size_t k = 0; k < bodies.size(); ++k)
    if (!parse(bodies[k], base + std::chrono::minutes{1} * static_cast<int>(k))) std::abort();
  r.parse_s = std::chrono::duration<double>(clk::now() - t0).count();

  auto db = sync::database::open({bench::fresh_db("counters.db").string(), full_sync}).value();
  sync::outbox out{*db};
  sync::event_store store{*db, out, sync::topics("bench", "s1")};
  drivers::counter_emitter emitter({"s1", "door", "main", ""});
  chunked_commit commit{store};
  t0 = clk::now();
  for (std::size_t k = 0; k < bodies.size(); ++k) {
    const auto now = base + std::chrono::minutes{1} * static_cast<int>(k);
    for (auto& e : emitter.take(parse(bodies[k], now).value(), now).events) commit.add(std::move(e), now);
  }
  commit.finish(base);
  r.total_s = std::chrono::duration<double>(clk::now() - t0).count();
  r.records = commit.copies.size();
  if (store.count() != static_cast<std::int64_t>(r.records) || r.records == 0) std::abort();
  r.raw_s = bench::raw_sqlite_seconds(std::move(commit.copies), full_sync);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 20000;
  drivers::format_options o;
  o.zone = core::time_zone::load("Asia/Shanghai").value();
  std::printf("transactions: %d per format, 3 line items each; commit in chunks of 500, synchronous=FULL\n\n", n);
  std::printf("| format | input MB | parse only, tx/s | parse + commit, tx/s | raw SQLite insert, tx/s (limit) | vs limit |\n");
  std::printf("|---|---|---|---|---|---|\n");
  auto zh = o;
  zh.csv = bench::zh_lines_mapping();
  const struct {
    const char* label;
    drivers::pos_format format;
    std::string input;
    const drivers::format_options& options;
  } rows[] = {{"poslog", drivers::pos_format::poslog, poslog(n), o},
              {"poslog 6 (no namespace prefix, derived total)", drivers::pos_format::poslog, poslog_v6(n), o},
              {"csv", drivers::pos_format::csv, csv(n), o},
              {"csv, Chinese back office, GB18030 detected", drivers::pos_format::csv, gb18030(zh_lines_utf8(n)), zh},
              {"xlsx, Chinese back office", drivers::pos_format::csv, zh_lines_xlsx(n), zh},
              {"escpos", drivers::pos_format::escpos, escpos(n), o},
              {"jsonl", drivers::pos_format::jsonl, jsonl(n), o}};
  for (const auto& row : rows) {
    const auto r = run(row.format, row.input, row.options, true);
    const double records = static_cast<double>(r.records);
    std::printf("| %s | %.1f | %.0f | %.0f | %.0f | %.2f |\n", row.label, static_cast<double>(r.bytes) / 1e6,
                records / r.parse_s, records / r.total_s, records / r.raw_s, r.raw_s / r.total_s);
  }
  const auto hik = [&](const std::string& body, core::utc_time) { return drivers::parse_hikvision_alert(body, o.zone); };
  const auto dahua = [](const std::string& body, core::utc_time at) -> core::result<std::vector<drivers::counter_reading>> {
    auto r = drivers::parse_dahua_summary(body, at);
    if (!r) return core::error{r.error_message()};
    return std::vector{*r};
  };
  const struct {
    const char* label;
    result r;
  } counters[] = {{"hikvision push, one quarter each (periods/s)", run_counter(hikvision_pushes(n), hik, true)},
                  {"dahua getSummary readings → periods (periods/s)", run_counter(dahua_readings(n), dahua, true)}};
  for (const auto& [label, r] : counters) {
    const double records = static_cast<double>(r.records);
    std::printf("| %s | %.1f | %.0f | %.0f | %.0f | %.2f |\n", label, static_cast<double>(r.bytes) / 1e6,
                records / r.parse_s, records / r.total_s, records / r.raw_s, r.raw_s / r.total_s);
  }
  std::filesystem::remove_all(std::filesystem::temp_directory_path() / ("kelu-bench-" + std::to_string(::getpid())));
  return 0;
}
