#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes input.xml, 500 POSLog transactions of mixed kinds as several vendors write them, and
expected-summary.json, the figures `kelu ingest` must report, computed here with Python's Decimal
independently of the C++ parser. Deterministic (fixed seed): rerun only to change the case.

Kinds, in proportion: sales with a grand total, sales with only a net amount and tax, sales with
only tenders, returns, voids, suspended and training transactions, sign-ons and sign-offs, no-sale
control transactions; some tenders with an empty amount (cash rounding), some weighed lines with
both a unit and a weight quantity, some sales in USD in a CNY store, and a few malformed amounts."""
import json
import random
from decimal import Decimal
from pathlib import Path

rng = random.Random(20261202)
here = Path(__file__).parent
NS = "http://www.nrf-arts.org/IXRetail/namespace/"

out = []
summary = {
    "transactions": 0, "sales": 0, "returns": 0, "voids": 0, "suspended": 0, "training": 0,
    "items": 0, "sign_ons": 0, "sign_offs": 0,
    "total_from": {}, "warnings": {}, "ignored": {},
}
revenue = {}
tenders = {"matched": 0, "mismatched": 0, "without_tenders": 0, "examples": []}
rejected = 0


def money(d):
    return f"{d:.2f}"


def bump(table, key, n=1):
    table[key] = table.get(key, 0) + n


def lines_xml(n, is_return):
    """n line items; returns (xml, sum of amounts)."""
    xml, total = [], Decimal(0)
    tag = "Return" if is_return else "Sale"
    for _ in range(n):
        if rng.random() < 0.2:
            price = Decimal(rng.randint(500, 9000)) / 100
            kg = Decimal(rng.randint(100, 2000)) / 1000
            amount = (price * kg).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
            xml.append(f"<LineItem><{tag}><ItemID>W{rng.randint(1, 50)}</ItemID>"
                       f"<ActualSalesUnitPrice>{money(price)}</ActualSalesUnitPrice>"
                       f"<Quantity Units=\"1\" UnitOfMeasureCode=\"EA\">1</Quantity>"
                       f"<Quantity UnitOfMeasureCode=\"KGM\">{kg}</Quantity>"
                       f"<ExtendedAmount>{money(amount)}</ExtendedAmount></{tag}></LineItem>")
        else:
            price = Decimal(rng.randint(100, 30000)) / 100
            qty = rng.randint(1, 3)
            amount = price * qty
            xml.append(f"<LineItem><{tag}><ItemID>{rng.randint(1000, 1200)}</ItemID>"
                       f"<RegularSalesUnitPrice>{money(price)}</RegularSalesUnitPrice><Quantity>{qty}</Quantity>"
                       f"<ExtendedAmount>{money(amount)}</ExtendedAmount></{tag}></LineItem>")
        total += amount
    return "".join(xml), total


def header(seq, terminal, extra=""):
    return (f"<Transaction{extra}><WorkstationID>{terminal}</WorkstationID><SequenceNumber>{seq}</SequenceNumber>"
            f"<BusinessDayDate>2026-11-30</BusinessDayDate>"
            f"<EndDateTime>2026-11-30T{8 + seq // 40:02d}:{seq % 60:02d}:00+08:00</EndDateTime>"
            f"<OperatorID>E{seq % 7}</OperatorID>")


for seq in range(1, 501):
    terminal = f"T{1 + seq % 3}"
    r = rng.random()
    if r < 0.04:
        kind = "sign_on" if seq % 2 else "sign_off"
        body = "<OperatorSignOn/>" if kind == "sign_on" else "<OperatorSignOff/>"
        out.append(header(seq, terminal) + f"<ControlTransaction>{body}</ControlTransaction></Transaction>")
        bump(summary, "sign_ons" if kind == "sign_on" else "sign_offs")
        continue
    if r < 0.06:
        out.append(header(seq, terminal) + "<ControlTransaction><NoSale/></ControlTransaction></Transaction>")
        bump(summary["ignored"], "ControlTransaction/NoSale")
        continue
    if r < 0.07:  # a malformed amount: this transaction is rejected, the rest of the file goes in
        out.append(header(seq, terminal) + "<RetailTransaction><LineItem><Sale><ItemID>X</ItemID>"
                   "<ExtendedAmount>1.2.3</ExtendedAmount></Sale></LineItem>"
                   "<Total TotalType=\"TransactionGrandAmount\">1.23</Total></RetailTransaction></Transaction>")
        rejected += 1
        continue
    is_return = r < 0.15
    status = ""
    kind = "return" if is_return else "sale"
    if not is_return:
        k = rng.random()
        if k < 0.05:
            kind, status = "void", " TransactionStatus=\"Voided\""
        elif k < 0.08:
            kind, status = "suspended", " TransactionStatus=\"Suspended\""
    training = not is_return and kind == "sale" and rng.random() < 0.03
    if training:
        kind = "training"
    currency = "USD" if kind == "sale" and rng.random() < 0.05 else "CNY"
    items_xml, items_total = lines_xml(rng.randint(1, 4), is_return)
    tax = (items_total * Decimal("0.13")).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    total = items_total + tax
    rule = rng.random()
    parts = [items_xml, f"<LineItem><Tax><Amount>{money(tax)}</Amount></Tax></LineItem>"]
    paid = total if rng.random() < 0.9 else total + Decimal("0.50")  # some tills record a tip
    has_tender = rule >= 0.1 or kind != "sale"
    if has_tender:
        parts.append(f"<LineItem><Tender TenderType=\"Cash\"><Amount>{money(paid)}</Amount></Tender></LineItem>")
    if rng.random() < 0.1:
        parts.append("<LineItem><Tender TenderType=\"Rounding\"><Amount/></Tender></LineItem>")
        bump(summary["warnings"], "Tender with an empty or absent Amount: tender skipped")
    if kind != "sale" or rule >= 0.3:
        parts.append(f"<Total TotalType=\"TransactionGrandAmount\">{money(total)}</Total>")
        from_ = "as given"
        recorded = total
    elif rule >= 0.1:
        parts.append(f"<Total TotalType=\"TransactionNetAmount\">{money(items_total)}</Total>")
        from_ = "net_plus_tax"
        recorded = total
    else:  # no total, no tender: the lines plus tax
        from_ = "lines"
        recorded = total
    bump(summary["total_from"], from_)
    flag = " TrainingModeFlag=\"true\"" if training else ""
    currency_xml = f"<CurrencyCode>{currency}</CurrencyCode>"
    out.append(header(seq, terminal, flag) + currency_xml + f"<RetailTransaction{status}>" + "".join(parts) +
               "</RetailTransaction></Transaction>")
    bump(summary, "transactions")
    plural = {"sale": "sales", "return": "returns", "void": "voids"}.get(kind, kind)
    bump(summary, plural)
    if kind in ("sale", "return"):
        summary["items"] += items_xml.count("<LineItem>")
        m = revenue.setdefault(currency, {"sales": Decimal(0), "returns": Decimal(0), "tax": Decimal(0)})
        if kind == "sale":
            m["sales"] += recorded
            m["tax"] += tax
        else:
            m["returns"] -= recorded
            m["tax"] -= tax
        if not has_tender:
            tenders["without_tenders"] += 1
        elif paid == recorded:
            tenders["matched"] += 1
        else:
            tenders["mismatched"] += 1
            if len(tenders["examples"]) < 5:
                sign = "" if kind == "sale" else "-"
                tenders["examples"].append(f"terminal {terminal} transaction {seq}: tenders {money(paid)} "
                                           f"vs total {sign}{money(recorded)} {currency}")

summary["revenue"] = {c: {"sales": money(m["sales"]), "returns": money(m["returns"]),
                          "net": money(m["sales"] + m["returns"]), "tax": money(m["tax"])}
                      for c, m in sorted(revenue.items())}
summary["tenders"] = tenders
summary["rejected_count"] = rejected  # the golden test compares it with the number of errors
xml = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- Generated by make.py: do not edit. -->\n"
       f"<POSLog xmlns=\"{NS}\">\n" + "\n".join(out) + "\n</POSLog>\n")
(here / "input.xml").write_text(xml)
(here / "expected-summary.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
