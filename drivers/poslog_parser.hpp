// SPDX-License-Identifier: Apache-2.0
#pragma once
// NRF ARTS POSLog XML (the IXRetail transaction log NCR, Oracle, Toshiba and others export)
// to POS records, as vendors really write it: any ARTS namespace or none (poslog_xml.hpp),
// degrading per field, never per file.
//
// Mapped: RetailTransaction (Sale and Return line items with item id, GTIN, description,
// department, quantity — the priced one when a line carries units and weight —, unit price,
// extended and discount amounts, the salesperson; Tender and TenderChange; Tax; totals),
// voided, cancelled, suspended and training transactions (each its own kind, never revenue),
// voided lines, returns, ControlTransaction OperatorSignOn/SignOff. Returns carry negative
// totals and amounts, whatever sign the file used.
//
// The total is TransactionGrandAmount when written; else TransactionNetAmount plus tax, else
// the tenders, else the lines plus tax, and the record's total_from says which. A Sale, Return,
// Tender or Tax with an empty or absent amount (cash rounding, comments, receipt images) is
// skipped and counted in `warnings`; the transaction is kept. Currency comes from CurrencyCode,
// else from the amounts' CurrencyCode/Currency attribute, else the store's.
//
// Elements of other namespaces (vendor extensions such as NCR's acs:) and ARTS elements Kelu
// has no slot for are kept verbatim, as their markup, in the record's extensions.
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/time_zone.hpp"
#include "file_records.hpp"

namespace kelu::drivers {

struct poslog_options {
  std::string default_currency = "CNY";  // when neither CurrencyCode nor @Currency says
  const core::time_zone* zone = nullptr;  // for times without an offset; UTC when null
};

// An error value only when the file is not XML or not a POSLog at all ("line 3, byte 120:
// ..."); a bad transaction is an entry in `errors` naming it and the element at fault.
core::result<file_records> parse_poslog(std::string_view xml, const poslog_options& options);

}  // namespace kelu::drivers
