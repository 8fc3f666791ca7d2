#include "ingest_summary.hpp"

#include <sstream>

#include "agent/core/money.hpp"

namespace kelu {

namespace {

template <class... F>
struct overloaded : F... {
  using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;

std::string decimal(std::int64_t minor, const std::string& currency) {
  const int digits = core::minor_digits(currency);
  std::int64_t scale = 1;
  for (int i = 0; i < digits; ++i) scale *= 10;
  const bool negative = minor < 0;
  const auto abs = negative ? -static_cast<unsigned long long>(minor) : static_cast<unsigned long long>(minor);
  std::string out = std::to_string(abs / static_cast<unsigned long long>(scale));
  if (digits > 0) {
    auto frac = std::to_string(abs % static_cast<unsigned long long>(scale));
    out += "." + std::string(static_cast<std::size_t>(digits) - frac.size(), '0') + frac;
  }
  return (negative ? "-" : "") + out;
}

}  // namespace

void ingest_summary::add(const core::event& e, bool duplicate) {
  (duplicate ? duplicates_ : new_) += 1;
  std::visit(overloaded{[&](const core::pos_transaction& t) {
                          workstations_.insert(t.terminal);
                          business_days_.insert(t.business_day);
                          if (!t.operator_id.empty()) operators_.insert(t.operator_id);
                          auto& m = revenue_[t.currency];
                          switch (t.kind) {
                            case core::pos_transaction_kind::sale:
                              ++sales_;
                              m.sales += t.total_minor;
                              m.tax += t.tax_minor;
                              items_ += static_cast<std::int64_t>(t.items.size());
                              break;
                            case core::pos_transaction_kind::return_:
                              ++returns_;
                              m.returns += t.total_minor;
                              m.tax += t.tax_minor;
                              items_ += static_cast<std::int64_t>(t.items.size());
                              break;
                            case core::pos_transaction_kind::void_: ++voids_; break;
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

nlohmann::json ingest_summary::to_json() const {
  nlohmann::json revenue = nlohmann::json::object();
  for (const auto& [cur, m] : revenue_)
    revenue[cur] = {{"sales", decimal(m.sales, cur)},
                    {"returns", decimal(m.returns, cur)},
                    {"net", decimal(m.sales + m.returns, cur)},
                    {"tax", decimal(m.tax, cur)}};
  nlohmann::json rejected = nlohmann::json::array();
  for (const auto& [file, why] : rejected_) rejected.push_back({{"file", file}, {"reason", why}});
  return {{"files", files_},
          {"new", new_},
          {"duplicates", duplicates_},
          {"transactions", sales_ + returns_ + voids_},
          {"sales", sales_},
          {"returns", returns_},
          {"voids", voids_},
          {"items", items_},
          {"sign_ons", sign_ons_},
          {"sign_offs", sign_offs_},
          {"revenue", revenue},
          {"operators", operators_},
          {"workstations", workstations_},
          {"business_days", business_days_},
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
    << "stored:        " << new_ << " new, " << duplicates_ << " already stored\n"
    << "transactions:  " << sales_ + returns_ + voids_ << " (" << sales_ << " sales, " << returns_ << " returns, "
    << voids_ << " voids; " << items_ << " line items)\n"
    << "shifts:        " << sign_ons_ << " sign-ons, " << sign_offs_ << " sign-offs\n";
  for (const auto& [cur, m] : revenue_)
    o << "revenue " << cur << ":   sales " << decimal(m.sales, cur) << ", returns " << decimal(m.returns, cur)
      << ", net " << decimal(m.sales + m.returns, cur) << " (tax " << decimal(m.tax, cur) << ")\n";
  o << "operators:     " << list(operators_) << "\n"
    << "workstations:  " << list(workstations_) << "\n"
    << "business days: " << list(business_days_) << "\n";
  for (const auto& [kind, n] : ignored_) o << "ignored:       " << n << " x " << kind << "\n";
  o << "rejected:      " << rejected_.size() << "\n";
  for (const auto& [file, why] : rejected_) o << "  " << file << ": " << why << "\n";
  return o.str();
}

}  // namespace kelu
