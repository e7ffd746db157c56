# What the demo scripts share (sourced by demo-registry.sh, demo-billing.sh
# and demo-setup.sh; not run on its own): how they call the services, how
# they fail, and the identity of the demo building's meters (serial numbers
# and verification dates), which the archive's registry and amr-billing's
# meters must agree on.
#
# The caller sets `set -euo pipefail` and may set AMRCTL (default: the
# tree's build/bin/amrctl); the broker comes from AMR_MQTT_*.

demo_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
amrctl=${AMRCTL:-$demo_here/../build/bin/amrctl}
demo_obj=1                   # the demo building's object number
demo_tz=Europe/Moscow        # its time zone (the archive's and billing's)
demo_actor=demo-setup        # who the audit trail says made the demo's records
demo_shop=17                 # the premises that is a shop (ground floor, entrance 2)

# demo_log MESSAGE: one line of the log, as the programs write theirs.
demo_log() { echo "$(date -u +%FT%TZ) ${0##*/} info: $*"; }

# demo_fail MESSAGE: say what went wrong where make run's terminal and a
# container's log show errors, and stop with status 1.
demo_fail() {
	echo "$(date -u +%FT%TZ) ${0##*/} error: $*" >&2
	exit 1
}

# demo_script WHAT: the requests on stdin ("SERVICE/METHOD {json}" lines)
# over one connection; their answers, one a line, on stdout. Any refusal
# stops the caller (amrctl has said which request, and why, on stderr).
demo_script() {
	"$amrctl" --timeout 10000 script || demo_fail "$1: a request was refused (amrctl said why, above)"
}

# demo_serial ADDR CH: the serial number of the meter on input CH of
# device ADDR (the house meters' device is the one after the flats').
demo_serial() {
	local addr=$1 ch=$2 flats=${demo_flats:-32} model
	if [ "$addr" -gt "$flats" ]; then
		model=("ВСХНд-50" "ВСГНд-50" "Меркурий 234" "ТЭМ-106")
	else
		model=("ВСХ-15" "ВСГ-15" "Меркурий 201.8" "СГК-1,6")
	fi
	printf '%s № %02d%06d\n' "${model[$((ch - 1))]}" $((18 + (addr + ch) % 6)) \
		$(((addr * 7919 + ch * 104729) % 1000000))
}

# demo_initial ADDR CH: what the meter on input CH of device ADDR showed
# on the day the history begins (amr-billing's meter "initial", the start
# of its readings on receipts), in its unit to the archive's decimals:
# water and gas a few hundred m3, electricity a few thousand kWh, different
# in every flat.
demo_initial() {
	local addr=$1 ch=$2 base=(100 60 1000 200) span=(800 500 8000 700)
	printf '%d.%03d\n' $((base[ch - 1] + (addr * 7919 + ch * 131) % span[ch - 1])) \
		$(((addr * 389 + ch * 97) % 1000))
}

# The meters whose verification (поверка) has run out, ADDR.CH: billing bills
# them by the average until they are verified again (Правила 354, п. 59).
demo_overdue=("7.2" "23.1")

# demo_verification_due ADDR CH: the date the meter's verification runs
# out, YYYY-MM-DD: months to years from today (cold water every 6 years,
# hot every 4, electricity 16, gas 10, heat 4: spread over the interval),
# and for the meters of demo_overdue 100 and 130 days ago.
demo_verification_due() {
	local addr=$1 ch=$2 i days
	for i in "${!demo_overdue[@]}"; do
		if [ "${demo_overdue[$i]}" = "$addr.$ch" ]; then
			TZ=$demo_tz date -d "-$((100 + 30 * i)) days" +%F
			return
		fi
	done
	local interval=(6 4 16 10)
	[ "$addr" -gt "${demo_flats:-32}" ] && [ "$ch" -eq 4 ] && interval[3]=4
	days=$((60 + (addr * 131 + ch * 37) % (interval[ch - 1] * 365 - 60)))
	TZ=$demo_tz date -d "+$days days" +%F
}
