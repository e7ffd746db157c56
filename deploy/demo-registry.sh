#!/usr/bin/env bash
# Describe the demo building in the archive's registry: an address for
# object 1, a label per UO-4 (a flat's, or the shop's: demo_shop in
# deploy/demo-common.sh), and per input the meter the simulator drives
# (docs/uo4.md, "Meters"): cold water, hot water, electricity, gas, with
# their pulse weights (so the portal shows m3 and kWh, not pulses), serial
# numbers and verification dates; per UO-4 what its outputs drive (the
# valve or contactor of each meter).
# With --house also the house meters' UO-4 after the flats' (amr-sim
# --house yes): cold water, hot water and electricity at one pulse per ten
# of a flat's, so ten times a flat's weight, and the heat meter.
#
#   deploy/demo-registry.sh [--house] [FLATS]     (broker from AMR_MQTT_HOST/PORT)
#
# make run and the compose demo call it once, on the first start of a data
# directory (deploy/demo-setup.sh); running it again sets the same values.
set -euo pipefail
. "$(dirname "$0")/demo-common.sh"
house=0
if [ "${1:-}" = --house ]; then
	house=1
	shift
fi
demo_flats=${1:-32}
actor="\"actor\":\"$demo_actor\",\"reason\":\"demo building\""
# what each output drives: output N stops input N's meter (docs/uo4.md)
outputs='{"1":{"label":"Кран ХВС","resource":"cold_water"},"2":{"label":"Кран ГВС","resource":"hot_water"},'
outputs+='"3":{"label":"Контактор","resource":"electricity"},"4":{"label":"Газовый клапан","resource":"gas"}}'

# channel ADDR CH LABEL RESOURCE UNIT DEN: one input's meter, weight 1/DEN
channel() {
	local id=$demo_obj.$1.$2
	echo "archive/registry.set {\"id\":\"$id\",\"label\":\"$3\",\"resource\":\"$4\",\"unit\":\"$5\"," \
		"\"weight\":{\"num\":1,\"den\":$6,\"valid_from\":0},\"serial\":\"$(demo_serial "$1" "$2")\"," \
		"\"verification_due\":\"$(demo_verification_due "$1" "$2")\",$actor}"
}

{
	echo "archive/registry.set {\"id\":\"$demo_obj\",\"label\":\"ул. Садовая, 12 (демо)\",$actor}"
	for a in $(seq 1 "$demo_flats"); do
		name="Кв. $a"
		[ "$a" -eq "$demo_shop" ] && name="Пом. $a (магазин)"
		echo "archive/registry.set {\"id\":\"$demo_obj.$a\",\"label\":\"$name\",\"outputs\":$outputs,$actor}"
		channel "$a" 1 "${name% (*}, холодная вода" cold_water m3 100
		channel "$a" 2 "${name% (*}, горячая вода" hot_water m3 100
		channel "$a" 3 "${name% (*}, электроэнергия" electricity kWh 1000
		channel "$a" 4 "${name% (*}, газ" gas m3 100
	done
	if [ $house -eq 1 ]; then
		h=$((demo_flats + 1))
		echo "archive/registry.set {\"id\":\"$demo_obj.$h\",\"label\":\"Общедомовые счётчики\",$actor}"
		channel "$h" 1 "Общедомовой счётчик ХВС" cold_water m3 10
		channel "$h" 2 "Общедомовой счётчик ГВС" hot_water m3 10
		channel "$h" 3 "Общедомовой счётчик электроэнергии" electricity kWh 100
		channel "$h" 4 "Общедомовой счётчик тепла" heat Gcal 1000
	fi
} | demo_script "the demo building's registry" >/dev/null
