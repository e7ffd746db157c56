#!/usr/bin/env bash
# Poll-cycle time of amr-gateway against amr-sim at 9600 baud with the
# simulator's wire timing on, for N devices, compared with what the wire
# allows. Needs no broker (the gateway keeps retrying it meanwhile).
#
#   tests/bench/gw_poll_cycle.sh [BIN_DIR] [N...]      default: build/bin 32 127
set -eu
bin=${1:-build/bin}
shift || true
counts=${*:-32 127}
dir=$(mktemp -d /tmp/gw-bench.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT

for n in $counts; do
	"$bin/amr-sim" --bus "$dir/bus$n" --devices "$n" --state "$dir/sim$n" \
		--log-level warn >"$dir/sim$n.log" 2>&1 &
	sim=$!
	sleep 1
	AMR_MQTT_PORT=1 "$bin/amr-gateway" --serial "$dir/bus$n" --poll "1-$n" \
		--data-dir "$dir/gw$n" --console-port $((23000 + n + RANDOM % 1000)) \
		--poll-interval-ms 0 --log-level debug >"$dir/gw$n.log" 2>&1 &
	gw=$!
	# let every device come online (first cycle reads their outputs too)
	sleep $((n / 2 + 20))
	kill "$gw" "$sim"
	wait "$gw" "$sim" 2>/dev/null || true
	# request 8 bytes + answer 47 bytes + two 3.5-character gaps, 10 bits a byte
	wire=$(awk -v n="$n" 'BEGIN { printf "%.0f", n * (8 + 47 + 7) * 10 / 9600 * 1000 }')
	grep "cycle of $n devices ($n answered)" "$dir/gw$n.log" | tail -n +2 |
		sed -E 's/.* in ([0-9]+) ms/\1/' |
		awk -v n="$n" -v wire="$wire" '
			{ s += $1; c++; if (min == "" || $1 < min) min = $1; if ($1 > max) max = $1 }
			END { if (c == 0) { print n " devices: no complete cycle"; exit 1 }
			      printf "%3d devices: %d cycles, mean %.0f ms (min %d, max %d); wire allows %d ms\n",
				      n, c, s / c, min, max, wire }'
done
