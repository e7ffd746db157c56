#!/usr/bin/python3
"""Show the SMS that Kannel's fake SMS centre got, as a phone would.

    sms-inbox.py [LOG]   (default: $AMR_DATA_DIR/log/fakesmsc.log, ./var)

`make run` puts fakesmsc (kannel-extras) where the operator's SMS centre
would be; it logs each SMS as "Got message n: <from to coding text>" with
the text URL-encoded, as UTF-16 (UCS-2) for Russian. This prints one line
per SMS: its time, sender, receiver and text, decoded.
"""
import os
import re
import sys
import urllib.parse

LINE = re.compile(r"^(\S+ \S+) .*Got message \d+: <(\S+) (\S+) (\S+) (.*)>$")


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
    with f:
        for line in f:
            m = LINE.match(line.rstrip("\n"))
            if m:
                when, sender, to, coding, raw = m.groups()
                print("%s  %s -> %s  %s" % (when, sender, to, text_of(coding, raw)))


if __name__ == "__main__":
    main()
