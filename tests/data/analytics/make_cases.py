#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the analytics golden cases: each case's config.json (a Berlin store, EUR, a door
camera) and events.jsonl (events as the store keeps them). The figures the test asserts are
worked out by hand from the stories below (see tests/analytics/funnel_test.cpp), not from the
code; expected.json, the full report, is written by the test with KELU_UPDATE_GOLDEN=1 and
reviewed. Run this again only to change a story."""
import datetime as dt
import hashlib
import json
import os
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.timezone.utc

CONFIG = {
    "store": {"tenant": "acme", "id": "berlin-01", "name": "Berlin Mitte", "time_zone": "Europe/Berlin",
              "currency": "EUR", "opening_hours": "mon-sat 09:00-20:00, sun 11:00-17:00"},
    "storage": {"path": "unused.db"},
    "cameras": [{"id": "door", "url": "rtsp://camera.local/door", "engaged_dwell_s": 30,
                 "lines": [{"name": "entrance", "from": [0, 300], "to": [768, 300]},
                           {"name": "street", "from": [0, 100], "to": [768, 100], "role": "passby"}],
                 "zones": [{"name": "promo", "polygon": [[100, 350], [300, 350], [300, 550], [100, 550]]}]}],
    # The stories before pilot_day do not say how staff came in: no sign-on correction there.
    "analytics": {"low_close_ratio_pct": 75, "close_rate_min_opportunities": 10, "staff_sign_on_entries": False},
}


class Case:
    def __init__(self, name):
        self.name = name
        self.events = []
        self.seq = {}

    def add(self, source, stream, typ, when, payload):
        seq = self.seq.get(source, 0) + 1
        self.seq[source] = seq
        t = iso(when)
        self.events.append({"id": hashlib.md5(f"{self.name}:{source}:{seq}".encode()).hexdigest(), "store": "berlin-01",
                            "source": source, "stream": stream, "seq": seq, "observed_at": t, "received_at": t,
                            "type": typ, "payload": payload})

    def cross(self, when, direction, line="entrance", track=0):
        self.add("cam-door", "traffic", "traffic.line_cross", when,
                 {"camera": "door", "line": line, "direction": direction, "track_id": track})

    def dwell(self, left, track, seconds, zone="promo"):
        self.add("cam-door", "traffic", "traffic.zone_dwell", left,
                 {"camera": "door", "zone": zone, "track_id": track, "entered_at": iso(left - dt.timedelta(seconds=seconds)),
                  "dwell_ms": seconds * 1000, "engaged": seconds >= 30})

    def occupancy(self, when, people, zone="promo"):
        self.add("cam-door", "traffic", "traffic.occupancy", when, {"camera": "door", "zones": [{"zone": zone, "people": people}]})

    def gap(self, start, end, reason):
        self.add("cam-door", "traffic", "camera.gap", end, {"camera": "door", "from": iso(start), "to": iso(end), "reason": reason})

    def operator(self, when, who, terminal, action):
        op_id, name = who
        self.add("pos-tcp", "pos", "pos.operator", when,
                 {"terminal": terminal, "transaction_id": f"op-{len(self.events)}", "business_day": when.strftime("%Y-%m-%d"),
                  "operator_id": op_id, "operator_name": name, "action": action})

    def sale(self, when, who, items, kind="sale", currency="EUR", terminal="till1", salesperson=None):
        """items: [(sku, description, quantity, unit price in cents[, the line's salesperson])];
        who is the cashier; salesperson, the transaction's (导购) when the till records one."""
        op_id, name = who
        lines = []
        for sku, desc, q, p, *seller in items:
            line = {"item_id": sku, "description": desc, "department": "", "quantity_milli": q * 1000,
                    "unit_price_minor": p, "amount_minor": q * p, "discount_minor": 0}
            if seller:
                line["salesperson_id"], line["salesperson_name"] = seller[0]
            lines.append(line)
        total = sum(l["amount_minor"] for l in lines)
        if kind == "return":
            total = -total
        payload = {"terminal": terminal, "transaction_id": f"tx-{len(self.events)}",
                   "business_day": when.strftime("%Y-%m-%d"), "operator_id": op_id, "operator_name": name,
                   "kind": kind, "currency": currency, "total_minor": total, "tax_minor": 0, "items": lines,
                   "tenders": [{"method": "card", "amount_minor": total}]}
        if salesperson:
            payload["salesperson_id"], payload["salesperson_name"] = salesperson
        self.add("pos-tcp", "pos", "pos.transaction", when, payload)

    def write(self, config=CONFIG):
        os.makedirs(self.name, exist_ok=True)
        with open(os.path.join(self.name, "config.json"), "w") as f:
            json.dump(config, f, indent=2)
            f.write("\n")
        with open(os.path.join(self.name, "events.jsonl"), "w") as f:
            for e in self.events:
                f.write(json.dumps(e, ensure_ascii=False) + "\n")


def iso(t):
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def local(day, hh, mm=0, ss=0, fold=0):
    return dt.datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=BERLIN, fold=fold)


def spread(c, day, hour, n, direction, line="entrance", first_track=0):
    """n crossings evenly over the hour."""
    for i in range(n):
        c.cross(local(day, hour, (60 * i) // n, 7), direction, line, first_track + i)


ALICE, BOB, CAROL = ("A1", "Alice"), ("B2", "Bob"), ("C3", "Carol")

# ordinary_day, Tuesday 2026-11-24 (UTC+1). 40 visitors in, 40 out; 12 passers-by; 10 sales
# (257.50), one return (15.50), one void, one sale in USD; Alice 09-13 and Bob 10-12 signed on,
# Carol never signs on (shift inferred from her sales).
d = dt.date(2026, 11, 24)
c = Case("ordinary_day")
c.operator(local(d, 9), ALICE, "till1", "sign_on")
c.operator(local(d, 10), BOB, "till2", "sign_on")
spread(c, d, 9, 6, "in")
spread(c, d, 9, 2, "out", first_track=100)
spread(c, d, 10, 20, "in", first_track=200)
spread(c, d, 10, 18, "out", first_track=300)
spread(c, d, 11, 10, "in", first_track=400)
spread(c, d, 11, 14, "out", first_track=500)
spread(c, d, 12, 4, "in", first_track=600)
spread(c, d, 12, 6, "out", first_track=700)
for i in range(12):
    c.cross(local(d, 10, 30 + 2 * i, 30), "in" if i % 2 == 0 else "out", "street", 900 + i)
for track, minute, seconds in [(1, 12, 10), (2, 14, 35), (3, 16, 40), (4, 18, 5), (5, 20, 60), (6, 22, 31)]:
    c.dwell(local(d, 10, minute), track, seconds)
c.dwell(local(d, 11, 10), 3, 45)   # track 3 engages again: a zone visit, not a new engaged visitor
c.dwell(local(d, 11, 20), 7, 30)   # exactly the threshold: engaged
c.occupancy(local(d, 10, 20), 3)
c.occupancy(local(d, 10, 40), 5)
c.sale(local(d, 9, 30), ALICE, [("TEE-01", "T-shirt", 2, 1000)])
c.sale(local(d, 10, 10), ALICE, [("CAP-02", "Cap", 1, 1550)])
c.sale(local(d, 10, 15), BOB, [("SOCK-04", "Socks", 1, 1000)], terminal="till2")
c.sale(local(d, 10, 20), ALICE, [("JKT-03", "Jacket", 1, 8000), ("SOCK-04", "Socks", 2, 1000)])
c.sale(local(d, 10, 45), BOB, [("TEE-01", "T-shirt", 1, 1000), ("PIN-06", "Pin", 1, 200)], terminal="till2")
c.sale(local(d, 11, 15), BOB, [("MUG-07", "Mug", 1, 800)], terminal="till2")
c.sale(local(d, 11, 30), ALICE, [("BAG-05", "Bag", 1, 4200)])
c.sale(local(d, 11, 45), BOB, [("CARD-08", "Card", 1, 900)], terminal="till2")
c.sale(local(d, 11, 50), BOB, [("CAP-02", "Cap", 1, 1100)], terminal="till2")
c.sale(local(d, 11, 55), BOB, [("CAP-02", "Cap", 1, 500)], kind="void", terminal="till2")
c.operator(local(d, 12), BOB, "till2", "sign_off")
c.sale(local(d, 12, 30), ALICE, [("CAP-02", "Cap", 1, 1550)], kind="return")
c.operator(local(d, 13), ALICE, "till1", "sign_off")
c.sale(local(d, 15, 0), CAROL, [("BELT-09", "Belt", 1, 3000)], terminal="till3")
c.sale(local(d, 15, 5), CAROL, [("TEE-01", "T-shirt", 1, 1000)], currency="USD", terminal="till3")
c.write()

# dst_spring: Sunday 2026-03-29, clocks go 02:00 -> 03:00. Open 11-17.
d = dt.date(2026, 3, 29)
c = Case("dst_spring")
c.cross(local(d, 1, 30), "in", track=1)
c.cross(local(d, 3, 30), "in", track=2)
c.cross(local(d, 12, 0), "in", track=3)
c.sale(local(d, 12, 10), ALICE, [("TEE-01", "T-shirt", 1, 1000)])
c.write()

# dst_autumn: Sunday 2026-10-25, clocks go 03:00 -> 02:00: 02:30 happens twice.
d = dt.date(2026, 10, 25)
c = Case("dst_autumn")
c.cross(local(d, 2, 30, fold=0), "in", track=1)
c.cross(local(d, 2, 30, fold=1), "in", track=2)
c.cross(local(d, 2, 45, fold=1), "in", track=3)
c.write()

# camera_gap: Wednesday 2026-11-25. Ten visitors an hour 10-15, but the door camera is down
# 14:10-14:50 (three crossings seen that hour), and was down from 23:00 the night before until 00:30.
d = dt.date(2026, 11, 25)
c = Case("camera_gap")
c.gap(local(d, 0, 0) - dt.timedelta(hours=1), local(d, 0, 30), "agent stopped")
for hour in range(10, 15):
    for i in range(10):
        minute = 6 * i
        if hour == 14 and 10 <= minute < 50:
            continue
        c.cross(local(d, hour, minute), "in", track=hour * 100 + i)
    for m in (15, 45):
        c.sale(local(d, hour, m), ALICE, [("TEE-01", "T-shirt", 1, 1000)])
c.gap(local(d, 14, 10), local(d, 14, 50), "read timeout")
c.write()

# zero_traffic: Thursday 2026-11-26. Two sales and nobody through the door (the counter saw
# nobody; it was not down): conversion is undefined, not infinite, and no field is NaN.
d = dt.date(2026, 11, 26)
c = Case("zero_traffic")
c.sale(local(d, 10, 5), ALICE, [("TEE-01", "T-shirt", 1, 1000)])
c.sale(local(d, 10, 50), ALICE, [("CAP-02", "Cap", 3, 1500)])
c.write()

# returns_exceed: Friday 2026-11-27. One sale of 50.00, returns of 30.00 and 50.00.
d = dt.date(2026, 11, 27)
c = Case("returns_exceed")
for i in range(5):
    c.cross(local(d, 11, 10 * i), "in", track=i)
c.sale(local(d, 11, 5), BOB, [("JKT-03", "Jacket", 1, 5000)])
c.sale(local(d, 11, 20), BOB, [("BAG-05", "Bag", 1, 3000)], kind="return")
c.sale(local(d, 11, 40), BOB, [("JKT-03", "Jacket", 1, 5000)], kind="return")
c.write()

# double_signon: Saturday 2026-11-28. Alice signs on at two tills (09:00, 09:30) and off at
# 13:00 and 14:00: one shift 09-14. Bob signs on at 12:00 and again on the same till at 12:30,
# off at 18:00: one shift 12-18. Four visitors an hour 09-18.
d = dt.date(2026, 11, 28)
c = Case("double_signon")
c.operator(local(d, 9), ALICE, "till1", "sign_on")
c.operator(local(d, 9, 30), ALICE, "till2", "sign_on")
c.operator(local(d, 12), BOB, "till3", "sign_on")
c.operator(local(d, 12, 30), BOB, "till3", "sign_on")
c.operator(local(d, 13), ALICE, "till1", "sign_off")
c.operator(local(d, 14), ALICE, "till2", "sign_off")
c.operator(local(d, 18), BOB, "till3", "sign_off")
for hour in range(9, 18):
    spread(c, d, hour, 4, "in", first_track=hour * 10)
for hour in (10, 11, 13):
    c.sale(local(d, hour, 20), ALICE, [("TEE-01", "T-shirt", 1, 1000)])
for hour in (15, 16):
    c.sale(local(d, hour, 20), BOB, [("CAP-02", "Cap", 1, 1500)], terminal="till3")
c.write()

# pilot_day: Monday 2026-11-30, open 10:00-22:00, as a pilot store runs. Eve is the cashier
# (signed on 09:30-18:00); Dana, a salesperson (导购) who never signs on a till, is named on the
# lines she sold, once on the whole transaction; Frank sells one line of a two-person sale.
# The door camera is down 14:00-15:30; eight visitors an hour 10-13, six at 16, one at 17 while
# Dana rings up three sales (more buyers than the door saw); a sale before opening and one after
# closing. Staff: Eve walks in before signing on and out after signing off; a colleague crosses
# the door, looks at the promo table and goes behind the stock room door (a staff-only zone); someone
# uses the staff door, which has a line of its own.
d = dt.date(2026, 11, 30)
EVE, DANA, FRANK = ("E5", "Eve"), ("D4", "Dana"), ("F6", "Frank")
c = Case("pilot_day")
c.cross(local(d, 9, 20), "in", track=9000)    # Eve comes in through the door, signs on at 09:30
c.operator(local(d, 9, 30), EVE, "till1", "sign_on")
for hour, n in [(10, 8), (11, 8), (12, 8), (13, 8), (16, 6), (17, 1)]:
    spread(c, d, hour, n, "in", first_track=hour * 100)
c.sale(local(d, 9, 40), EVE, [("TEE-01", "T-shirt", 1, 2000)])
c.sale(local(d, 10, 20), EVE, [("JKT-03", "Jacket", 1, 8000, DANA)])
c.sale(local(d, 11, 20), EVE, [("CAP-02", "Cap", 1, 1500)])
c.sale(local(d, 12, 10), EVE, [("SOCK-04", "Socks", 1, 1000)], salesperson=DANA)
c.sale(local(d, 14, 30), EVE, [("BAG-05", "Bag", 1, 4200, DANA)])
c.gap(local(d, 14), local(d, 15, 30), "read timeout")
c.sale(local(d, 16, 10), EVE, [("TEE-01", "T-shirt", 1, 1000, DANA)])
c.sale(local(d, 16, 40), EVE, [("TEE-01", "T-shirt", 3, 1000, DANA), ("JKT-03", "Jacket", 1, 5000, FRANK)])
for minute in (5, 10, 15):
    c.sale(local(d, 17, minute), EVE, [("PIN-06", "Pin", 1, 200, DANA)])
c.cross(local(d, 13, 40), "in", track=9100)   # a colleague from the stock room: in, a look at the
c.dwell(local(d, 13, 44), 9100, 40)             # promo table, then behind the stock room door
c.dwell(local(d, 13, 50), 9100, 300, zone="stock")
c.cross(local(d, 16, 30), "in", line="back", track=9200)  # the staff door's own line
c.operator(local(d, 18), EVE, "till1", "sign_off")
c.cross(local(d, 18, 5), "out", track=9000)     # Eve leaves
c.sale(local(d, 22, 10), EVE, [("MUG-07", "Mug", 1, 800)])
camera = dict(CONFIG["cameras"][0])
camera["lines"] = camera["lines"] + [{"name": "back", "from": [700, 0], "to": [700, 100], "role": "staff"}]
camera["zones"] = camera["zones"] + [{"name": "stock", "polygon": [[600, 0], [768, 0], [768, 100], [600, 100]],
                                      "staff_only": True}]
c.write(dict(CONFIG, store=dict(CONFIG["store"], opening_hours="daily 10:00-22:00"), cameras=[camera],
             analytics=dict(CONFIG["analytics"], staff_sign_on_entries=True)))

