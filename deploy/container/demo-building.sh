#!/bin/bash
# The demo building in one container: amr-sim (UO-4 devices on a virtual
# RS-485 bus, a pseudo-terminal) and amr-gateway polling that bus. Both in
# one container because the pty cannot be shared between containers.
#
# Environment: AMR_SIM_DEVICES [32] flats (their UO-4 at addresses 1..N,
# the house meters' at N+1), AMR_SIM_SPEED [1], the gateway's AMR_GW_* and
# AMR_MQTT_* (from its provisioned env file).
# Stops both on SIGTERM; exits (and the container restarts) when either dies.
set -uo pipefail

data=${AMR_DATA_DIR:-/var/lib/amr}
devices=${AMR_SIM_DEVICES:-32}
mkdir -p "$data/sim"
rm -f "$data/sim/bus" "$data/sim/control.sock"

amr-sim --bus "$data/sim/bus" --devices "$devices" --house yes --speed "${AMR_SIM_SPEED:-1}" \
	--state "$data/sim" --control "$data/sim/control.sock" &
sim=$!
gw=
trap 'kill -TERM $gw $sim 2>/dev/null; wait; exit 0' TERM INT

for _ in $(seq 100); do
	[ -e "$data/sim/bus" ] && break
	kill -0 $sim 2>/dev/null || { echo "demo-building: amr-sim exited" >&2; exit 1; }
	sleep 0.1
done
[ -e "$data/sim/bus" ] || { echo "demo-building: amr-sim made no bus" >&2; kill $sim; exit 1; }

amr-gateway --serial "$data/sim/bus" --poll "1-$((devices + 1))" &
gw=$!

wait -n
rc=$?
echo "demo-building: a program exited ($rc), stopping the other" >&2
kill -TERM $gw $sim 2>/dev/null
wait
exit 1
