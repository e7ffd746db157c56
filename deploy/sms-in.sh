#!/bin/sh
# Send an SMS into `make run`'s SMS gateway as a phone would, and show
# amr-notify's answer (docs/notify.md, "Incoming SMS"):
#
#   deploy/sms-in.sh [--from +79001234567] STATUS 1
#
# Kannel's fake SMS centre (fakesmsc, kannel-extras) hands the text to
# bearerbox on AMR_KANNEL_PORT+11, smsbox gives it to amr-notify's listener
# (AMR_KANNEL_PORT+80), and the answer goes out through the outbox and
# Kannel's sendsms to the other fake centre, whose log this reads
# ($AMR_DATA_DIR/log/fakesmsc.log). The default sender is the demo's
# dispatcher (deploy/demo-setup.sh); any number no contact lists gets no
# answer, by design. The text is ASCII, one line (what fakesmsc sends).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
from=+79001234567
if [ "${1:-}" = "--from" ]; then
	from=$2
	shift 2
fi
[ $# -gt 0 ] || { echo "usage: $0 [--from +79001234567] TEXT..." >&2; exit 2; }
text=$*
kp=${AMR_KANNEL_PORT:-13000}
data=${AMR_DATA_DIR:-$top/var}
log=$data/log/fakesmsc.log
fakesmsc=/usr/lib/kannel/test/fakesmsc
[ -x "$fakesmsc" ] || { echo "$0: $fakesmsc missing (kannel-extras)" >&2; exit 1; }
[ -r "$log" ] || { echo "$0: $log missing: is make run running with Kannel?" >&2; exit 1; }

before=$(grep -c "Got message" "$log" || true)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# -m 1: one message; it stays to hear an answer of smsbox's own (none:
# amr-notify answers by sendsms), so it is stopped once sent
"$fakesmsc" -H 127.0.0.1 -r $((kp + 11)) -m 1 "$from 1234 text $text" >"$out" 2>&1 &
pid=$!
for _ in $(seq 100); do
	grep -q "sent message 1" "$out" && break
	sleep 0.1
done
kill "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
grep -q "sent message 1" "$out" || { echo "$0: fakesmsc did not send:" >&2; cat "$out" >&2; exit 1; }
echo "sent from $from: $text"

# the answer: the first SMS to $from after those there were
for _ in $(seq 150); do
	if tail -n +1 "$log" | grep "Got message" | tail -n +$((before + 1)) | grep -q " $from "; then
		tail -n +1 "$log" | grep "Got message" | tail -n +$((before + 1)) | grep " $from " |
			python3 "$top/deploy/sms-inbox.py" /dev/stdin
		exit 0
	fi
	sleep 0.1
done
echo "no answer to $from within 15 s (a number no contact lists gets none; see amr-notify's log)"
exit 1
