#!/usr/bin/python3
"""Check an XLSX made by services/billing/tabout_xlsx.c against its report.

    /usr/bin/python3 tabout_xlsx_check.py FILE.xlsx REPORT.json

Reads the workbook with openpyxl (Debian's python3-openpyxl) and checks
what a reader of the sheet relies on: the title and subtitle, the header's
titles in bold, every cell of every row equal to the report's value (a
number equal to its decimal string, a date a real date), the totals bold,
and the chart (openpyxl does not read charts: its XML in the file) of the
report's kind over the series' cells.
Prints the first difference and exits 1; prints "ok ROWS" and exits 0.
"""
import datetime
import json
import re
import sys
import zipfile
from decimal import Decimal

import openpyxl

FORMATS = {"money": "#,##0.00", "date": "DD.MM.YYYY", "int": "0"}


def fail(msg):
    print(msg)
    sys.exit(1)


def check_cell(cell, col, want, where):
    got = cell.value
    if want is None:
        if got is not None:
            fail(f"{where}: {got!r}, want empty")
        return
    t = col["type"]
    if t == "text":
        ok = got == want
    elif t == "int":
        ok = isinstance(got, int) and got == want
    elif t == "date":
        ok = got == datetime.datetime.strptime(want, "%Y-%m-%d")
    else:
        # the double read back, written shortest, is the report's decimal
        ok = isinstance(got, (int, float)) and Decimal(repr(got)) == Decimal(want)
    if not ok:
        fail(f"{where}: {got!r}, want {want!r} ({t})")
    fmt = FORMATS.get(t)
    if t in ("decimal", "percent"):
        dec = len(want.split(".")[1]) if "." in want else 0
        fmt = "#,##0" + ("." + "0" * dec if dec else "")
    if fmt and cell.number_format != fmt:
        fail(f"{where}: number format {cell.number_format!r}, want {fmt!r}")


def main():
    wb = openpyxl.load_workbook(sys.argv[1])
    with open(sys.argv[2], encoding="utf-8") as f:
        rep = json.load(f)
    ws = wb.active
    cols = rep["columns"]
    if ws["A1"].value != rep["title"]:
        fail(f"A1: {ws['A1'].value!r}, want the title")
    if ws["A2"].value != (rep.get("subtitle") or None):
        fail(f"A2: {ws['A2'].value!r}, want the subtitle")
    for i, col in enumerate(cols):
        cell = ws.cell(row=3, column=i + 1)
        if cell.value != col["title"] or not cell.font.b:
            fail(f"header {i}: {cell.value!r} bold={cell.font.b}, want {col['title']!r} bold")
    lines = list(rep["rows"]) + ([rep["totals"]] if "totals" in rep else [])
    for n, row in enumerate(lines):
        totals = n == len(rep["rows"])
        for i, col in enumerate(cols):
            cell = ws.cell(row=4 + n, column=i + 1)
            where = "totals" if totals else f"rows[{n}]"
            check_cell(cell, col, row.get(col["key"]), f"{where}.{col['key']}")
            if totals and not cell.font.b:
                fail(f"totals.{col['key']}: not bold")
    if ws.max_row != 3 + len(lines):
        fail(f"{ws.max_row} rows in the sheet, want {3 + len(lines)}")
    if rep.get("chart") and rep["rows"]:
        check_chart(sys.argv[1], rep)
    print(f"ok {len(lines)}")


def letter(i):
    return openpyxl.utils.get_column_letter(i + 1)


def check_chart(path, rep):
    ch, keys = rep["chart"], [c["key"] for c in rep["columns"]]
    kind = {"bar": "barChart", "line": "lineChart", "pie": "pieChart"}[ch["kind"]]
    xml = zipfile.ZipFile(path).read("xl/charts/chart1.xml").decode()
    if f"<c:{kind}>" not in xml:
        fail(f"chart: no <c:{kind}>")
    refs = re.findall(r"<c:f>([^<]*)</c:f>", xml)
    last = 3 + len(rep["rows"])
    x = letter(keys.index(ch["x"]))
    want = []
    for y in ch["y"]:
        col = letter(keys.index(y))
        want += [f"'Отчёт'!${col}$3", f"'Отчёт'!${x}$4:${x}${last}",
                 f"'Отчёт'!${col}$4:${col}${last}"]
    if refs != want:
        fail(f"chart: ranges {refs}, want {want}")


main()
