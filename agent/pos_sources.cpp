// SPDX-License-Identifier: Apache-2.0
#include "pos_sources.hpp"

#include "drivers/drop_folder_source.hpp"
#include "drivers/escpos_tap.hpp"
#include "drivers/pos_tcp_source.hpp"
#include "drivers/webhook_source.hpp"

namespace kelu {

core::result<drivers::format_options> format_options_for(const config::config& c, const core::time_zone& store_zone) {
  drivers::format_options o;
  o.default_currency = c.store.currency;
  o.zone = store_zone;
  const auto& csv = c.sources.csv;
  o.csv.delimiter = csv.delimiter.front();
  o.csv.decimal_separator = csv.decimal_separator.front();
  o.csv.time_format = csv.time_format;
  o.csv.currency = csv.currency;
  o.csv.terminal = csv.terminal;
  o.csv.return_prefix = csv.return_prefix;
  o.csv.transaction_column = csv.columns.transaction;
  o.csv.time_column = csv.columns.time;
  o.csv.item_column = csv.columns.item;
  o.csv.description_column = csv.columns.description;
  o.csv.quantity_column = csv.columns.quantity;
  o.csv.unit_price_column = csv.columns.unit_price;
  o.csv.amount_column = csv.columns.amount;
  o.csv.terminal_column = csv.columns.terminal;
  o.csv.operator_column = csv.columns.operator_id;
  o.csv.department_column = csv.columns.department;
  o.csv.salesperson_column = csv.columns.salesperson;
  o.csv.total_column = csv.columns.total;
  o.csv.payment_column = csv.columns.payment;
  o.csv.return_flag_column = csv.columns.return_flag;
  o.csv.encoding = csv.encoding;
  const auto& l = c.sources.escpos.layout;
  o.escpos = {l.preset,         l.encoding,        l.total_pattern,          l.item_pattern,
              l.items_end_pattern, l.tax_pattern,  l.time_pattern,           l.time_format,
              l.receipt_number_pattern, l.cashier_pattern, l.terminal, l.currency};
  if (!csv.time_zone.empty()) {
    auto z = core::time_zone::load(csv.time_zone);
    if (!z) return core::error{"sources.csv.time_zone: " + z.error_message()};
    o.csv_zone = *z;
  }
  if (auto st = drivers::receipt_parser::create(o.escpos, o.default_currency, store_zone); !st)
    return core::error{"sources." + st.error_message()};
  return o;
}

std::string source_id_for(const config::config& c, drivers::pos_format f) {
  switch (f) {
    case drivers::pos_format::poslog: return c.sources.poslog.source_id;
    case drivers::pos_format::csv: return c.sources.csv.source_id;
    case drivers::pos_format::escpos: return c.sources.escpos.source_id;
    case drivers::pos_format::jsonl: return c.sources.pos_tcp.source_id;
  }
  return "ingest";
}

core::result<drivers::named_sources> make_pos_sources(boost::asio::any_io_executor ex,
                                                                            core::event_ingest& ingest,
                                                                            const core::clock& clock,
                                                                            const config::config& c,
                                                                            const core::time_zone& store_zone,
                                                                            std::shared_ptr<spdlog::logger> log) {
  drivers::named_sources out;
  // The file and receipt formats (regular expressions compiled, an iconv opened) only for a
  // source that reads them: a box with tills on TCP or the webhook starts without.
  const auto& s = c.sources;
  core::result<drivers::format_options> formats = drivers::format_options{};
  if (s.poslog.enabled || s.csv.enabled || s.escpos.enabled) formats = format_options_for(c, store_zone);
  if (!formats) return core::error{formats.error_message()};
  if (c.sources.pos_tcp.enabled) {
    const auto o = drivers::pos_tcp_options_for(c, store_zone);
    out.push_back({"sources.pos_tcp", std::make_unique<drivers::pos_tcp_source>(ex, ingest, clock, o, log)});
  }
  if (c.sources.poslog.enabled) {
    auto opts = *formats;
    out.push_back({"sources.poslog", std::make_unique<drivers::drop_folder_source>(
        ex, ingest, clock, drivers::drop_folder_options_for(c, c.sources.poslog, "poslog"),
        [opts](std::string_view bytes) { return drivers::parse_file(drivers::pos_format::poslog, bytes, opts); },
        store_zone, log)});
  }
  if (c.sources.csv.enabled) {
    auto opts = *formats;
    out.push_back({"sources.csv", std::make_unique<drivers::drop_folder_source>(
        ex, ingest, clock, drivers::drop_folder_options_for(c, c.sources.csv, "csv"),
        [opts](std::string_view bytes) { return drivers::parse_file(drivers::pos_format::csv, bytes, opts); },
        store_zone, log)});
  }
  if (c.sources.webhook.enabled) {
    const auto o = drivers::webhook_options_for(c, store_zone);
    out.push_back({"sources.webhook", std::make_unique<drivers::webhook_source>(ex, ingest, clock, o, log)});
  }
  if (c.sources.escpos.enabled) {
    const auto o = drivers::escpos_tap_options_for(c, store_zone, formats->escpos);
    out.push_back({"sources.escpos", std::make_unique<drivers::escpos_tap>(ex, ingest, clock, o, log)});
  }
  return out;
}

}  // namespace kelu
