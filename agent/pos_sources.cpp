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

namespace {

drivers::drop_folder_options folder_options(const config::config& c, const config::folder_source_config& f,
                                            const char* driver) {
  drivers::drop_folder_options o;
  o.store_id = c.store.id;
  o.source_id = f.source_id;
  o.driver = driver;
  o.folder = f.folder;
  o.rescan = std::chrono::seconds(f.rescan_s);
  o.settle = std::chrono::seconds(f.settle_s);
  o.max_file_bytes = static_cast<std::uintmax_t>(f.max_file_bytes);
  o.done_retention_days = static_cast<int>(f.done_retention_days);
  o.chunk_events = static_cast<std::size_t>(std::min<std::int64_t>(c.storage.max_batch_events, 500));
  return o;
}

}  // namespace

core::result<drivers::named_sources> make_pos_sources(boost::asio::any_io_executor ex,
                                                                            core::event_ingest& ingest,
                                                                            const core::clock& clock,
                                                                            const config::config& c,
                                                                            const core::time_zone& store_zone,
                                                                            std::shared_ptr<spdlog::logger> log) {
  auto formats = format_options_for(c, store_zone);
  if (!formats) return core::error{formats.error_message()};
  drivers::named_sources out;
  if (c.sources.pos_tcp.enabled) {
    const auto& p = c.sources.pos_tcp;
    drivers::pos_tcp_options o;
    o.store_id = c.store.id;
    o.source_id = p.source_id;
    o.listen = p.listen;
    o.port = static_cast<std::uint16_t>(p.port);
    o.max_line_bytes = static_cast<std::size_t>(p.max_line_bytes);
    o.max_connections = static_cast<std::size_t>(p.max_connections);
    o.idle_timeout = std::chrono::seconds(p.idle_timeout_s);
    o.default_currency = c.store.currency;
    o.zone = store_zone;
    out.push_back({"sources.pos_tcp", std::make_unique<drivers::pos_tcp_source>(ex, ingest, clock, o, log)});
  }
  if (c.sources.poslog.enabled) {
    auto opts = *formats;
    out.push_back({"sources.poslog", std::make_unique<drivers::drop_folder_source>(
        ex, ingest, clock, folder_options(c, c.sources.poslog, "poslog"),
        [opts](std::string_view bytes) { return drivers::parse_file(drivers::pos_format::poslog, bytes, opts); },
        store_zone, log)});
  }
  if (c.sources.csv.enabled) {
    auto opts = *formats;
    out.push_back({"sources.csv", std::make_unique<drivers::drop_folder_source>(
        ex, ingest, clock, folder_options(c, c.sources.csv, "csv"),
        [opts](std::string_view bytes) { return drivers::parse_file(drivers::pos_format::csv, bytes, opts); },
        store_zone, log)});
  }
  if (c.sources.webhook.enabled) {
    const auto& w = c.sources.webhook;
    drivers::webhook_options o;
    o.store_id = c.store.id;
    o.source_id = w.source_id;
    o.listen = w.listen;
    o.port = static_cast<std::uint16_t>(w.port);
    o.path = w.path;
    o.secrets_file = w.secrets_file;
    o.max_body_bytes = static_cast<std::size_t>(w.max_body_bytes);
    o.max_connections = static_cast<std::size_t>(w.max_connections);
    o.rate_per_s = static_cast<double>(w.rate_per_s);
    o.rate_burst = static_cast<double>(w.rate_burst);
    o.timeout = std::chrono::seconds(w.timeout_s);
    o.default_currency = c.store.currency;
    o.zone = store_zone;
    out.push_back({"sources.webhook", std::make_unique<drivers::webhook_source>(ex, ingest, clock, o, log)});
  }
  if (c.sources.escpos.enabled) {
    const auto& e = c.sources.escpos;
    drivers::escpos_tap_options o;
    o.store_id = c.store.id;
    o.source_id = e.source_id;
    o.listen = e.listen;
    o.port = static_cast<std::uint16_t>(e.port);
    if (!e.printer.empty()) {
      const auto colon = e.printer.rfind(':');  // checked by the config loader
      o.printer_host = e.printer.substr(0, colon);
      o.printer_port = static_cast<std::uint16_t>(std::stoi(e.printer.substr(colon + 1)));
    }
    o.serial_device = e.serial_device;
    o.serial_printer_device = e.serial_printer_device;
    o.serial_baud = static_cast<unsigned>(e.serial_baud);
    o.max_job_bytes = static_cast<std::size_t>(e.max_job_bytes);
    o.connect_timeout = std::chrono::seconds(e.connect_timeout_s);
    o.layout = formats->escpos;
    o.default_currency = c.store.currency;
    o.zone = store_zone;
    out.push_back({"sources.escpos", std::make_unique<drivers::escpos_tap>(ex, ingest, clock, o, log)});
  }
  return out;
}

}  // namespace kelu
