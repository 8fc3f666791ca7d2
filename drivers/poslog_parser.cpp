// SPDX-License-Identifier: Apache-2.0
#include "poslog_parser.hpp"

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include <algorithm>
#include <optional>

#include "core/money.hpp"
#include "poslog_xml.hpp"

namespace kelu::drivers {

namespace {

using nlohmann::json;
using namespace poslog_xml;

// Thrown inside one transaction; caught per transaction so the rest of the file flows.
struct bad {
  std::string what;
};

struct context {
  const poslog_options& options;
  const core::time_zone& zone;
  file_records& out;
  void warn(const std::string& what) const { ++out.warnings[what]; }
};

// Absent or empty (a cash-rounding line, a comment) is no amount; malformed is an error.
std::optional<std::int64_t> amount_in(pugi::xml_node n, int digits, const std::string& path) {
  if (!n) return std::nullopt;
  const auto t = text(n);
  if (t.empty()) return std::nullopt;
  auto v = core::parse_decimal(t, digits);
  if (!v) throw bad{path + ": " + v.error_message()};
  return *v;
}

std::optional<std::int64_t> amount_of(pugi::xml_node parent, std::string_view name, int digits, const std::string& path) {
  return amount_in(child(parent, name), digits, path + "/" + std::string(name));
}

std::string attribute_of(pugi::xml_node n, std::initializer_list<const char*> names) {
  for (auto name : names)
    if (const auto a = n.attribute(name); a && *a.value()) return a.value();
  return {};
}

struct person {
  std::string id, name;
};

// The sales associate (导购 / 营业员) recorded apart from the cashier, on a line or a whole
// transaction. ARTS and its vendors spell it several ways: an Associate element (with
// AssociateID, its role not Cashier), SalesAssociate, or a bare SalesAssociateID/SalespersonID.
bool is_salesperson_element(pugi::xml_node n) {
  return is_any_arts(n, {"Associate", "SalesAssociate", "SalesAssociateID", "SalespersonID"});
}

std::optional<person> salesperson_in(pugi::xml_node n) {
  for (auto c : n.children()) {
    if (!is_salesperson_element(c)) continue;
    const auto role = attribute_of(c, {"AssociateRole", "Role", "TypeCode"});
    if (role == "Cashier" || role == "Operator") continue;
    person p;
    for (auto id : {"AssociateID", "OperatorID", "EmployeeID", "ID"})
      if (p.id.empty()) p.id = text(child(c, id));
    if (p.id.empty() && !c.first_child().first_child()) p.id = text(c);  // text only, no sub-elements
    p.name = attribute_of(c, {"AssociateName", "OperatorName", "Name"});
    if (p.name.empty()) p.name = text(child(c, "Name"));
    if (!p.id.empty()) return p;
  }
  return std::nullopt;
}

// `outer` is the LineItem around the Sale/Return/Tender: its attributes and other children
// (SequenceNumber, vendor elements) are kept too, under "LineItem/...".
void keep_outer(extras& x, pugi::xml_node outer, pugi::xml_node inner) {
  for (auto a : outer.attributes()) x.attribute(a, "LineItem/");
  for (auto c : outer.children())
    if (c != inner && !is_salesperson_element(c)) x.element(c, "LineItem/");
}

std::int64_t quantity_value(pugi::xml_node q, const std::string& path) {
  auto v = core::parse_decimal(text(q), 3);
  if (!v) throw bad{path + "/Quantity: " + v.error_message()};
  return *v;
}

// A line may carry several Quantity elements (units and weight: "1 EA" and "0.375 KGM").
// The one that priced the line is the one price x quantity gives the extended amount for;
// else the first counted in units; else the first.
pugi::xml_node priced_quantity(const std::vector<pugi::xml_node>& qs, std::optional<std::int64_t> price,
                               std::optional<std::int64_t> extended, const std::string& path) {
  if (qs.size() <= 1) return qs.empty() ? pugi::xml_node{} : qs.front();
  if (price && extended)
    for (auto q : qs)
      if (core::extended_amount(*price, quantity_value(q, path)) == extended) return q;
  for (auto q : qs) {
    const std::string_view unit = q.attribute("UnitOfMeasureCode").value();
    if (unit.empty() || unit == "EA" || unit == "Each" || unit == "PCE" || unit == "C62") return q;
  }
  return qs.front();
}

struct line_reader {
  const context& ctx;
  int digits;
  std::string kind;  // "Sale" or "Return"
  std::string path;

