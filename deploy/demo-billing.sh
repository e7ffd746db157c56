#!/usr/bin/env bash
# The demo building's organisation in amr-billing (docs/billing.md), made
# over RPC as an accountant would make it: ТСЖ «Садовая, 12» (its ИНН,
# КПП, settlement and correspondent accounts pass bankcheck.c's keys), the
# building with its house meters, FLATS premises (two entrances, eight
# floors, a shop on the ground floor), their accounts (a legal entity for
# the shop, shared ownership of 1/2 in two flats), the services, tariffs
# with a price change on 2026-07-01, the meters of every premises on the
# simulator's channels from the day the history begins (with what each
# showed that day), and the entrances
# as groups. Then the reference tables of penalties, when their files are
# there (deploy/demo/, or AMR_DEMO_DATA), opening balances of a few
# debtors, and the two months before last run, issued and paid by bank
# registries (kept as demo-registry-YYYY-MM.txt beside the marker, to
# import again: nothing changes twice). Last month is left to run.
#
#   deploy/demo-billing.sh [--state DIR] [--from YYYY-MM-DD] [FLATS]
#
# --from: the first day of the meters (the history's, deploy/demo-setup.sh;
# default a year ago); --state: where the marker lives (default
# $AMR_DEMO_STATE, else $AMR_DATA_DIR, else ./var). FLATS (32) premises on
# devices 1..FLATS, the house meters on FLATS + 1. The broker comes from
# AMR_MQTT_*.
#
# Once per data directory: the marker .demo-billing records what was made
# ("flats=N from=DATE"); with it in place the script does nothing. Any
# refused request stops it with an error line and status 1; an
# organisation of its ИНН without the marker (a run that stopped half way)
# is refused too, rather than made twice.
set -euo pipefail
shopt -s inherit_errexit
. "$(dirname "$0")/demo-common.sh"

state=${AMR_DEMO_STATE:-${AMR_DATA_DIR:-./var}}
from=
while [ $# -gt 0 ]; do
	case $1 in
	--state) state=$2; shift 2 ;;
	--from) from=$2; shift 2 ;;
	-h | --help) sed -n '2,29p' "$0"; exit 0 ;;
	-*) echo "demo-billing.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
