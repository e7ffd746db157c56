#!/usr/bin/env python3
"""Check a billing run of the demo building against the archive it read.

    demo_bill_check.py RUN.json INVOICES.json CONSUMPTION.json

RUN.json is billing/run.draft's summary, INVOICES.json billing/invoice.list's
answer for the same building and month, CONSUMPTION.json
archive/consumption of the flats' channels over that month. Exits 1 with
what differs when:
  - a line billed by meter does not bill exactly the archive's quantity of
    its premises' channel (the demo: premises N's input k on channel 1.N.k);
  - the meter readings of a premises (docs/billing.md, "Invoices") do not
    go with its lines: a service billed by meter has readings whose end -
    start add up to its quantity, starting at the meter's initial reading
    or above; one billed by average or norm has none;
  - for a resource with a house meter whose difference was billed whole
    (nothing left unbilled), the premises' quantities plus the ОДН lines do
    not add up to the house meter exactly;
  - some premises of the 32 has no invoice.
A shared premises (the demo's flats 8 and 20, held by two owners all month)
is on each owner's invoice whole: its quantities are counted once.
Quantities are compared as exact decimals, never as floats.
"""
import json
import sys
from decimal import Decimal

CHANNEL = {"cold_water": 1, "hot_water": 2, "electricity": 3, "gas": 4}


def readings_errors(number, p, per_code):
    """What is wrong with premises entry p's readings, given its quantities
    per (code, basis)."""
    errors, spans = [], {}
    for rd in p.get("readings", []):
        start, end = Decimal(rd["start"]), Decimal(rd["end"])
        if start < 0 or end < start:
            errors.append("%s %s: reading %s .. %s" % (number, rd["channel"], start, end))
        spans[rd["code"]] = spans.get(rd["code"], Decimal(0)) + end - start
    for (code, basis), q in per_code.items():
        if basis == "meter" and spans.get(code) != q:
            errors.append("%s %s: billed %s by meter, the readings say %s" % (
                number, code, q, spans.get(code)))
        if basis != "meter" and code in spans:
            errors.append("%s %s: billed by %s, yet has readings" % (number, code, basis))
    return errors


def main():
    run = json.load(open(sys.argv[1]))
    invoices = json.load(open(sys.argv[2]))["invoices"]
    cons = {i["channel"]: Decimal(i["quantity"]) for i in json.load(open(sys.argv[3]))["items"]}
    errors, metered = [], 0
    premises, resource_sum, odn_sum = {}, {}, {}
    for inv in invoices:
        for p in inv["premises"]:
            share_seen = premises.setdefault(p["number"], set())
            per_code = {}
            for line in p["lines"]:
                code, basis = line["code"], line["basis"]
                if "quantity" not in line:
                    continue  # a benefit, subsidy or instalment: money only
                q = Decimal(line["quantity"])
                if basis == "odn":
                    # a shared premises' ОДН is on each owner's invoice whole
                    if "odn " + code not in share_seen:
                        odn_sum[code] = odn_sum.get(code, Decimal(0)) + q
                        share_seen.add("odn " + code)
                    continue
                if basis in ("meter", "average", "norm") and code in CHANNEL:
                    per_code.setdefault((code, basis), Decimal(0))
                    per_code[(code, basis)] += q
            errors += readings_errors(inv["number"], p, per_code)
            for (code, basis), q in per_code.items():
                # a shared premises is billed whole to each owner: count it once
                if code not in share_seen:
                    resource_sum[code] = resource_sum.get(code, Decimal(0)) + q
                    share_seen.add(code)
                if basis == "meter":
                    metered += 1
                    ch = "1.%s.%d" % (p["number"], CHANNEL[code])
                    if cons.get(ch) != q:
                        errors.append("%s %s: billed %s, the archive %s" % (inv["number"], ch, q, cons.get(ch)))
    for b in run.get("balance", []):
        code = b["resource"]
        if code not in CHANNEL or b["negative"] or Decimal(b["odn_excess"]) != 0:
            continue
        total = resource_sum.get(code, Decimal(0)) + odn_sum.get(code, Decimal(0))
        if total != Decimal(b["house"]) or Decimal(b["premises"]) != resource_sum.get(code):
            errors.append("%s: premises %s + ОДН %s = %s, the house meter %s" % (
                code, resource_sum.get(code), odn_sum.get(code), total, b["house"]))
    if len(premises) != 32:
        errors.append("%d premises on the invoices, not 32" % len(premises))
    if errors:
        print("\n".join(errors))
        return 1
    print("%d metered quantities equal the archive's and their readings; premises + ОДН = house meter" % metered)
    return 0


if __name__ == "__main__":
    sys.exit(main())
