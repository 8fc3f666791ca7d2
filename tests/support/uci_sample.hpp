// SPDX-License-Identifier: Apache-2.0
#pragma once
// How the UCI Online Retail export (../shared/data/pos/uci-online-retail) maps onto the CSV
// source: its column names, and invoices starting with "C" as returns.
#include <nlohmann/json.hpp>

namespace kelu::test {

inline nlohmann::json uci_csv_source() {
  return {{"return_prefix", "C"},
          {"columns",
           {{"transaction", "InvoiceNo"}, {"time", "InvoiceDate"}, {"item", "StockCode"}, {"description", "Description"},
            {"quantity", "Quantity"}, {"unit_price", "UnitPrice"}}}};
}

}  // namespace kelu::test
