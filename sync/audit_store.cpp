// SPDX-License-Identifier: Apache-2.0
#include "audit_store.hpp"

namespace kelu::sync {

audit_store::audit_store(database& db) : db_(db) {}

void audit_store::add(const std::vector<audit_row>& rows) {
  transaction tx{db_};
  statement st{db_.handle(),
               "INSERT OR REPLACE INTO line_audits(camera, line, audited_at, seconds, in_box, out_box, in_tapped, "
               "out_tapped) VALUES(?,?,?,?,?,?,?,?)"};
  for (const auto& r : rows) {
    st.bind(1, r.camera).bind(2, r.line).bind(3, core::to_unix_ms(r.audited_at)).bind(4, r.seconds);
    st.bind(5, r.in_box).bind(6, r.out_box).bind(7, r.in_tapped).bind(8, r.out_tapped);
    st.step();
    st.reset();
  }
  tx.commit();
}

std::vector<audit_row> audit_store::latest() {
  statement st{db_.handle(),
               "SELECT camera, line, audited_at, seconds, in_box, out_box, in_tapped, out_tapped FROM line_audits a "
               "WHERE audited_at = (SELECT max(audited_at) FROM line_audits b WHERE b.camera = a.camera AND "
               "b.line = a.line) ORDER BY camera, line"};
  std::vector<audit_row> out;
  while (st.step())
    out.push_back({st.column_text(0), st.column_text(1), core::from_unix_ms(st.column_int(2)), st.column_int(3),
                   st.column_int(4), st.column_int(5), st.column_int(6), st.column_int(7)});
  return out;
}

}  // namespace kelu::sync
