#include "poslog_parser.hpp"

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include <algorithm>
#include <sstream>

#include "agent/core/money.hpp"

namespace kelu::drivers {

namespace {

using nlohmann::json;

constexpr std::string_view arts_ns = "http://www.nrf-arts.org/IXRetail/namespace/";

// Thrown inside one transaction; caught per transaction so the rest of the file flows.
struct bad {
  std::string what;
};

std::string_view local_name(std::string_view qname) {
  const auto c = qname.find(':');
  return c == std::string_view::npos ? qname : qname.substr(c + 1);
}

std::string_view prefix_of(std::string_view qname) {
  const auto c = qname.find(':');
  return c == std::string_view::npos ? std::string_view{} : qname.substr(0, c);
}

// The namespace URI bound to `prefix` where `n` stands (the default namespace for "").
std::string_view namespace_of(pugi::xml_node n, std::string_view prefix) {
  const std::string attr = prefix.empty() ? std::string("xmlns") : "xmlns:" + std::string(prefix);
  for (auto p = n; p; p = p.parent())
    if (p.type() == pugi::node_element)
      if (const auto a = p.attribute(attr.c_str())) return a.value();
  return {};
}

bool is_arts(pugi::xml_node n, std::string_view local) {
  return n.type() == pugi::node_element && local_name(n.name()) == local &&
         namespace_of(n, prefix_of(n.name())) == arts_ns;
}

pugi::xml_node child(pugi::xml_node n, std::string_view local) {
  for (auto c : n.children())
    if (is_arts(c, local)) return c;
  return {};
}

std::string trimmed(const char* s) {
  std::string_view v(s);
  const auto b = v.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const auto e = v.find_last_not_of(" \t\r\n");
  return std::string(v.substr(b, e - b + 1));
}

std::string text(pugi::xml_node n) { return trimmed(n.child_value()); }

std::string markup(pugi::xml_node n) {
  std::ostringstream os;
  n.print(os, "", pugi::format_raw);
  return os.str();
}

// Collects what has no slot: attributes as "@name", elements as their markup under their
// qualified name (an array when repeated).
class extras {
 public:
  void element(pugi::xml_node n, const std::string& prefix = "") {
    if (n.type() != pugi::node_element) return;
    auto& slot = j_[prefix + n.name()];
    const auto m = markup(n);
    if (slot.is_null())
      slot = m;
    else if (slot.is_array())
      slot.push_back(m);
    else
      slot = json::array({json(std::move(slot)), m});  // moved out first: slot is both source and target
  }
  void attribute(pugi::xml_attribute a, const std::string& prefix = "") { j_[prefix + "@" + a.name()] = a.value(); }
  void attributes_except(pugi::xml_node n, std::initializer_list<std::string_view> known) {
    for (auto a : n.attributes()) {
      const std::string_view name = a.name();
      if (name == "xmlns" || name.starts_with("xmlns:")) continue;
      if (std::find(known.begin(), known.end(), name) == known.end()) attribute(a);
    }
  }
  const json& value() const { return j_; }
  core::extensions str() const { return j_.empty() ? core::extensions{} : j_.dump(-1, ' ', false, json::error_handler_t::replace); }

