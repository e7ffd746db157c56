#!/usr/bin/env bash
# Describe the demo building in the archive's registry: an address for
# object 1, an apartment per UO-4, and per input the meter the simulator
# drives (docs/uo4.md, "Meters"): cold water, hot water, electricity, gas,
# with their pulse weights, so the portal shows m3 and kWh, not pulses; and
# per UO-4 what its outputs drive (the valve or contactor of each meter).
#
#   deploy/demo-registry.sh [DEVICES]     (broker from AMR_MQTT_HOST/PORT)
#
# make run calls it once, on the first start of a data directory.
set -euo pipefail
devices=${1:-32}
amrctl=${AMRCTL:-$(dirname "$0")/../build/bin/amrctl}
actor='"actor":"demo-setup","reason":"demo building"'
# what each output drives: output N stops input N's meter (docs/uo4.md)
outputs='{"1":{"label":"Кран ХВС","resource":"cold_water"},"2":{"label":"Кран ГВС","resource":"hot_water"},'
outputs+='"3":{"label":"Контактор","resource":"electricity"},"4":{"label":"Газовый клапан","resource":"gas"}}'

{
	echo "archive/registry.set {\"id\":\"1\",\"label\":\"ул. Садовая, 12 (демо)\",$actor}"
	for a in $(seq 1 "$devices"); do
		echo "archive/registry.set {\"id\":\"1.$a\",\"label\":\"Кв. $a\",\"outputs\":$outputs,$actor}"
		echo "archive/registry.set {\"id\":\"1.$a.1\",\"label\":\"Кв. $a, холодная вода\",\"resource\":\"cold_water\",\"unit\":\"m3\",\"weight\":{\"num\":1,\"den\":100,\"valid_from\":0},$actor}"
		echo "archive/registry.set {\"id\":\"1.$a.2\",\"label\":\"Кв. $a, горячая вода\",\"resource\":\"hot_water\",\"unit\":\"m3\",\"weight\":{\"num\":1,\"den\":100,\"valid_from\":0},$actor}"
		echo "archive/registry.set {\"id\":\"1.$a.3\",\"label\":\"Кв. $a, электроэнергия\",\"resource\":\"electricity\",\"unit\":\"kWh\",\"weight\":{\"num\":1,\"den\":1000,\"valid_from\":0},$actor}"
		echo "archive/registry.set {\"id\":\"1.$a.4\",\"label\":\"Кв. $a, газ\",\"resource\":\"gas\",\"unit\":\"m3\",\"weight\":{\"num\":1,\"den\":100,\"valid_from\":0},$actor}"
	done
} | "$amrctl" --timeout 10000 script >/dev/null
