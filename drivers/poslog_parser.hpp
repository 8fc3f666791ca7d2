#pragma once
// NRF ARTS POSLog XML (the IXRetail transaction log NCR, Oracle, Toshiba and others export)
// to POS records. Namespace-aware: ARTS elements are matched by namespace URI and local name
// whatever prefix the file uses; elements of other namespaces (vendor extensions such as
// NCR's acs:) and ARTS elements Kelu has no slot for are kept verbatim, as their markup, in
// the record's extensions.
//
// Mapped: RetailTransaction (Sale and Return line items with item id, GTIN, description,
// department, quantity incl. weighed fractions, unit price, extended and discount amounts;
// Tender and TenderChange; Tax; TransactionGrandAmount and TransactionTaxAmount totals),
// voided transactions and voided lines, returns, ControlTransaction OperatorSignOn/SignOff.
// Returns carry negative totals and amounts, whatever sign the file used.
#include <string>
#include <string_view>

#include "agent/core/result.hpp"
#include "agent/core/time_zone.hpp"
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
