#!/usr/bin/env bash
# The demo building's first start, for make run (deploy/run.sh) and the
# compose demo (the demo-setup service): once the archive has seen every
# channel of the simulated building (FLATS flats and the house meters),
#
#   1. describe it in the registry (deploy/demo-registry.sh --house);
#   2. bring in a year of its past: amr-sim --history-days writes it from
#      the simulator's own meters, ending before the hour of the first live
#      reading, and `amrctl archive import --source demo-history` stores it;
#   3. set up its organisation in amr-billing (deploy/demo-billing.sh), its
#      meters from the day the history begins.
#
#   deploy/demo-setup.sh [FLATS]          (broker from AMR_MQTT_HOST/PORT/USER/PASSWORD;
#                                          FLATS defaults to AMR_SIM_DEVICES, else 32)
#
# Each step runs once per data directory: its marker file in the state
# directory records what it did it for (the flats, the history's end), and
# a step whose marker says the same is skipped, so a second start does
# nothing and a setup that stopped half way goes on from the step that
# failed. A refused request stops the setup with an error line and status
# 1.
#
# Environment (defaults in brackets):
#   AMR_DEMO_STATE         where the markers live [$AMR_DATA_DIR, else ./var]
#   AMRCTL, AMR_SIM        the programs [the tree's build/bin/]
#   AMR_SIM_SEED           the live simulator's seed, for the history [1]
#   AMR_DEMO_HISTORY_DAYS  days of history [365]
#   AMR_DEMO_WAIT          seconds to wait for the building's channels [300]
set -euo pipefail
. "$(dirname "$0")/demo-common.sh"
demo_flats=${1:-${AMR_SIM_DEVICES:-32}}
sim=${AMR_SIM:-$demo_here/../build/bin/amr-sim}
state=${AMR_DEMO_STATE:-${AMR_DATA_DIR:-./var}}
days=${AMR_DEMO_HISTORY_DAYS:-365}
channels=$(((demo_flats + 1) * 4))
mkdir -p "$state"

# done_for NAME PARAMS: whether step NAME was done for PARAMS
done_for() { [ "$(cat "$state/.demo-$1" 2>/dev/null)" = "$2" ]; }
# mark NAME PARAMS: step NAME is done for PARAMS
mark() { echo "$2" >"$state/.demo-$1.tmp" && mv "$state/.demo-$1.tmp" "$state/.demo-$1"; }

# The building's channel ids as a JSON list.
channel_list() {
	local a c sep=
	printf '['
	for a in $(seq 1 $((demo_flats + 1))); do
		for c in 1 2 3 4; do
			printf '%s"%s.%s.%s"' "$sep" "$demo_obj" "$a" "$c"
			sep=,
		done
	done
	printf ']'
}

# The hour the history ends: the hour of the building's first live reading
# (the earliest coverage "first" of its channels since the day before the
# archive first saw one), so that no channel's history reaches its live
# readings. Kept in the state directory: a setup that goes on after a
# failure writes the same history.
history_end() {
	local seen from end
	end=$(cat "$state/.demo-history-end" 2>/dev/null || true)
	if [ -z "$end" ]; then
		seen=$("$amrctl" --compact rpc archive/registry.list \
			"{\"obj\":$demo_obj,\"channels_only\":true,\"limit\":3000}" |
			jq '[.records[].first_seen] | min') ||
			demo_fail "archive/registry.list of object $demo_obj did not answer"
		from=$((seen - 86400 - seen % 3600))
		end=$("$amrctl" --compact --timeout 30000 rpc archive/consumption \
			"{\"channels\":$(channel_list),\"from\":$from,\"to\":$(date +%s)}" |
			jq '[.items[].coverage.first // empty] | min') ||
			demo_fail "archive/consumption of the building did not answer"
		[[ $end =~ ^[0-9]+$ ]] || demo_fail "the building's channels have no first reading yet"
		end=$((end - end % 3600))
		echo "$end" >"$state/.demo-history-end"
	fi
	echo "$end"
}

