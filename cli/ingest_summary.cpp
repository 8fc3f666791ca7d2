// SPDX-License-Identifier: Apache-2.0
#include "ingest_summary.hpp"

#include <sstream>

#include "core/money.hpp"
#include "core/overloaded.hpp"

namespace kelu::cli {

void ingest_summary::check_tenders(const core::pos_transaction& t) {
  if (t.tenders.empty()) {
    ++tenders_.without_tenders;
    return;
  }
  std::int64_t paid = 0;
  for (const auto& td : t.tenders) paid += td.amount_minor;
  // A return's tenders may be written as paid out (negative) or as amounts (positive).
  if (paid == t.total_minor || (t.kind == core::pos_transaction_kind::return_ && -paid == t.total_minor)) {
    ++tenders_.matched;
    return;
  }
  ++tenders_.mismatched;
  if (tenders_.examples.size() < 5)
    tenders_.examples.push_back("terminal " + t.terminal + " transaction " + t.transaction_id + ": tenders " +
                                core::format_minor(paid, t.currency) + " vs total " + core::format_minor(t.total_minor, t.currency) + " " +
                                t.currency);
}

void ingest_summary::add(const core::event& e, bool duplicate) {
  (duplicate ? duplicates_ : new_) += 1;
  std::visit(core::overloaded{[&](const core::pos_transaction& t) {
                          workstations_.insert(t.terminal);
                          business_days_.insert(t.business_day);
                          if (!t.operator_id.empty()) operators_.insert(t.operator_id);
                          if (!t.salesperson_id.empty()) salespeople_.insert(t.salesperson_id);
                          for (const auto& i : t.items)
                            if (!i.salesperson_id.empty()) salespeople_.insert(i.salesperson_id);
                          ++total_from_[t.total_from.empty() ? "as given" : t.total_from];
                          auto& m = revenue_[t.currency];
                          switch (t.kind) {
                            case core::pos_transaction_kind::sale:
                              ++sales_;
                              m.sales += t.total_minor;
                              m.tax += t.tax_minor;
                              items_ += static_cast<std::int64_t>(t.items.size());
                              check_tenders(t);
                              break;
                            case core::pos_transaction_kind::return_:
                              ++returns_;
                              m.returns += t.total_minor;
                              m.tax += t.tax_minor;
                              items_ += static_cast<std::int64_t>(t.items.size());
                              check_tenders(t);
                              break;
                            case core::pos_transaction_kind::void_: ++voids_; break;
                            case core::pos_transaction_kind::suspended: ++suspended_; break;
                            case core::pos_transaction_kind::training: ++training_; break;
                          }
                        },
                        [&](const core::pos_operator& o) {
                          workstations_.insert(o.terminal);
                          operators_.insert(o.operator_id);
                          (o.action == core::pos_operator_action::sign_on ? sign_ons_ : sign_offs_) += 1;
                        },
                        // POS files carry no health or camera events.
                        [](const auto&) {}},
             e.body);
}

void ingest_summary::add_rejected(const std::string& file, const std::string& why) { rejected_.emplace_back(file, why); }

void ingest_summary::add_ignored(const std::vector<std::string>& kinds) {
  for (const auto& k : kinds) ++ignored_[k];
}

void ingest_summary::add_warnings(const std::map<std::string, std::int64_t>& warnings) {
  for (const auto& [what, n] : warnings) warnings_[what] += n;
}

nlohmann::json ingest_summary::to_json() const {
  nlohmann::json revenue = nlohmann::json::object();
  for (const auto& [cur, m] : revenue_)
    revenue[cur] = {{"sales", core::format_minor(m.sales, cur)},
                    {"returns", core::format_minor(m.returns, cur)},
                    {"net", core::format_minor(m.sales + m.returns, cur)},
                    {"tax", core::format_minor(m.tax, cur)}};
  nlohmann::json rejected = nlohmann::json::array();
  for (const auto& [file, why] : rejected_) rejected.push_back({{"file", file}, {"reason", why}});
  return {{"files", files_},
          {"new", new_},
          {"duplicates", duplicates_},
          {"transactions", sales_ + returns_ + voids_ + suspended_ + training_},
          {"sales", sales_},
          {"returns", returns_},
          {"voids", voids_},
          {"suspended", suspended_},
          {"training", training_},
          {"items", items_},
          {"sign_ons", sign_ons_},
          {"sign_offs", sign_offs_},
          {"revenue", revenue},
          {"operators", operators_},
          {"salespeople", salespeople_},
          {"workstations", workstations_},
          {"business_days", business_days_},
          {"total_from", total_from_},
          {"tenders",
           {{"matched", tenders_.matched},
            {"mismatched", tenders_.mismatched},
            {"without_tenders", tenders_.without_tenders},
            {"examples", tenders_.examples}}},
          {"warnings", warnings_},
          {"ignored", ignored_},
          {"rejected", rejected}};
}

std::string ingest_summary::to_text() const {
  std::ostringstream o;
  const auto list = [](const std::set<std::string>& s) {
    std::string out;
    for (const auto& v : s) out += (out.empty() ? "" : ", ") + v;
    return out.empty() ? std::string("-") : out;
  };
  o << "files:         " << files_ << "\n"
    << (dry_run_ ? "read:          " + std::to_string(new_) + " records (dry run: none stored)\n"
                 : "stored:        " + std::to_string(new_) + " new, " + std::to_string(duplicates_) +
                       " already stored\n")
    << "transactions:  " << sales_ + returns_ + voids_ + suspended_ + training_ << " (" << sales_ << " sales, "
    << returns_ << " returns, " << voids_ << " voids, " << suspended_ << " suspended, " << training_
    << " training; " << items_ << " line items)\n"
    << "shifts:        " << sign_ons_ << " sign-ons, " << sign_offs_ << " sign-offs\n";
  std::string rules;
  for (const auto& [rule, n] : total_from_) {
    const std::string said = rule == "net_plus_tax" ? "net + tax" : rule == "lines" ? "lines + tax" : rule;
    rules += (rules.empty() ? "" : ", ") + std::to_string(n) + " " + said;
  }
  o << "totals:        " << (rules.empty() ? "-" : rules) << "\n"
    << "tenders:       " << tenders_.matched << " match the total, " << tenders_.mismatched << " do not, "
    << tenders_.without_tenders << " sales/returns without tenders\n";
  for (const auto& ex : tenders_.examples) o << "  " << ex << "\n";
  for (const auto& [cur, m] : revenue_)
    o << "revenue " << cur << ":   sales " << core::format_minor(m.sales, cur) << ", returns " << core::format_minor(m.returns, cur)
      << ", net " << core::format_minor(m.sales + m.returns, cur) << " (tax " << core::format_minor(m.tax, cur) << ")\n";
  o << "operators:     " << list(operators_) << "\n"
    << "salespeople:   " << list(salespeople_) << "\n"
    << "workstations:  " << list(workstations_) << "\n"
    << "business days: " << list(business_days_) << "\n";
  for (const auto& [what, n] : warnings_) o << "read around:   " << n << " x " << what << "\n";
  for (const auto& [kind, n] : ignored_) o << "ignored:       " << n << " x " << kind << "\n";
  o << "rejected:      " << rejected_.size() << "\n";
  for (const auto& [file, why] : rejected_) o << "  " << file << ": " << why << "\n";
  return o.str();
}

}  // namespace kelu::cli