demo_flats=${1:-32}
[ -n "$from" ] || from=$(TZ=$demo_tz date -d '-365 days' +%F)
[[ $from =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] || { echo "demo-billing.sh: --from $from is not YYYY-MM-DD" >&2; exit 2; }
[[ $demo_flats =~ ^[1-9][0-9]*$ ]] && [ "$demo_flats" -le 126 ] || { echo "demo-billing.sh: FLATS $demo_flats is not 1..126" >&2; exit 2; }
data=${AMR_DEMO_DATA:-$demo_here/demo}      # reference tables (deploy/demo/)
marker=$state/.demo-billing
params="flats=$demo_flats from=$from"
who="\"actor\":\"$demo_actor\",\"reason\":\"demo organisation\""
change=2026-07-01                            # the tariffs' second version from

inn=7714302715 kpp=771401001                 # ТСЖ «Садовая, 12» (check digit 5)
bik=044525225 corr=30101810400000000225      # ПАО Сбербанк, Москва
account=40703810338000012012                 # 40703 (a non-profit), 810 (RUB), key 3

# create WHAT: the create requests on stdin over one connection; prints the
# ids of the records made, one a line, in the order of the requests
create() {
	local reqs out ids
	reqs=$(cat)
	out=$(demo_script "$1" <<<"$reqs")
	ids=$(jq -r '.id' <<<"$out")
	[ "$(grep -c . <<<"$ids")" -eq "$(grep -c . <<<"$reqs")" ] ||
		demo_fail "$1: $(grep -c . <<<"$reqs") requests, $(grep -c . <<<"$ids") records made"
	echo "$ids"
}

organisation() {
	org=$(create organisation <<EOF
billing/org.create {$who,"name":"ТСЖ «Садовая, 12»","inn":"$inn","kpp":"$kpp","account":"$account","bank":"ПАО Сбербанк","bik":"$bik","corr_account":"$corr","address":"125009, г. Москва, ул. Садовая, д. 12","phone":"+7 900 100-12-12","email":"tsj-sadovaya12@example.org"}
EOF
	)
}

# The building and its house meters (the simulator's device FLATS + 1;
# gas has none: it is billed by the flats' meters alone).
building() {
	local h=$demo_obj.$((demo_flats + 1))
	bld=$(create building <<EOF
billing/building.create {$who,"org":$org,"address":"г. Москва, ул. Садовая, д. 12","tz":"$demo_tz","objects":[$demo_obj],"house_meters":[{"resource":"cold_water","channel":"$h.1","from":"$from"},{"resource":"hot_water","channel":"$h.2","from":"$from"},{"resource":"electricity","channel":"$h.3","from":"$from"},{"resource":"heat","channel":"$h.4","from":"$from"}],"common_area":"420.00","odn_norms":{"cold_water":"0.030","hot_water":"0.030","electricity":"0.90"},"note":"демо-дом: 2 подъезда, 8 этажей, магазин на первом этаже"}
EOF
	)
}

codes=(cold_water hot_water wastewater electricity heat gas maintenance)
services() {
	local ids i
	ids=$(create services <<EOF
billing/service.create {$who,"org":$org,"code":"cold_water","name":"Холодное водоснабжение","unit":"m3","norm":"6.935"}
billing/service.create {$who,"org":$org,"code":"hot_water","name":"Горячее водоснабжение","unit":"m3","norm":"4.745"}
billing/service.create {$who,"org":$org,"code":"wastewater","name":"Водоотведение","unit":"m3"}
billing/service.create {$who,"org":$org,"code":"electricity","name":"Электроснабжение","unit":"kWh","norm":"98"}
billing/service.create {$who,"org":$org,"code":"heat","name":"Отопление","unit":"Gcal"}
billing/service.create {$who,"org":$org,"code":"gas","name":"Газоснабжение","unit":"m3","norm":"9.8"}
billing/service.create {$who,"org":$org,"code":"maintenance","name":"Содержание и ремонт жилого помещения","unit":"m2"}
EOF
	)
	mapfile -t ids <<<"$ids"
	declare -gA service=()
	for i in "${!codes[@]}"; do service[${codes[$i]}]=${ids[$i]}; done
}

# Premises N is on device N. Per entrance two flats a floor, one above the
# other in a riser of one plan: entrance 1 has the 2- and 3-room flats,
# entrance 2 the 1-room and the largest ones; the shop (demo_shop) took
# the ground floor's small flat and part of the stairwell.
areas=(54.30 74.60 54.30 74.60 54.30 74.60 54.30 74.60 54.30 74.60 54.30 74.60 54.30 74.60 56.10 74.60
	64.80 86.10 32.40 86.10 32.40 86.10 32.40 86.10 32.40 86.10 32.40 86.10 32.40 86.10 32.40 85.20)
residents=(2 3 2 4 1 3 2 5 2 3 1 4 3 2 2 3 0 4 1 5 2 3 1 4 1 2 2 5 1 3 1 4)
premises() {
	local n i ids kind
	ids=$(for n in $(seq 1 "$demo_flats"); do
		i=$(((n - 1) % ${#areas[@]}))
		kind=flat
		[ "$n" -eq "$demo_shop" ] && kind=nonresidential
		echo "billing/premises.create {$who,\"building\":$bld,\"number\":\"$n\",\"kind\":\"$kind\",\"area\":\"${areas[$i]}\",\"residents\":${residents[$i]},\"entrance\":$((n <= demo_flats / 2 ? 1 : 2)),\"floor\":$(((n - 1) % 16 / 2 + 1))}"
	done | create premises)
	mapfile -t prem <<<"$ids"
	prem=("" "${prem[@]}") # prem[N]: the id of premises N
}

# The holders: premises, share (empty: the whole), name, e-mail's local
# part. The shop's holder is the legal entity below.
holders="1||Егоров Павел Андреевич|egorov.pa
2||Иванов Сергей Петрович|ivanov.sp
3||Смирнова Ольга Викторовна|smirnova.ov
4||Кузнецов Андрей Игоревич|kuznetsov.ai
5||Попова Марина Алексеевна|popova.ma
6||Васильев Дмитрий Олегович|vasiliev.do
7||Петрова Анна Сергеевна|petrova.as
8|1/2|Соколов Михаил Юрьевич|sokolov.my
8|1/2|Соколова Елена Андреевна|sokolova.ea
9||Михайлов Алексей Николаевич|mikhailov.an
10||Новикова Татьяна Владимировна|novikova.tv
11||Фёдоров Игорь Павлович|fedorov.ip
12||Морозова Наталья Евгеньевна|morozova.ne
13||Волков Константин Сергеевич|volkov.ks
14||Алексеева Ирина Борисовна|alekseeva.ib
15||Лебедев Роман Викторович|lebedev.rv
16||Семёнова Галина Ивановна|semenova.gi
18||Павлова Светлана Николаевна|pavlova.sn
19||Козлов Виктор Михайлович|kozlov.vm
20|1/2|Степанов Артём Денисович|stepanov.ad
20|1/2|Степанова Юлия Олеговна|stepanova.yo
21||Николаева Людмила Петровна|nikolaeva.lp
22||Орлов Евгений Александрович|orlov.ea
23||Андреева Ксения Игоревна|andreeva.ki
24||Макаров Николай Степанович|makarov.ns
25||Никитина Валентина Фёдоровна|nikitina.vf
26||Захаров Станислав Вадимович|zakharov.sv
27||Зайцева Дарья Максимовна|zaytseva.dm
28||Соловьёв Григорий Ильич|soloviev.gi
29||Борисова Вера Анатольевна|borisova.va
30||Яковлев Тимур Рашидович|yakovlev.tr
31||Григорьева Полина Артёмовна|grigorieva.pa
32||Романов Кирилл Евгеньевич|romanov.ke"

# Accounts 100001.. in the order of the premises; each holder moved in on
# a date of their own, years before the history.
accounts() {
	local lines=() n share name mail holder held k=0 ids i
	while IFS='|' read -r n share name mail; do
		[ "$n" -le "$demo_flats" ] && lines+=("$n|$share|person|$name|$mail")
	done <<<"$holders"
	[ "$demo_shop" -le "$demo_flats" ] && lines+=("$demo_shop||legal|ООО «Продукты у дома»|produkty")
	mapfile -t lines < <(printf '%s\n' "${lines[@]}" | sort -t'|' -k1,1n -s)
	ids=$(for i in "${!lines[@]}"; do
		IFS='|' read -r n share kind name mail <<<"${lines[$i]}"
		holder="{\"type\":\"person\",\"name\":\"$name\"}"
		[ "$kind" = legal ] &&
			holder="{\"type\":\"legal\",\"name\":\"$name\",\"inn\":\"7734125687\",\"kpp\":\"773401001\"}"
		held="{\"premises\":${prem[$n]},\"from\":\"$(printf '%04d-%02d-%02d' $((2008 + n * 7 % 16)) $((1 + n * 5 % 12)) $((1 + n * 11 % 28)))\"${share:+,\"share\":\"$share\"}}"
		echo "billing/account.create {$who,\"org\":$org,\"number\":\"$((100001 + i))\",\"holder\":$holder,\"email\":\"$mail@example.org\",\"phone\":\"$(printf '+7 900 %03d-%02d-%02d' $((100 + n * 37 % 900)) $((n * 13 % 100)) $((10 + i * 29 % 90)))\",\"premises\":[$held]}"
	done | create accounts)
	mapfile -t ids <<<"$ids"
	naccounts=${#ids[@]}
	account_ids=("${ids[@]}") # by the accounts' order: number 100001 + index
	declare -gA accounts_of=() # premises N: its accounts' ids
	for i in "${!lines[@]}"; do
		n=${lines[$i]%%|*}
		accounts_of[$n]+="${accounts_of[$n]:+,}${ids[$i]}"
	done
}

# Reliefs (docs/billing.md, "Benefits, subsidies and instalments"): a
# veteran's half of the maintenance, a subsidy toward hot water from the
# first month issued, and that month's maintenance of one flat spread
# over six months at 5 % a year.
reliefs() {
	local first=$first_issued-01
	create reliefs >/dev/null <<EOF
billing/account.update {$who,"id":$((account_ids[3])),"benefits":[{"kind":"benefit","service":${service[maintenance]},"percent":"50","from":"2020-01-01","reason":"ветеран труда, ФЗ «О ветеранах» ст. 22"}]}
billing/account.update {$who,"id":$((account_ids[6])),"benefits":[{"kind":"subsidy","service":${service[hot_water]},"amount":"500.00","from":"$first","reason":"субсидия на оплату ЖКУ, решение УСЗН № 17-412"}]}
billing/account.update {$who,"id":$((account_ids[10])),"instalments":[{"service":${service[maintenance]},"amount":"900.00","months":6,"rate":"5","from":"$first","reason":"соглашение о рассрочке № 3"}]}
EOF
	demo_log "reliefs: a benefit, a subsidy and an instalment"
}

# Tariffs of 2026 in the Moscow region, one a line: service, name, kind,
# the price of the version up to 2026-07-01 (from the month the history
# begins, or 1 January 2026 if that is earlier) and the indexed price of
# the version from it; electricity's are day/night prices, zones 07-23 and
# 23-07.
tariff_table="cold_water|Холодная вода|per_unit|55.24|61.27
hot_water|Горячая вода|per_unit|289.86|321.55
wastewater|Водоотведение|wastewater|45.08|50.04
electricity|Электроэнергия, день и ночь|tou2|7.50/2.60|8.33/2.89
heat|Отопление|per_unit|3102.45|3442.75
gas|Газ|per_unit|7.96|8.84
maintenance|Содержание и ремонт|per_area|36.00|38.50"
zones='[{"zone":"day","from":"07:00","to":"23:00"},{"zone":"night","from":"23:00","to":"07:00"}]'

# price_of KIND PRICE: a version's price fields
price_of() {
	if [ "$1" = tou2 ]; then
		echo "\"prices\":{\"day\":\"${2%/*}\",\"night\":\"${2#*/}\"},\"zones\":$zones"
	else
		echo "\"price\":\"$2\""
	fi
}

tariffs() {
	local v1=${from:0:8}01 ids i=0 code name kind before after
	[[ $v1 < 2026-01-01 ]] || v1=2026-01-01
	ids=$(while IFS='|' read -r code name kind before after; do
		echo "billing/tariff.create {$who,\"org\":$org,\"service\":${service[$code]},\"name\":\"$name\",\"kind\":\"$kind\"}"
	done <<<"$tariff_table" | create tariffs)
	mapfile -t ids <<<"$ids"
	while IFS='|' read -r code name kind before after; do
		echo "billing/tariff.version.create {$who,\"tariff\":${ids[$i]},\"from\":\"$v1\",\"to\":\"$change\",$(price_of "$kind" "$before")}"
		echo "billing/tariff.version.create {$who,\"tariff\":${ids[$i]},\"from\":\"$change\",$(price_of "$kind" "$after")}"
		i=$((i + 1))
	done <<<"$tariff_table" | create "tariff versions" >/dev/null
}

# Every premises' cold water, hot water, electricity and gas on inputs 1..4
# of its device, from the day the history begins, with what each meter
# showed that day (demo_initial), the serial numbers the registry has (their verification dates are the registry's
# verification_due: demo-registry.sh), and the output of the same number
# that cuts each one's supply (the valve or contactor, docs/uo4.md).
meters() {
	local n c metered=(cold_water hot_water electricity gas)
	for n in $(seq 1 "$demo_flats"); do
		for c in 1 2 3 4; do
			echo "billing/meter.create {$who,\"premises\":${prem[$n]},\"service\":${service[${metered[$((c - 1))]}]},\"channel\":\"$demo_obj.$n.$c\",\"from\":\"$from\",\"serial\":\"$(demo_serial "$n" "$c")\",\"initial\":\"$(demo_initial "$n" "$c")\",\"output\":\"$demo_obj.$n.$c\",\"verification_due\":\"$(demo_verification_due "$n" "$c")\"}"
		done
	done | create meters >/dev/null
}

# The two entrances, with their premises and accounts.
groups() {
	local e n p a
	for e in 1 2; do
		p= a=
		for n in $(seq 1 "$demo_flats"); do
			[ $((n <= demo_flats / 2 ? 1 : 2)) -eq $e ] || continue
			p+="${p:+,}${prem[$n]}"
			[ -n "${accounts_of[$n]:-}" ] && a+="${a:+,}${accounts_of[$n]}"
		done
		echo "billing/group.create {$who,\"org\":$org,\"name\":\"Подъезд $e\",\"kind\":\"entrance\",\"premises\":[$p],\"accounts\":[$a]}"
	done | create groups >/dev/null
}

# Penalties' reference tables (the key rate, the working-day calendar):
# deploy/demo/rates-ru.json and calendar-ru.json are JSON arrays of
# records without their organisation (docs/billing.md, "The tables an
# accountant keeps"); each is created for the demo's organisation
# (billing/rate.create, billing/calendar.create). A missing file is
# skipped.
reference_tables() {
	local kind file
	for kind in rate calendar; do
		file=$data/${kind/%rate/rates}-ru.json
		if [ ! -e "$file" ]; then
			demo_log "no $file: the $kind table is not loaded"
			continue
		fi
		jq -r --arg a "$demo_actor" --arg k "$kind" --argjson org "$org" \
			'.[] | "billing/\($k).create " + (. + {org: $org, actor: $a, reason: "reference table of the demo"} | tojson)' \
			"$file" | create "the $kind table" >/dev/null
		demo_log "the $kind table: $(jq length "$file") records from $file"
	done
}

# The months of money: the two months before last are issued and paid
# (most in full, some in part, a few not at all), last month is left for
# the newcomer to run. Months are the building's, counted from today.
month_of() { TZ=$demo_tz date -d "$(TZ=$demo_tz date +%Y-%m-01) $1 month" +%Y-%m; }
issued_months=("$(month_of -3)" "$(month_of -2)")
first_issued=${issued_months[0]} # its day before: the cut-over of the opening balances
# accounts (by index into the accounts made, 0..) that came over owing
# months of debt from the old system: they stay debtors and pay nothing
debtors=(2 9 15 26)
# and those that pay part of a month's bill, or skip one
partial=(5 21)
skipper=12

in_list() {
	local x=$1
	shift
	for y in "$@"; do [ "$x" = "$y" ] && return 0; done
	return 1
}

# opening_balances: the debtors' debts of the three months before the
# first issued one, dated its day before (what the old system said they
# owed when the ТСЖ moved over)
opening_balances() {
	local cut i k items amount
	cut=$(TZ=$demo_tz date -d "$first_issued-01 -1 day" +%F)
	for i in "${debtors[@]}"; do
		[ "$i" -lt "$naccounts" ] || continue
		items=
		for k in 3 2 1; do
			amount=$((2400 + (i * 397 + k * 211) % 2600)).$(printf '%02d' $(((i * 37 + k * 13) % 100)))
			items+="${items:+,}{\"period\":\"$(TZ=$demo_tz date -d "$first_issued-01 -$k month" +%Y-%m)\",\"amount\":\"$amount\"}"
		done
		echo "billing/account.opening {$who,\"account\":$((account_ids[i])),\"date\":\"$cut\",\"items\":[$items]}"
	done | demo_script "opening balances" >/dev/null
	demo_log "opening balances of ${#debtors[@]} accounts on $cut"
}

# run_and_issue PERIOD: the building's draft of the month, then its issue
run_and_issue() {
	"$amrctl" --timeout 120000 billing run --building "$bld" --period "$1" >/dev/null ||
		demo_fail "the billing run of $1 was refused (amrctl said why, above)"
	"$amrctl" --timeout 120000 billing issue --building "$bld" --period "$1" \
		--reason "demo: the invoices of $1" >/dev/null ||
		demo_fail "the issue of $1 was refused (amrctl said why, above)"
	demo_log "invoices of $1 issued"
}

# pay PERIOD: the bank's registry of the month after PERIOD, paying its
# invoices (not the debtors', part of some, none of the skipper's in the
# first month), imported as an accountant would: previewed, then applied
pay() {
	local per=$1 file n=0 sum=0 kop day i number total amount mmyyyy
	file=$state/demo-registry-$per.txt
	mmyyyy=${per#*-}${per%-*}
	{
		echo "Дата;Номер;ЛС;Сумма;Период;Плательщик;Адрес"
		"$amrctl" --compact rpc billing/invoice.list "{\"building\":$bld,\"period\":\"$per\",\"limit\":200}" |
			jq -r '.invoices[] | "\(.number) \(.total) \(.holder)"' |
			while read -r number total name; do
				i=$((number - 100001))
				in_list "$i" "${debtors[@]}" && continue
				[ "$i" -eq "$skipper" ] && [ "$per" = "${issued_months[0]}" ] && continue
				kop=$((10#${total/./}))
				[ "$kop" -gt 0 ] || continue
				in_list "$i" "${partial[@]}" && kop=$((kop / 2))
				amount=$((kop / 100)),$(printf '%02d' $((kop % 100)))
				day=$(TZ=$demo_tz date -d "$per-01 +1 month +$((4 + i % 17)) days" +%d.%m.%Y)
				echo "$day;SB-$per-$number;$number;$amount;$mmyyyy;$name;г. Москва, ул. Садовая, д. 12"
			done
	} >"$file.lines"
	n=$(($(wc -l <"$file.lines") - 1))
	sum=$(tail -n +2 "$file.lines" | awk -F';' '{ split($4, a, ","); s += a[1] * 100 + a[2] } END { printf "%d", s }')
	{ cat "$file.lines"; echo "=$n;$((sum / 100)),$(printf '%02d' $((sum % 100)))"; } >"$file"
	rm -f "$file.lines"
	"$amrctl" billing payments import --org "$org" --bank sber --apply "$file" >/dev/null ||
		demo_fail "the bank registry $file was refused (amrctl said why, above)"
	demo_log "payments of $per: $n lines from $file"
}

billing_months() {
	local per
	for per in "${issued_months[@]}"; do
		run_and_issue "$per"
		pay "$per"
	done
}

if [ -e "$marker" ]; then
	[ "$(cat "$marker")" = "$params" ] ||
		demo_fail "$marker says the demo organisation was made for \"$(cat "$marker")\", not \"$params\""
	demo_log "the demo organisation is in amr-billing already ($marker)"
	exit 0
fi
existing=$("$amrctl" --compact billing org | jq -r --arg inn "$inn" '.records[] | select(.inn == $inn) | .id') ||
	demo_fail "amr-billing does not answer"
[ -z "$existing" ] ||
	demo_fail "amr-billing has organisation $existing with ИНН $inn but $marker is missing: an earlier run stopped half way; remove that organisation's records (or amr-billing's data) and run again"

organisation
building
services
premises
accounts
tariffs
meters
groups
reference_tables
reliefs
opening_balances
billing_months
mkdir -p "$state"
echo "$params" >"$marker"
demo_log "ТСЖ «Садовая, 12» (org $org): building $bld, $demo_flats premises, $naccounts accounts, meters from $from"