 private:
  json j_ = json::object();
};

bool known(pugi::xml_node n, std::initializer_list<std::string_view> names) {
  for (auto name : names)
    if (is_arts(n, name)) return true;
  return false;
}

std::int64_t amount(pugi::xml_node n, int digits, const std::string& path) {
  const auto t = text(n);
  auto v = core::parse_decimal(t, digits);
  if (!v) throw bad{path + ": " + v.error_message()};
  return *v;
}

std::int64_t optional_amount(pugi::xml_node parent, std::string_view name, int digits, const std::string& path) {
  const auto n = child(parent, name);
  return n ? amount(n, digits, path + "/" + std::string(name)) : 0;
}

bool is_true(pugi::xml_attribute a) {
  const std::string_view v = a.value();
  return v == "true" || v == "1";
}

struct context {
  const poslog_options& options;
  const core::time_zone& zone;
};

// `outer` is the LineItem around the Sale/Return/Tender: its attributes and other children
// (SequenceNumber, vendor elements) are kept too, under "LineItem/...".
void keep_outer(extras& x, pugi::xml_node outer, pugi::xml_node inner) {
  for (auto a : outer.attributes()) x.attribute(a, "LineItem/");
  for (auto c : outer.children())
    if (c != inner) x.element(c, "LineItem/");
}

core::pos_line_item line_item(pugi::xml_node line, bool is_return, int digits, const std::string& path) {
  core::pos_line_item item;
  extras x;
  keep_outer(x, line.parent(), line);
  item.item_id = text(child(line, "ItemID"));
  if (item.item_id.empty()) item.item_id = text(child(child(line, "POSIdentity"), "POSItemID"));
  if (item.item_id.empty()) throw bad{path + ": no ItemID or POSIdentity/POSItemID"};
  item.description = text(child(line, "Description"));
  for (auto h : line.children())
    if (is_arts(h, "MerchandiseHierarchy") && (item.department.empty() || std::string_view(h.attribute("Level").value()) == "Department"))
      item.department = text(h);
  if (const auto q = child(line, "Quantity")) {
    auto v = core::parse_decimal(text(q), 3);
    if (!v) throw bad{path + "/Quantity: " + v.error_message()};
    item.quantity_milli = *v;
  }
  pugi::xml_node price;
  for (auto name : {"ActualSalesUnitPrice", "RegularSalesUnitPrice", "UnitListPrice"})
    if (!price) price = child(line, name);
  if (price) item.unit_price_minor = amount(price, digits, path + "/" + local_name(price.name()).data());
  // "Extended" means across the quantity: ExtendedDiscountAmount is the line's whole
  // discount; without it, DiscountAmount plus the price modifiers.
  std::int64_t discount = 0;
  if (const auto ed = child(line, "ExtendedDiscountAmount"); ed && amount(ed, digits, path) != 0) {
    discount = amount(ed, digits, path + "/ExtendedDiscountAmount");
  } else {
    discount = optional_amount(line, "DiscountAmount", digits, path);
    for (auto m : line.children())
      if (is_arts(m, "RetailPriceModifier")) discount += optional_amount(m, "Amount", digits, path + "/RetailPriceModifier");
  }
  item.discount_minor = discount < 0 ? -discount : discount;
  if (const auto ext = child(line, "ExtendedAmount")) {
    item.amount_minor = amount(ext, digits, path + "/ExtendedAmount") - item.discount_minor;
  } else {
    auto v = core::extended_amount(item.unit_price_minor, item.quantity_milli);
    if (!v) throw bad{path + ": unit price x quantity is out of range"};
    item.amount_minor = *v - item.discount_minor;
  }
  if (is_return) {
    // Money and goods go back: negative whatever sign the export used.
    item.quantity_milli = -std::abs(item.quantity_milli);
    item.amount_minor = -std::abs(item.amount_minor);
  }
  // Elements only partly mapped keep what was not: every hierarchy level, modifier reasons,
  // the unit of measure.
  for (auto c : line.children())
    if (!known(c, {"ItemID", "POSIdentity", "Description", "Quantity", "ActualSalesUnitPrice", "RegularSalesUnitPrice",
                   "UnitListPrice", "ExtendedAmount", "DiscountAmount", "ExtendedDiscountAmount"}))
      x.element(c);
  if (const auto q = child(line, "Quantity"))
    for (auto a : q.attributes()) x.attribute(a, "Quantity/");
  x.attributes_except(line, {});
  item.extra = x.str();
  return item;
}

core::pos_transaction retail(pugi::xml_node rt, core::pos_transaction t, const std::string& path) {
  const int digits = core::minor_digits(t.currency);
  extras x;
  const std::string_view status = rt.attribute("TransactionStatus").value();
  if (status == "Voided" || status == "Cancelled" || status == "Canceled") t.kind = core::pos_transaction_kind::void_;
  bool any_sale = false, any_return = false, grand_total = false;
  std::int64_t line_tax = 0;
  int line_no = 0;
  for (auto c : rt.children()) {
    if (!is_arts(c, "LineItem")) {
      if (is_arts(c, "Total")) {
        const std::string_view type = c.attribute("TotalType").value();
        if (type == "TransactionGrandAmount") {
          t.total_minor = amount(c, digits, path + "/Total[@TotalType=TransactionGrandAmount]");
          grand_total = true;
          continue;
        }
        if (type == "TransactionTaxAmount") {
          t.tax_minor = amount(c, digits, path + "/Total[@TotalType=TransactionTaxAmount]");
          continue;
        }
      }
      x.element(c);
      continue;
    }
    ++line_no;
    const auto lpath = path + "/LineItem[" + std::to_string(line_no) + "]";
    if (is_true(c.attribute("VoidFlag"))) {
      x.element(c);  // a line scanned then taken off: kept, not sold
      continue;
    }
    if (const auto sale = child(c, "Sale")) {
      t.items.push_back(line_item(sale, false, digits, lpath + "/Sale"));
      any_sale = true;
    } else if (const auto ret = child(c, "Return")) {
      t.items.push_back(line_item(ret, true, digits, lpath + "/Return"));
      any_return = true;
    } else if (const auto tender = child(c, "Tender")) {
      std::string method = tender.attribute("TenderType").value();
      if (method.empty()) method = text(child(tender, "TenderID"));
      extras tx;
      keep_outer(tx, c, tender);
      tx.attributes_except(tender, {"TenderType"});
      for (auto e : tender.children())
        if (!known(e, {"Amount", "TenderChange"})) tx.element(e);
      t.tenders.push_back({method.empty() ? "unknown" : method,
                           amount(child(tender, "Amount"), digits, lpath + "/Tender/Amount"), tx.str()});
      if (const auto change = child(tender, "TenderChange"))
        t.tenders.push_back(
            {"change", -std::abs(amount(child(change, "Amount"), digits, lpath + "/Tender/TenderChange/Amount")), ""});
    } else if (const auto tax = child(c, "Tax")) {
      line_tax += amount(child(tax, "Amount"), digits, lpath + "/Tax/Amount");
    } else {
      x.element(c);
    }
  }
  if (!grand_total) throw bad{path + ": no Total with TotalType=\"TransactionGrandAmount\""};
  if (t.tax_minor == 0) t.tax_minor = line_tax;
  if (any_return && !any_sale && t.kind == core::pos_transaction_kind::sale) {
    t.kind = core::pos_transaction_kind::return_;
    t.total_minor = -std::abs(t.total_minor);
    t.tax_minor = -std::abs(t.tax_minor);
  }
  x.attributes_except(rt, {"TransactionStatus", "Version"});
  if (!x.value().empty()) {
    // Merge with the Transaction-level extras already in t.extra.
    auto merged = t.extra.empty() ? json::object() : json::parse(t.extra);
    for (const auto& [k, v] : x.value().items()) merged["RetailTransaction/" + k] = v;
    t.extra = merged.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  return t;
}

void transaction(pugi::xml_node tx, const context& ctx, file_records& out, const std::string& path) {
  const auto workstation = text(child(tx, "WorkstationID"));
  if (workstation.empty()) throw bad{path + ": no WorkstationID"};
  auto seq = text(child(tx, "SequenceNumber"));
  if (seq.empty()) seq = text(child(tx, "TransactionID"));
  if (seq.empty()) throw bad{path + ": no SequenceNumber or TransactionID"};
  const auto where = path + " (WorkstationID " + workstation + ", SequenceNumber " + seq + ")";
  if (is_true(tx.attribute("TrainingModeFlag"))) {
    ++out.ignored;
    out.ignored_kinds.push_back("training");
    return;
  }
  parsed_record rec;
  auto day = text(child(tx, "BusinessDayDate"));
  if (!day.empty()) {
    day = day.substr(0, 10);  // some exports add a time to the date
    if (!core::parse_iso8601_parts(day + "T00:00:00"))
      throw bad{where + "/BusinessDayDate: \"" + day + "\" is not a date"};
  }
  for (auto name : {"EndDateTime", "BeginDateTime"}) {
    if (rec.time) break;
    if (const auto n = child(tx, name)) {
      auto t = core::parse_iso8601(text(n), ctx.zone);
      if (!t) throw bad{where + "/" + name + ": " + t.error_message()};
      rec.time = *t;
    }
  }
  const auto op = child(tx, "OperatorID");
  extras x;
  for (auto c : tx.children())
    if (!known(c, {"WorkstationID", "SequenceNumber", "TransactionID", "BusinessDayDate", "EndDateTime",
                   "BeginDateTime", "OperatorID", "CurrencyCode", "RetailTransaction", "ControlTransaction"}))
      x.element(c);
  x.attributes_except(tx, {"CancelFlag", "TrainingModeFlag"});

  if (const auto rt = child(tx, "RetailTransaction")) {
    core::pos_transaction t;
    t.terminal = workstation;
    t.transaction_id = seq;
    t.business_day = day;
    t.operator_id = text(op);
    t.operator_name = op.attribute("OperatorName").value();
    t.currency = text(child(tx, "CurrencyCode"));
    if (t.currency.empty()) t.currency = ctx.options.default_currency;
    if (t.currency.size() != 3) throw bad{where + "/CurrencyCode: \"" + t.currency + "\" is not an ISO 4217 code"};
    t.extra = x.str();
    t = retail(rt, std::move(t), where + "/RetailTransaction");
    if (is_true(tx.attribute("CancelFlag"))) t.kind = core::pos_transaction_kind::void_;
    rec.record = std::move(t);
    out.records.push_back(std::move(rec));
    return;
  }
  if (const auto ct = child(tx, "ControlTransaction")) {
    const auto on = child(ct, "OperatorSignOn");
    const auto off = child(ct, "OperatorSignOff");
    if (!on && !off) {
      // Counted with its kind; found by fuzz_poslog: one without a kind element was counted
      // as ignored with no kind to show for it.
      ++out.ignored;
      std::string kind = "ControlTransaction";
      for (auto c : ct.children())
        if (c.type() == pugi::node_element && !is_arts(c, "ReasonCode")) {
          kind += "/" + std::string(local_name(c.name()));
          break;
        }
      out.ignored_kinds.push_back(std::move(kind));
      return;
    }
    core::pos_operator o;
    o.terminal = workstation;
    o.transaction_id = seq;
    o.business_day = day;
    o.operator_id = text(op);
    if (o.operator_id.empty()) throw bad{where + ": operator sign-on/off without OperatorID"};
    o.operator_name = op.attribute("OperatorName").value();
    o.action = on ? core::pos_operator_action::sign_on : core::pos_operator_action::sign_off;
    for (auto c : ct.children())
      if (!known(c, {"OperatorSignOn", "OperatorSignOff"})) x.element(c);
    o.extra = x.str();
    rec.record = std::move(o);
    out.records.push_back(std::move(rec));
    return;
  }
  ++out.ignored;
  for (auto c : tx.children())
    if (c.type() == pugi::node_element && local_name(c.name()).ends_with("Transaction")) {
      out.ignored_kinds.emplace_back(local_name(c.name()));
      return;
    }
  out.ignored_kinds.emplace_back("Transaction without a body");
}

// pugixml reports byte offsets; technicians read line numbers.
std::string position(std::string_view text, std::ptrdiff_t offset) {
  if (offset < 0) return "";
  const auto upto = text.substr(0, std::min(text.size(), static_cast<std::size_t>(offset)));
  const auto line = 1 + std::count(upto.begin(), upto.end(), '\n');
  return "line " + std::to_string(line) + ", byte " + std::to_string(offset);
}

}  // namespace

core::result<file_records> parse_poslog(std::string_view xml, const poslog_options& options) {
  pugi::xml_document doc;
  const auto parsed = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_auto);
  const auto root = doc.document_element();
  const auto broken = position(xml, parsed.offset) + ": malformed XML: " + parsed.description();
  const auto utc = core::time_zone::utc();
  const context ctx{options, options.zone ? *options.zone : utc};
  file_records out;
  const auto one = [&](pugi::xml_node tx, const std::string& path) {
    try {
      transaction(tx, ctx, out, path);
    } catch (const bad& b) {
      out.errors.push_back(position(xml, tx.offset_debug()) + ": " + b.what);
    }
  };
  if (parsed && is_arts(root, "Transaction")) {
    one(root, "Transaction");
    return out;
  }
  if (!is_arts(root, "POSLog")) {
    if (!parsed) return core::error{broken};
    return core::error{"not an ARTS POSLog: the root element is <" + std::string(root.name()) + "> in namespace \"" +
                       std::string(namespace_of(root, prefix_of(root.name()))) + "\", expected POSLog in \"" +
                       std::string(arts_ns) + "\""};
  }
  // A truncated file (a copy cut short, a full disk at the till) still holds every
  // transaction before the break: pugixml keeps what it parsed, and each Transaction
  // followed by another was closed. The one at the break is not read.
  std::vector<pugi::xml_node> transactions;
  for (auto tx : root.children()) {
    if (is_arts(tx, "Transaction")) {
      transactions.push_back(tx);
    } else if (tx.type() == pugi::node_element) {
      ++out.ignored;
      out.ignored_kinds.push_back("non-ARTS element <" + std::string(tx.name()) + "> in POSLog");
    }
  }
  if (!parsed && !transactions.empty()) transactions.pop_back();
  int index = 0;
  for (auto tx : transactions) one(tx, "Transaction[" + std::to_string(++index) + "]");
  if (!parsed)
    out.errors.push_back(broken + " (the " + std::to_string(transactions.size()) +
                         " complete transaction(s) before it were read)");
  return out;
}

}  // namespace kelu::drivers
