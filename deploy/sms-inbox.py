#!/usr/bin/python3
"""Show the SMS that Kannel's fake SMS centre got, as a phone would.

    sms-inbox.py [LOG]   (default: $AMR_DATA_DIR/log/fakesmsc.log, ./var)

`make run` puts fakesmsc (kannel-extras) where the operator's SMS centre
would be; it logs each SMS as "Got message n: <from to coding text>" with
the text URL-encoded, as UTF-16 (UCS-2) for Russian; a long SMS comes as
parts, "<from to udh UDH data BYTES>", each with the concatenation header
(reference, parts, number). This prints one line per SMS, its parts put
together as the phone does: its time, sender, receiver and text, decoded.
"""
import os
import re
import sys
import urllib.parse

LINE = re.compile(r"^(\S+ \S+) .*Got message \d+: <(\S+) (\S+) (\S+) (.*)>$")
PART = re.compile(r"^(\S+) data (.*)$")


def text_of(coding, raw):
    data = urllib.parse.unquote_to_bytes(raw.replace("+", "%20"))
    if coding == "ucs-2":
        return data.decode("utf-16-be", errors="replace")
    return data.decode("utf-8", errors="replace")


def main():
    log = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.environ.get("AMR_DATA_DIR", "./var"), "log", "fakesmsc.log")
    try:
        f = open(log, encoding="utf-8", errors="replace")
    except OSError as e:
        sys.exit("sms-inbox.py: %s (is make run running with Kannel?)" % e)
    parts = {}  # (sender, to, reference) -> {number: text}
    with f:
        for line in f:
            m = LINE.match(line.rstrip("\n"))
            if not m:
                continue
            when, sender, to, coding, raw = m.groups()
            p = PART.match(raw) if coding == "udh" else None
            if not p:
                print("%s  %s -> %s  %s" % (when, sender, to, text_of(coding, raw)))
                continue
            udh = urllib.parse.unquote_to_bytes(p.group(1))
            # 00 03 ref total number: the 8-bit concatenation element
            if len(udh) < 6 or udh[1] != 0x00 or udh[2] != 0x03:
                print("%s  %s -> %s  %s" % (when, sender, to, text_of("ucs-2", p.group(2))))
                continue
            ref, total, number = udh[3], udh[4], udh[5]
            got = parts.setdefault((sender, to, ref), {})
            got[number] = text_of("ucs-2", p.group(2))
            if len(got) == total:
                text = "".join(got[i] for i in sorted(got))
                del parts[(sender, to, ref)]
                print("%s  %s -> %s  %s" % (when, sender, to, text))


if __name__ == "__main__":
    main()
