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
    if coding == "ucs-2" or (coding == "udh" and ucs2_like(data)):
        return data.decode("utf-16-be", errors="replace")
    return data.decode("utf-8", errors="replace")


def ucs2_like(data):
    """A part after a UDH carries no coding in fakesmsc's line: UCS-2 when
    every character is Latin or Cyrillic (high byte 0x00 or 0x04)."""
    return len(data) % 2 == 0 and all(b in (0, 4) for b in data[0::2])


def main():
    log = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.environ.get("AMR_DATA_DIR", "./var"), "log", "fakesmsc.log")
    try:
        f = open(log, encoding="utf-8", errors="replace")
    except OSError as e:
        sys.exit("sms-inbox.py: %s (is make run running with Kannel?)" % e)
    parts = {}  # (sender, to, ref) -> texts of a concatenated SMS so far
    with f:
        for line in f:
            m = LINE.match(line.rstrip("\n"))
            if not m:
                continue
            when, sender, to, coding, raw = m.groups()
            if coding == "udh":
                # "udh %05%00%03<ref><total><seq> data <text>"
                udh, _, rest = raw.partition(" ")
                raw = rest[5:] if rest.startswith("data ") else rest
                h = urllib.parse.unquote_to_bytes(udh)
                if len(h) == 6 and h[:3] == b"\x05\x00\x03":
                    key = (sender, to, h[3])
                    parts.setdefault(key, []).append(text_of(coding, raw))
                    if h[5] < h[4]:
                        continue
                    text = "".join(parts.pop(key))
                else:
                    text = text_of(coding, raw)
            else:
                text = text_of(coding, raw)
            print("%s  %s -> %s  %s" % (when, sender, to, text))


if __name__ == "__main__":
    main()
