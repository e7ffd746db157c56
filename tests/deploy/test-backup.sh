#!/usr/bin/env bash
# Backup and restore without containers (make test-deploy):
#
#   start the whole system with deploy/run.sh (make run) on free loopback
#   ports in a temporary directory, wait for the demo building's readings
#   in the archive and for its setup (deploy/demo-setup.sh: the house
#   meters, a year of history, the demo organisation in amr-billing),
#   take a hot backup with deploy/backup.sh while everything
#   runs, record the archive's answers for a span before the backup (and
#   amr-billing's records, made before it), stop, wipe every LMDB
#   environment and the broker's state, deploy/restore.sh, start again,
#   and require the same answers.
#
# Needs build/bin (make). Leaves nothing running, even when it fails.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
bin=$top/build/bin
tmp=$(mktemp -d /tmp/amr-test-backup.XXXXXX)
data=$tmp/data
runpid=

fail() { echo "FAIL test-backup: $*" >&2; exit 1; }

stop_run() {
	[ -n "$runpid" ] || return 0
	kill -TERM "$runpid" 2>/dev/null || true
	for _ in $(seq 100); do kill -0 "$runpid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$runpid" 2>/dev/null && kill -KILL -- -"$runpid" 2>/dev/null
	wait "$runpid" 2>/dev/null || true
	runpid=
}
cleanup() {
	local rc=$?
	stop_run
	if [ $rc -ne 0 ]; then
		echo "--- logs of the last run ($tmp kept) ---" >&2
		tail -n 5 "$data"/log/*.log >&2 2>/dev/null || true
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT

busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 12000))   # below the ephemeral range
		busy "$p" || { echo "$p"; return; }
	done
}
export AMR_MQTT_HOST=127.0.0.1
export AMR_MQTT_PORT=$(free_port)
export AMR_HTTP_PORT=$(free_port)
export AMR_CONSOLE_PORT=$(free_port)
export AMR_SMTP_PORT=$(free_port)
export AMR_KANNEL_PORT=$(free_port)
export AMR_SIM_SPEED=50
export AMR_DATA_DIR=$data

start_run() {
	# setsid: run.sh leads its own process group, so a test killed hard
	# can still take every program with it.
	setsid "$top/deploy/run.sh" >>"$tmp/run.log" 2>&1 &
	runpid=$!
	for _ in $(seq 100); do
		"$bin/amrctl" --timeout=1000 ping archive >/dev/null 2>&1 && return 0
		kill -0 "$runpid" 2>/dev/null || fail "deploy/run.sh exited: $(tail -n 3 "$tmp/run.log")"
		sleep 0.2
	done
	fail "the archive does not answer after start"
}
rpc() { "$bin/amrctl" --compact=yes --timeout=5000 rpc "$@"; }
hwm() { rpc archive/hwm '{"obj":1}' | sed -n 's/.*"seq": *\([0-9]*\).*/\1/p'; }

start_run
echo "test-backup: system up on port $AMR_MQTT_PORT, waiting for three stored batches"
for _ in $(seq 90); do
	[ "$(hwm)" -ge 3 ] 2>/dev/null && break
	sleep 1
done
[ "$(hwm)" -ge 3 ] || fail "no three batches of object 1 reached the archive in 90 s (hwm $(hwm))"

# The demo setup: registry, history, organisation (deploy/demo-setup.sh
# leaves .demo-billing last; an error line in its log is a failure).
for _ in $(seq 240); do
	[ -e "$data/.demo-billing" ] && break
	grep -q ' error: ' "$data/log/demo-setup.log" 2>/dev/null && break
	sleep 1
done
[ -e "$data/.demo-billing" ] || fail "the demo setup did not finish: $(tail -n 5 "$data/log/demo-setup.log")"
[ "$(rpc archive/latest '{"obj":1}' | jq '.channels | length')" -eq 132 ] ||
	fail "object 1 has not the 132 channels of 32 flats and the house meters"
rpc archive/registry.get '{"id":"1.33.1"}' | grep -q '"label":"Общедомовой счётчик ХВС"' ||
	fail "the house cold water meter is not described"
now=$(date +%s)
ago=$(rpc archive/consumption "{\"channels\":[\"1.2.1\",\"1.33.4\"],\"from\":$((now - 360 * 86400)),\"to\":$((now - 330 * 86400))}")
[ "$(jq '[.items[] | select(.pulses > 0 and .coverage.imported_hours > 0)] | length' <<<"$ago")" -eq 2 ] ||
	fail "no imported consumption of 1.2.1 and 1.33.4 a year ago: $ago"
[ "$("$bin/amrctl" --compact billing premises | jq '.records | length')" -eq 32 ] ||
	fail "amr-billing has not the demo's 32 premises"
echo "test-backup: demo set up: 132 channels, a year of history, 32 premises in amr-billing"

# The demo's money (deploy/demo-billing.sh): the two months before last
# issued and paid, debtors owing penalties, a registry imported again
# counted once; and last month, run now from what the simulator counted,
# bills exactly the archive's quantities, premises + ОДН = house meter.
month() { TZ=Europe/Moscow date -d "$(TZ=Europe/Moscow date +%Y-%m-01) $1 month" +%Y-%m; }
for m in "$(month -3)" "$(month -2)"; do
	[ "$(rpc billing/run.get "{\"building\":1,\"period\":\"$m\"}" | jq -r .state)" = issued ] ||
		fail "the demo's $m is not issued"
done
debtors=$(rpc billing/debtors '{"org":1}')
jq -e '.count >= 4 and ([.debtors[] | select((.penalties.accrued | tonumber) > 0)] | length) >= 4' \
	<<<"$debtors" >/dev/null || fail "the demo has no four debtors with penalties: ${debtors:0:300}"
"$bin/amrctl" billing payments import --org 1 --bank sber --apply "$data/demo-registry-$(month -2).txt" \
	>"$tmp/reimport.txt" || fail "the demo's registry of $(month -2) was refused again"
grep -q 'nothing new, nothing changed' "$tmp/reimport.txt" ||
	fail "the demo's registry imported again changed something: $(cat "$tmp/reimport.txt")"
last=$(month -1)
"$bin/amrctl" --compact --timeout 120000 billing run --building 1 --period "$last" >"$tmp/run.json" ||
	fail "the billing run of $last was refused"
rpc billing/invoice.list "{\"building\":1,\"period\":\"$last\",\"limit\":200}" >"$tmp/invoices.json"
from=$(TZ=Europe/Moscow date -d "$last-01" +%s)
to=$(TZ=Europe/Moscow date -d "$last-01 +1 month" +%s)
flats=$(for n in $(seq 1 32); do for c in 1 2 3 4; do printf '"1.%d.%d",' "$n" "$c"; done; done)
"$bin/amrctl" --compact --timeout 30000 rpc archive/consumption \
	"{\"channels\":[${flats%,}],\"from\":$from,\"to\":$to}" >"$tmp/consumption.json" ||
	fail "archive/consumption of $last did not answer"
check=$(python3 "$top/tests/deploy/demo_bill_check.py" "$tmp/run.json" "$tmp/invoices.json" \
	"$tmp/consumption.json") || fail "the run of $last against the archive: $check"
echo "test-backup: demo's money: $(month -3) and $(month -2) issued, $(jq .count <<<"$debtors") debtors, registry counted once; $last: $check"

# Last month issued, its receipts printed as one PDF: a page per invoice
# in premises order, each page's QR code the receipt's payload byte for
# byte, with the sum the journal says is owed.
"$bin/amrctl" --timeout 120000 billing issue --building 1 --period "$last" --reason "test" \
	>/dev/null || fail "the issue of $last was refused"
"$bin/amrctl" --timeout 120000 billing receipts --building 1 --period "$last" \
	-o "$tmp/receipts.pdf" >/dev/null || fail "the receipts of $last were not written"
"$bin/amrctl" --compact --timeout 120000 rpc billing/receipts \
	"{\"building\":1,\"period\":\"$last\",\"format\":\"json\"}" >"$tmp/receipts.json" ||
	fail "the receipts' data of $last did not come"
n=$(jq '.receipts | length' "$tmp/receipts.json")
[ "$n" -eq "$(jq '.invoices | length' "$tmp/invoices.json")" ] ||
	fail "$n receipts for $(jq '.invoices | length' "$tmp/invoices.json") invoices"
pdfinfo "$tmp/receipts.pdf" | grep -q "^Pages: *$n\$" || fail "the PDF has not $n pages: $(pdfinfo "$tmp/receipts.pdf")"
pdftoppm -r 110 -png "$tmp/receipts.pdf" "$tmp/rcpt"
charge_day=$(TZ=Europe/Moscow date -d "$last-01 +1 month" +%F)
i=0
for png in "$tmp"/rcpt-*.png; do
	want=$(jq -r ".receipts[$i].qr" "$tmp/receipts.json")
	got=$(zbarimg --raw -q -Sbinary "$png" 2>/dev/null) || fail "no QR code on page $((i + 1))"
	[ "$got" = "$want" ] || fail "page $((i + 1))'s QR code: $got, not $want"
	acc=$(jq -r ".receipts[$i].account.number" "$tmp/receipts.json")
	bal=$(rpc billing/account.balance "{\"org\":1,\"number\":\"$acc\",\"date\":\"$charge_day\"}" | jq -r .balance)
	[ "$(jq -r ".receipts[$i].money.total" "$tmp/receipts.json")" = "$bal" ] ||
		fail "account $acc's receipt says $(jq -r ".receipts[$i].money.total" "$tmp/receipts.json"), the journal $bal"
	i=$((i + 1))
done
[ "$i" -eq "$n" ] || fail "$i pages rendered of $n"
echo "test-backup: $last issued; $n receipts in one PDF, every QR code decoded to its payload and the journal's sum"

# The span asked about ends at t0, before the backup starts. The gateway
# sends a batch every few seconds, so a reading of t0 may still be on its
# way: wait until the archive has committed three batches more than it had
# just before t0 (one may have been in flight, the next was being filled
# at t0, the third was begun after it). Then every reading up to t0 was
# committed before the backup's read snapshot.
# amr-billing's records: an organisation and a building, made before the
# backup, must come back with it (and the demo's, made before them).
org=$(rpc billing/org.create '{"actor":"test","name":"ТСЖ «Берёзка»","inn":"7707083893","kpp":"773601001","account":"40703810538000001234","bank":"ПАО Сбербанк","bik":"044525225","corr_account":"30101810400000000225"}' | jq .id) ||
	fail "amr-billing did not create the organisation"
rpc billing/building.create "{\"actor\":\"test\",\"org\":$org,\"address\":\"ул. Ленина, 5\",\"tz\":\"Europe/Moscow\",\"objects\":[1]}" >/dev/null ||
	fail "amr-billing did not create the building"
q_org=(billing/org.get "{\"id\":$org}")
q_bld=(billing/building.list '{}')
q_prem=(billing/premises.list '{"limit":100}')

h0=$(hwm)
t0=$(date +%s)
for _ in $(seq 60); do
	[ "$(hwm)" -ge $((h0 + 3)) ] && break
	sleep 1
done
[ "$(hwm)" -ge $((h0 + 3)) ] || fail "the archive committed no three batches in 60 s after seq $h0"
"$top/deploy/backup.sh" "$tmp/backup" >"$tmp/backup.log" || fail "backup.sh: $(cat "$tmp/backup.log")"
grep -q ' archive/data.mdb ' "$tmp/backup/MANIFEST" || fail "no archive in the backup"
grep -q ' billing/data.mdb ' "$tmp/backup/MANIFEST" || fail "no amr-billing environment in the backup"
grep -q ' broker/mosquitto.db ' "$tmp/backup/MANIFEST" || fail "no broker state in the backup"

span="\"from\":$((t0 - 86400)),\"to\":$t0"
q_series=(archive/series "{\"channel\":\"1.1.3\",$span,\"step\":\"raw\"}")
q_hours=(archive/series "{\"channel\":\"1.2.3\",$span,\"step\":\"hour\"}")
q_cons=(archive/consumption "{\"channels\":[\"1.1.3\",\"1.5.2\",\"1.32.3\"],$span}")
q_reg=(archive/registry.get '{"id":"1.7.3"}')
before=$tmp/before
{ rpc "${q_series[@]}"; rpc "${q_hours[@]}"; rpc "${q_cons[@]}"; rpc "${q_reg[@]}"; } >"$before" ||
	fail "the archive did not answer the queries"
{ rpc "${q_org[@]}"; rpc "${q_bld[@]}"; rpc "${q_prem[@]}"; } >"$tmp/billing-before" || fail "amr-billing did not answer"
grep -q '"inn":"7707083893"' "$tmp/billing-before" || fail "amr-billing's organisation: $(cat "$tmp/billing-before")"
grep -q '"pulses":[1-9]' "$before" || fail "no pulses counted before the backup: $(head -c 300 "$before")"

stop_run
echo "test-backup: stopped; wiping every LMDB environment and the broker's state"
envs=$(find "$data" -name data.mdb | wc -l)
[ "$envs" -ge 3 ] || fail "expected the archive, ingest and gateway environments, found $envs"
find "$data" -name data.mdb -printf '%h\n' | xargs rm -rf
rm -f "$data/broker/mosquitto.db"

"$top/deploy/restore.sh" "$tmp/backup" >"$tmp/restore.log" || fail "restore.sh: $(cat "$tmp/restore.log")"
[ "$(find "$data" -name data.mdb | wc -l)" -eq "$envs" ] || fail "restore did not bring back $envs environments"
cmp -s "$tmp/backup/data/broker/mosquitto.db" "$data/broker/mosquitto.db" || fail "broker state not restored"

start_run
after=$tmp/after
{ rpc "${q_series[@]}"; rpc "${q_hours[@]}"; rpc "${q_cons[@]}"; rpc "${q_reg[@]}"; } >"$after" ||
	fail "the archive did not answer after the restore"
if ! cmp -s "$before" "$after"; then
	diff <(tr ',' '\n' <"$before") <(tr ',' '\n' <"$after") | head -n 20 >&2
	fail "the archive answers differently after backup, wipe and restore"
fi
for _ in $(seq 50); do
	{ rpc "${q_org[@]}"; rpc "${q_bld[@]}"; rpc "${q_prem[@]}"; } >"$tmp/billing-after" 2>/dev/null && break
	sleep 0.2
done
cmp -s "$tmp/billing-before" "$tmp/billing-after" ||
	fail "amr-billing answers differently after the restore: $(cat "$tmp/billing-after")"
# The restored system goes on: the gateway's restored spool resends what
# the backup missed, and the archive acknowledges it.
stop_run
echo "PASS test-backup ($(wc -l <"$tmp/backup/MANIFEST") copies, $(wc -c <"$before") bytes of answers identical)"