  // Empty when the line has no amount to sell (skipped, counted in warnings).
  std::optional<core::pos_line_item> read(pugi::xml_node line, bool is_return) const;
  std::int64_t discount(pugi::xml_node line) const;
};

std::int64_t line_reader::discount(pugi::xml_node line) const {
  // "Extended" means across the quantity: ExtendedDiscountAmount is the line's whole
  // discount; without it, DiscountAmount plus the price modifiers.
  std::int64_t d = amount_of(line, "ExtendedDiscountAmount", digits, path).value_or(0);
  if (d == 0) {
    d = amount_of(line, "DiscountAmount", digits, path).value_or(0);
    for (auto m : children(line, "RetailPriceModifier"))
      d += amount_of(m, "Amount", digits, path + "/RetailPriceModifier").value_or(0);
  }
  return d < 0 ? -d : d;
}

std::optional<core::pos_line_item> line_reader::read(pugi::xml_node line, bool is_return) const {
  core::pos_line_item item;
  std::optional<std::int64_t> price;
  for (auto name : {"ActualSalesUnitPrice", "RegularSalesUnitPrice", "UnitListPrice"})
    if (!price) price = amount_of(line, name, digits, path);
  const auto extended = amount_of(line, "ExtendedAmount", digits, path);
  if (!extended && !price) {
    ctx.warn(kind + " line with an empty or absent amount (ExtendedAmount, unit price): line skipped");
    return std::nullopt;
  }
  item.item_id = text(child(line, "ItemID"));
  if (item.item_id.empty()) item.item_id = text(child(child(line, "POSIdentity"), "POSItemID"));
  if (item.item_id.empty()) {
    ctx.warn(kind + " line without ItemID or POSIdentity/POSItemID: kept as item \"unidentified\"");
    item.item_id = "unidentified";
  }
  item.description = text(child(line, "Description"));
  for (auto h : children(line, "MerchandiseHierarchy"))
    if (item.department.empty() || std::string_view(h.attribute("Level").value()) == "Department")
      item.department = text(h);
  const auto quantities = children(line, "Quantity");
  const auto quantity = priced_quantity(quantities, price, extended, path);
  if (quantity) item.quantity_milli = quantity_value(quantity, path);
  item.unit_price_minor = price.value_or(0);
  item.discount_minor = discount(line);
  if (extended) {
    item.amount_minor = *extended - item.discount_minor;
  } else {
    auto v = core::extended_amount(*price, item.quantity_milli);
    if (!v) throw bad{path + ": unit price x quantity is out of range"};
    item.amount_minor = *v - item.discount_minor;
  }
  if (is_return) {
    // Money and goods go back: negative whatever sign the export used.
    item.quantity_milli = -std::abs(item.quantity_milli);
    item.amount_minor = -std::abs(item.amount_minor);
  }
  const auto sp = salesperson_in(line);
  const auto outer_sp = sp ? sp : salesperson_in(line.parent());
  if (outer_sp) {
    item.salesperson_id = outer_sp->id;
    item.salesperson_name = outer_sp->name;
  }
  // Elements only partly mapped keep what was not: every hierarchy level, modifier reasons,
  // the unit of measure, the other quantities of a line weighed and counted.
  extras x;
  keep_outer(x, line.parent(), line);
  for (auto c : line.children())
    if (!is_any_arts(c, {"ItemID", "POSIdentity", "Description", "Quantity", "ActualSalesUnitPrice",
                         "RegularSalesUnitPrice", "UnitListPrice", "ExtendedAmount", "DiscountAmount",
                         "ExtendedDiscountAmount"}) &&
        !is_salesperson_element(c))
      x.element(c);
  for (auto q : quantities)
    if (q != quantity) x.element(q);
  if (quantity)
    for (auto a : quantity.attributes()) x.attribute(a, "Quantity/");
  x.attributes_except(line, {});
  item.extra = x.str();
  return item;
}

// What a RetailTransaction says about its money, before a total is chosen.
struct money_seen {
  std::optional<std::int64_t> grand, net, tax;
  std::int64_t line_tax = 0;
  std::int64_t tenders = 0;
  bool any_tender = false;
};

// The grand total when the till wrote one; else the net amount plus tax; else the tenders;
// else the lines plus tax. total_from records which.
void settle_total(core::pos_transaction& t, const money_seen& m, const std::string& path) {
  t.tax_minor = m.tax.value_or(m.line_tax);
  if (m.grand) {
    t.total_minor = *m.grand;
  } else if (m.net) {
    t.total_minor = *m.net + t.tax_minor;
    t.total_from = "net_plus_tax";
  } else if (m.any_tender) {
    t.total_minor = m.tenders;
    t.total_from = "tenders";
  } else {
    const bool money_kind = t.kind == core::pos_transaction_kind::sale || t.kind == core::pos_transaction_kind::return_;
    if (t.items.empty() && money_kind)
      throw bad{path + ": no total (Total TransactionGrandAmount or TransactionNetAmount), tender or line to take one from"};
    std::int64_t lines = 0;
    for (const auto& i : t.items) lines += i.amount_minor;
    t.total_minor = lines + t.tax_minor;
    t.total_from = "lines";
  }
}

void read_tender(pugi::xml_node outer, pugi::xml_node tender, int digits, const std::string& path, const context& ctx,
                 core::pos_transaction& t, money_seen& m) {
  const auto value = amount_of(tender, "Amount", digits, path);
  if (!value) {
    ctx.warn("Tender with an empty or absent Amount: tender skipped");
    return;
  }
  std::string method = tender.attribute("TenderType").value();
  if (method.empty()) method = text(child(tender, "TenderID"));
  extras tx;
  keep_outer(tx, outer, tender);
  tx.attributes_except(tender, {"TenderType"});
  for (auto e : tender.children())
    if (!is_any_arts(e, {"Amount", "TenderChange"})) tx.element(e);
  t.tenders.push_back({method.empty() ? "unknown" : method, *value, tx.str()});
  m.tenders += *value;
  m.any_tender = true;
  if (const auto change = child(tender, "TenderChange")) {
    const auto back = amount_of(change, "Amount", digits, path + "/TenderChange");
    if (!back) {
      ctx.warn("TenderChange with an empty or absent Amount: change skipped");
      return;
    }
    t.tenders.push_back({"change", -std::abs(*back), ""});
    m.tenders -= std::abs(*back);
  }
}

// Totals by TotalType; anything else is kept, and so is the net amount, which has no field
// of its own in the event.
bool read_total(pugi::xml_node c, int digits, const std::string& path, const context& ctx, money_seen& m, extras& x) {
  if (!is_arts(c, "Total")) return false;
  const std::string type = c.attribute("TotalType").value();
  std::optional<std::int64_t>* slot = type == "TransactionGrandAmount" ? &m.grand
                                      : type == "TransactionNetAmount" ? &m.net
                                      : type == "TransactionTaxAmount" ? &m.tax
                                                                       : nullptr;
  if (!slot) return false;
  if (slot == &m.net) x.element(c);
  *slot = amount_in(c, digits, path + "/Total[@TotalType=" + type + "]");
  if (!*slot) ctx.warn("Total " + type + " empty: read as absent");
  return true;
}

core::pos_transaction_kind status_kind(pugi::xml_node tx, pugi::xml_node rt) {
  if (flag(tx, "TrainingModeFlag") || flag(rt, "TrainingModeFlag")) return core::pos_transaction_kind::training;
  if (flag(tx, "CancelFlag")) return core::pos_transaction_kind::void_;
  std::string status = attribute_of(rt, {"TransactionStatus"});
  if (status.empty()) status = attribute_of(tx, {"TransactionStatus"});
  if (status.empty()) status = text(child(rt, "TransactionStatus"));
  if (status.empty()) status = text(child(tx, "TransactionStatus"));
  if (status == "Voided" || status == "PostVoided" || status == "Cancelled" || status == "Canceled" ||
      status == "SuspendedDeleted")
    return core::pos_transaction_kind::void_;
  if (status == "Suspended") return core::pos_transaction_kind::suspended;
  return core::pos_transaction_kind::sale;
}

void read_line_items(pugi::xml_node rt, core::pos_transaction& t, money_seen& m, extras& x, const context& ctx,
                     const std::string& path) {
  const int digits = core::minor_digits(t.currency);
  bool any_sale = false, any_return = false;
  int line_no = 0;
  for (auto c : rt.children()) {
    if (!is_arts(c, "LineItem")) {
      if (!read_total(c, digits, path, ctx, m, x) && !is_salesperson_element(c) &&
          !is_arts(c, "TransactionStatus") && !is_arts(c, "TrainingModeFlag"))
        x.element(c);
      continue;
    }
    const auto lpath = path + "/LineItem[" + std::to_string(++line_no) + "]";
    if (flag(c, "VoidFlag")) {
      x.element(c);  // a line scanned then taken off: kept, not sold
      continue;
    }
    if (const auto sale = child(c, "Sale")) {
      if (auto item = line_reader{ctx, digits, "Sale", lpath + "/Sale"}.read(sale, false)) {
        t.items.push_back(std::move(*item));
        any_sale = true;
      }
    } else if (const auto ret = child(c, "Return")) {
      if (auto item = line_reader{ctx, digits, "Return", lpath + "/Return"}.read(ret, true)) {
        t.items.push_back(std::move(*item));
        any_return = true;
      }
    } else if (const auto tender = child(c, "Tender")) {
      read_tender(c, tender, digits, lpath + "/Tender", ctx, t, m);
    } else if (const auto tax = child(c, "Tax")) {
      if (const auto v = amount_of(tax, "Amount", digits, lpath + "/Tax"))
        m.line_tax += *v;
      else
        ctx.warn("Tax line with an empty or absent Amount: line skipped");
    } else {
      x.element(c);
    }
  }
  if (any_return && !any_sale && t.kind == core::pos_transaction_kind::sale) t.kind = core::pos_transaction_kind::return_;
}

core::pos_transaction retail(pugi::xml_node rt, core::pos_transaction t, const context& ctx, const std::string& path) {
  extras x;
  money_seen m;
  read_line_items(rt, t, m, x, ctx, path);
  settle_total(t, m, path);
  if (t.kind == core::pos_transaction_kind::return_) {
    t.total_minor = -std::abs(t.total_minor);
    t.tax_minor = -std::abs(t.tax_minor);
  }
  if (const auto sp = salesperson_in(rt)) {
    t.salesperson_id = sp->id;
    t.salesperson_name = sp->name;
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

// The transaction's currency: CurrencyCode, else the CurrencyCode/Currency attribute its
// amounts carry (some exports say it only there), else the store's.
std::string currency_of(pugi::xml_node tx, pugi::xml_node rt, const context& ctx) {
  auto code = text(child(tx, "CurrencyCode"));
  if (!code.empty()) return code;
  const auto tagged = rt.find_node([](pugi::xml_node n) {
    return n.type() == pugi::node_element && (n.attribute("CurrencyCode") || n.attribute("Currency"));
  });
  if (tagged) {
    ctx.warn("currency read from the amounts' CurrencyCode attribute (no Transaction/CurrencyCode)");
    return attribute_of(tagged, {"CurrencyCode", "Currency"});
  }
  return ctx.options.default_currency;
}

void ignore(file_records& out, std::string kind) {
  ++out.ignored;
  out.ignored_kinds.push_back(std::move(kind));
}

void control(pugi::xml_node ct, core::pos_operator o, extras& x, file_records& out, const std::string& where) {
  const auto on = child(ct, "OperatorSignOn");
  const auto off = child(ct, "OperatorSignOff");
  if (!on && !off) {
    // Counted with its kind; found by fuzz_poslog: one without a kind element was counted
    // as ignored with no kind to show for it.
    std::string kind = "ControlTransaction";
    for (auto c : ct.children())
      if (c.type() == pugi::node_element && !is_arts(c, "ReasonCode")) {
        kind += "/" + std::string(local_name(c.name()));
        break;
      }
    ignore(out, std::move(kind));
    return;
  }
  if (o.operator_id.empty()) throw bad{where + ": operator sign-on/off without OperatorID"};
  o.action = on ? core::pos_operator_action::sign_on : core::pos_operator_action::sign_off;
  for (auto c : ct.children())
    if (!is_any_arts(c, {"OperatorSignOn", "OperatorSignOff"})) x.element(c);
  o.extra = x.str();
  out.records.push_back({std::move(o), std::nullopt});
}

std::optional<core::utc_time> time_of(pugi::xml_node tx, const context& ctx, const std::string& where) {
  for (auto name : {"EndDateTime", "BeginDateTime"})
    if (const auto n = child(tx, name)) {
      auto t = core::parse_iso8601(text(n), ctx.zone);
      if (!t) throw bad{where + "/" + name + ": " + t.error_message()};
      return *t;
    }
  return std::nullopt;
}

void transaction(pugi::xml_node tx, const context& ctx, const std::string& path) {
  const auto workstation = text(child(tx, "WorkstationID"));
  if (workstation.empty()) throw bad{path + ": no WorkstationID"};
  auto seq = text(child(tx, "SequenceNumber"));
  if (seq.empty()) seq = text(child(tx, "TransactionID"));
  if (seq.empty()) throw bad{path + ": no SequenceNumber or TransactionID"};
  const auto where = path + " (WorkstationID " + workstation + ", SequenceNumber " + seq + ")";
  auto day = text(child(tx, "BusinessDayDate"));
  if (!day.empty()) {
    day = day.substr(0, 10);  // some exports add a time to the date
    if (!core::parse_iso8601_parts(day + "T00:00:00"))
      throw bad{where + "/BusinessDayDate: \"" + day + "\" is not a date"};
  }
  const auto time = time_of(tx, ctx, where);
  const auto op = child(tx, "OperatorID");
  extras x;
  for (auto c : tx.children())
    if (!is_any_arts(c, {"WorkstationID", "SequenceNumber", "TransactionID", "BusinessDayDate", "EndDateTime",
                         "BeginDateTime", "OperatorID", "CurrencyCode", "RetailTransaction", "ControlTransaction",
                         "CancelFlag", "TrainingModeFlag", "TransactionStatus"}))
      x.element(c);
  x.attributes_except(tx, {"CancelFlag", "TrainingModeFlag", "TransactionStatus"});

  if (const auto rt = child(tx, "RetailTransaction")) {
    core::pos_transaction t;
    t.terminal = workstation;
    t.transaction_id = seq;
    t.business_day = day;
    t.operator_id = text(op);
    t.operator_name = op.attribute("OperatorName").value();
    t.currency = currency_of(tx, rt, ctx);
    if (t.currency.size() != 3) throw bad{where + "/CurrencyCode: \"" + t.currency + "\" is not an ISO 4217 code"};
    t.kind = status_kind(tx, rt);
    t.extra = x.str();
    ctx.out.records.push_back({retail(rt, std::move(t), ctx, where + "/RetailTransaction"), time});
    return;
  }
  if (const auto ct = child(tx, "ControlTransaction")) {
    if (flag(tx, "TrainingModeFlag")) return ignore(ctx.out, "training");
    core::pos_operator o;
    o.terminal = workstation;
    o.transaction_id = seq;
    o.business_day = day;
    o.operator_id = text(op);
    o.operator_name = op.attribute("OperatorName").value();
    const auto before = ctx.out.records.size();
    control(ct, std::move(o), x, ctx.out, where);
    if (ctx.out.records.size() > before) ctx.out.records.back().time = time;
    return;
  }
  for (auto c : tx.children())
    if (c.type() == pugi::node_element && local_name(c.name()).ends_with("Transaction"))
      return ignore(ctx.out, std::string(local_name(c.name())));
  ignore(ctx.out, "Transaction without a body");
}

}  // namespace

core::result<file_records> parse_poslog(std::string_view xml, const poslog_options& options) {
  pugi::xml_document doc;
  const auto parsed = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_auto);
  const auto root = doc.document_element();
  const auto broken = position(xml, parsed.offset) + ": malformed XML: " + parsed.description();
  const auto utc = core::time_zone::utc();
  file_records out;
  const context ctx{options, options.zone ? *options.zone : utc, out};
  const auto one = [&](pugi::xml_node tx, const std::string& path) {
    try {
      transaction(tx, ctx, path);
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
                       std::string(namespace_of(root)) +
                       "\", expected POSLog in an ARTS namespace (http://www.nrf-arts.org/IXRetail/...) or in none"};
  }
  // A truncated file (a copy cut short, a full disk at the till) still holds every
  // transaction before the break: pugixml keeps what it parsed, and each Transaction
  // followed by another was closed. The one at the break is not read.
  std::vector<pugi::xml_node> transactions;
  for (auto tx : root.children()) {
    if (is_arts(tx, "Transaction"))
      transactions.push_back(tx);
    else if (tx.type() == pugi::node_element)
      ignore(out, "<" + std::string(tx.name()) + "> in POSLog (not a Transaction)");
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
