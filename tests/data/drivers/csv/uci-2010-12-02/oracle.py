#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Computes expected-summary.json for the UCI Online Retail day with Python's csv and Decimal,
# independently of Kelu's parser: usage oracle.py ../shared/data/pos/uci-online-retail/2010-12-02.csv
import csv, decimal, json, sys
from decimal import Decimal, ROUND_HALF_UP
inv = {}
with open(sys.argv[1], newline='') as f:
    for r in csv.DictReader(f):
        t = inv.setdefault(r['InvoiceNo'], {'items': 0, 'total': Decimal(0)})
        amount = (Decimal(r['Quantity']) * Decimal(r['UnitPrice'])).quantize(Decimal('0.01'), ROUND_HALF_UP)
        if r['InvoiceNo'].startswith('C'):
            amount = -abs(amount)
        t['items'] += 1
        t['total'] += amount
sales = {k: v for k, v in inv.items() if not k.startswith('C') and v['total'] >= 0}
returns = {k: v for k, v in inv.items() if k not in sales}
s = sum(v['total'] for v in sales.values())
r = sum(v['total'] for v in returns.values())
print(json.dumps({"transactions": len(inv), "sales": len(sales), "returns": len(returns), "voids": 0,
                  "items": sum(v['items'] for v in inv.values()),
                  "revenue": {"GBP": {"sales": str(s), "returns": str(r), "net": str(s + r), "tax": "0.00"}},
                  "business_days": ["2010-12-02"], "rejected": []}, indent=2))
