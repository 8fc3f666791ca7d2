// SPDX-License-Identifier: Apache-2.0
#pragma once
// A query's rows as text for assertions: columns joined by '|', a line per row.
#include <gtest/gtest.h>

#include <string>

#include "hq/db/pg_connection.hpp"

namespace kelu::test {

inline std::string rows_text(hq::pg_connection& db, const std::string& sql) {
  auto r = db.run(sql);
  if (auto* e = std::get_if<hq::pg_error>(&r)) {
    ADD_FAILURE() << e->message;
    return {};
  }
  std::string out;
  const auto& rows = std::get<hq::pg_rows>(r);
  for (int i = 0; i < rows.size(); ++i) {
    for (int c = 0; c < rows.columns(); ++c) out += std::string(c ? "|" : "") + std::string(rows.text(i, c));
    out += "\n";
  }
  return out;
}

}  // namespace kelu::test
