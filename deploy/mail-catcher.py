#!/usr/bin/python3
"""A local SMTP server that keeps what it is sent: `make run`'s mailbox for
amr-notify's alarm e-mails, and the real server of its e-mail tests
(test_notify_smtp.c, test_notify_mail.c).

    mail-catcher.py --port N --dir D [--auth USER:PASS] [--fail-rcpt ADDR:CODE]...

Listens on 127.0.0.1:N (aiosmtpd) and stores every message it accepts as
D/<n>.eml, n = 1, 2, ...: the DATA content byte for byte as received (dots
unstuffed, as SMTP says), with its envelope in D/<n>.env as JSON
{"mail_from": ..., "rcpt_tos": [...]}. The .env is written first and the
.eml appears last, whole (written aside, then renamed), so a test that sees
the .eml can read both. Prints "ready" on stdout once it listens.

--auth USER:PASS requires AUTH (LOGIN or PLAIN, allowed without TLS) with
that login before MAIL. --fail-rcpt ADDR:CODE (repeatable) answers CODE to
RCPT TO:<ADDR>, e.g. 550 (refused for good) or 451 (try later).

It runs until killed (SIGTERM: the harness's teardown, make run's Ctrl-C).
"""
import argparse
import itertools
import json
import logging
import os
import signal
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class Catcher:
    def __init__(self, folder, fail_rcpt):
        self.folder = folder
        self.fail_rcpt = fail_rcpt
        # after what an earlier run kept: a restart of make run adds, never overwrites
        kept = [int(n[:-4]) for n in os.listdir(folder) if n.endswith(".eml") and n[:-4].isdigit()]
        self.numbers = itertools.count(max(kept, default=0) + 1)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        code = self.fail_rcpt.get(address)
        if code:
            return f"{code} refused by mail-catcher"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        base = os.path.join(self.folder, str(next(self.numbers)))
        with open(base + ".env", "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}, f)
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 Message accepted"


def main():
    ap = argparse.ArgumentParser(description="store what SMTP clients send")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--auth", metavar="USER:PASS")
    ap.add_argument("--fail-rcpt", metavar="ADDR:CODE", action="append", default=[])
    a = ap.parse_args()

    # aiosmtpd warns about AUTH without TLS, which is what we ask for
    warnings.simplefilter("ignore", UserWarning)
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    fail = dict(x.rsplit(":", 1) for x in a.fail_rcpt)
    kwargs = {}
    if a.auth:
        user, password = a.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, data):
            ok = data.login == user.encode() and data.password == password.encode()
            # handled=False: aiosmtpd answers 535 itself (True would leave the client waiting)
            return AuthResult(success=ok, handled=False)

        kwargs = dict(authenticator=authenticator, auth_required=True, auth_require_tls=False)
    # server_hostname: the greeting's name; the default asks DNS for our FQDN.
    c = Controller(Catcher(a.dir, fail), hostname="127.0.0.1", port=a.port,
                   server_hostname="smtp-catcher", **kwargs)
    stop = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop)  # the server's thread too
    c.start()
    print("ready", flush=True)
    signal.sigwait(stop)
    c.stop()


if __name__ == "__main__":
    main()
