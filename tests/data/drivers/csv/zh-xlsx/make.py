#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes input.xlsx: a Chinese back office's sales detail as Excel saves it, built here from the
Office Open XML structure (ECMA-376) with the standard library, no vendor file copied. Shared and
inline strings, numeric item codes, dates as serial numbers under a built-in (22) and a custom
(yyyy-mm-dd hh:mm:ss) format, binary noise in amounts (21.599999999999998, 0.30000000000000004),
a formula cell with its cached string, a boolean, a formatted empty cell past the last column.
Rerun only to change the case; the figures are in README.md."""
import datetime as dt
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

here = Path(__file__).parent
shared = []


def s(text):
    if text not in shared:
        shared.append(text)
    return ("s", shared.index(text))


def serial(y, mo, d, h, mi, sec=0):
    delta = dt.datetime(y, mo, d, h, mi, sec) - dt.datetime(1899, 12, 30)
    return ("d", delta.days + delta.seconds / 86400)


header = ["单号", "时间", "收银员", "导购", "商品编码", "商品名称", "数量", "单价", "金额", "实收", "支付方式", "退货"]
rows = [
    [s("XS1001"), serial(2026, 11, 30, 10, 5, 12), s("王芳"), s("李强"), 6920000000017, s("羊毛围巾"), 1, 1299, 1299, 1338,
     s("微信支付"), s("否")],
    [s("XS1001"), serial(2026, 11, 30, 10, 5, 12), s("王芳"), s("张伟"), 6920000000024, s("羊毛手套"), 1, 39, 39, 1338,
     s("微信支付"), s("否")],
    [s("XS1002"), ("custom", serial(2026, 11, 30, 11, 20)[1]), s("王芳"), s("李强"), s("W-CHESTNUT"), s("糖炒栗子"), 0.45, 48,
     "21.599999999999998", 21.6, ("inline", "现金"), s("否")],
    [s("TH1001"), serial(2026, 11, 30, 15, 0), s("王芳"), s("张伟"), 6920000000024, s("羊毛手套"), 1, 39, 39, 39, s("支付宝"),
     s("是")],
    [("formula", "XS1003"), serial(2026, 11, 30, 16, 0), s("王芳"), s("李强"), 6920000000031, s("羊绒帽"), 2,
     "0.30000000000000004", "0.6000000000000001", 0.6, ("inline", "现金"), ("bool", 0)],
]


def col(i):
    name = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        name = chr(65 + r) + name
    return name


def cell(ref, v):
    if isinstance(v, tuple):
        kind, x = v
        if kind == "s":
            return f'<c r="{ref}" t="s"><v>{x}</v></c>'
        if kind == "d":
            return f'<c r="{ref}" s="1"><v>{x!r}</v></c>'
        if kind == "custom":
            return f'<c r="{ref}" s="2"><v>{x!r}</v></c>'
        if kind == "inline":
            return f'<c r="{ref}" t="inlineStr"><is><t>{escape(x)}</t></is></c>'
        if kind == "formula":
            return f'<c r="{ref}" t="str"><f>CONCATENATE("XS","1003")</f><v>{x}</v></c>'
        if kind == "bool":
            return f'<c r="{ref}" t="b"><v>{x}</v></c>'
    return f'<c r="{ref}"><v>{v}</v></c>'


sheet_rows = ['<row r="1">' + "".join(cell(f"{col(i)}1", s(h)) for i, h in enumerate(header)) + "</row>"]
for n, r in enumerate(rows, start=2):
    cells = "".join(cell(f"{col(i)}{n}", v) for i, v in enumerate(r))
    if n == 3:
        cells += f'<c r="M{n}" s="1"/>'  # formatted, empty
    sheet_rows.append(f'<row r="{n}">{cells}</row>')

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RNS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
parts = {
    "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>",
    "_rels/.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>",
    "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook {NS} {RNS}>'
    '<workbookPr/><sheets><sheet name="销售明细" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>",
    "xl/styles.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet {NS}>'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd\\ hh:mm:ss"/></numFmts>'
    '<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="22" applyNumberFormat="1"/>'
    '<xf numFmtId="164" applyNumberFormat="1"/></cellXfs></styleSheet>',
    "xl/worksheets/sheet1.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet {NS}>'
    "<sheetData>" + "".join(sheet_rows) + "</sheetData></worksheet>",
}
parts["xl/sharedStrings.xml"] = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst {NS} count="{len(shared)}" uniqueCount="{len(shared)}">'
    + "".join(f"<si><t>{escape(t)}</t></si>" for t in shared) + "</sst>")
with zipfile.ZipFile(here / "input.xlsx", "w", zipfile.ZIP_DEFLATED) as z:
    for name in ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                 "xl/styles.xml", "xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"]:
        info = zipfile.ZipInfo(name, date_time=(2026, 12, 2, 0, 0, 0))  # fixed: the same bytes every run
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, parts[name])