# history END: the building's past up to END, written by the simulator
# from its own meters (the live one's seed and time zone) and imported.
# A setup stopped half way through the import left some channels imported:
# those are left out (the archive would refuse them as overlapping).
history() {
	local end=$1 dir done_list
	dir=$(mktemp -d)
	"$sim" --devices "$demo_flats" --house yes --seed "${AMR_SIM_SEED:-1}" \
		--history-days "$days" --history-end "$end" --history-out "$dir/history.csv" \
		--history-obj "$demo_obj" --log-level warn ||
		demo_fail "amr-sim did not write the history"
	done_list=$("$amrctl" --compact --timeout 30000 rpc archive/consumption \
		"{\"channels\":$(channel_list),\"from\":$((end - days * 86400)),\"to\":$end}" |
		jq -r '.items[] | select(.coverage.imported_hours > 0) | .channel') ||
		demo_fail "archive/consumption of the building's past did not answer"
	awk -F, 'NR == FNR { skip[$1] = 1; next } FNR == 1 || !($1 in skip)' \
		<(echo "$done_list") "$dir/history.csv" >"$dir/rest.csv"
	if [ "$(wc -l <"$dir/rest.csv")" -gt 1 ]; then
		"$amrctl" --timeout 60000 archive import --source demo-history \
			--reason "the demo building's past (amr-sim --history-days $days)" \
			--actor "$demo_actor" "$dir/rest.csv" >/dev/null ||
			demo_fail "amrctl archive import refused the history (amrctl said why, above)"
	fi
	rm -rf "$dir"
}

registry_params="flats=$demo_flats house=yes"
billing_params() { echo "flats=$demo_flats from=$1"; }

# Nothing to do on a later start: no need to wait for the building.
if done_for registry "$registry_params" && [ -e "$state/.demo-history-end" ]; then
	end=$(cat "$state/.demo-history-end")
	from=$(TZ=$demo_tz date -d "@$((end - days * 86400))" +%F)
	if done_for history "end=$end days=$days" && done_for billing "$(billing_params "$from")"; then
		demo_log "the demo building is set up already ($state/.demo-*)"
		exit 0
	fi
fi

demo_log "waiting for the $channels channels of object $demo_obj in the archive"
n=0
for _ in $(seq "${AMR_DEMO_WAIT:-300}"); do
	n=$("$amrctl" --compact rpc archive/latest "{\"obj\":$demo_obj}" 2>/dev/null |
		jq '.channels | length' 2>/dev/null || true)
	[[ $n =~ ^[0-9]+$ ]] || n=0 # the archive is not up yet
	[ "$n" -ge "$channels" ] && break
	sleep 1
done
[ "$n" -ge "$channels" ] ||
	demo_fail "the archive has $n of the $channels channels of object $demo_obj after ${AMR_DEMO_WAIT:-300} s"

if ! done_for registry "$registry_params"; then
	"$demo_here/demo-registry.sh" --house "$demo_flats"
	mark registry "$registry_params"
	demo_log "the demo building is described in the registry (demo-registry.sh)"
fi

end=$(history_end)
from=$(TZ=$demo_tz date -d "@$((end - days * 86400))" +%F)

if ! done_for history "end=$end days=$days"; then
	history "$end"
	mark history "end=$end days=$days"
	demo_log "$days days of the building's past, up to $(date -u -d "@$end" +%FT%TZ), are in the archive"
fi

# demo-billing.sh keeps its own marker (.demo-billing, "flats=N from=DATE")
"$demo_here/demo-billing.sh" --state "$state" --from "$from" "$demo_flats"

# The dispatcher told of the building's alarms by e-mail and SMS, and the
# engineer on duty when the dispatcher has not acknowledged an alarm in 15
# minutes (docs/notify.md, "Who gets what"): make run's local mailbox and
# Kannel's fake SMS centre keep what amr-notify sends.
if ! done_for contacts "dispatcher engineer sms"; then
	"$amrctl" --compact rpc notify/contact.set \
		'{"name":"инженер","actor":"demo","email":"engineer@tsj-sadovaya.example","phone":"+79007654321","min_severity":"critical"}' \
		>/dev/null || demo_fail "notify/contact.set refused the demo's engineer"
	"$amrctl" --compact rpc notify/contact.set \
		'{"name":"диспетчер","actor":"demo","user":"admin","email":"dispatcher@tsj-sadovaya.example","phone":"+79001234567","min_severity":"minor","escalate":{"after_min":15,"to":"инженер"}}' \
		>/dev/null || demo_fail "notify/contact.set refused the demo's dispatcher"
	mark contacts "dispatcher engineer sms"
	demo_log "the dispatcher (+79001234567) is told of every alarm of at least minor severity by e-mail and SMS; the engineer (+79007654321) of those not acknowledged in 15 minutes"
fi
