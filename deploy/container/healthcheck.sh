#!/bin/sh
# Container health check: healthcheck.sh broker | SERVICE
#
# broker:  the broker answers MQTT for the amr-health user ($SYS uptime).
# SERVICE: the service answers its ping RPC over the broker, with its own
#          user and the client id amr-SERVICE-health (both allowed by the
#          ACL), so a wedged event loop shows as unhealthy, not only a
#          dead process.
set -eu
what=${1:?usage: healthcheck.sh broker|SERVICE}
host=${AMR_MQTT_HOST:-broker}
port=${AMR_MQTT_PORT:-1883}
if [ "$what" = broker ]; then
	exec mosquitto_sub -h 127.0.0.1 -p 1883 -u "$AMR_MQTT_USER" -P "$AMR_MQTT_PASSWORD" \
		-i amr-health -t '$SYS/broker/uptime' -C 1 -W 8 >/dev/null
fi
reply=amr/v1/rpc/reply/amr-$what-health
answer=$(mosquitto_rr -h "$host" -p "$port" -u "$AMR_MQTT_USER" -P "$AMR_MQTT_PASSWORD" \
	-i "amr-$what-health" -t "amr/v1/rpc/$what/ping" -e "$reply" -W 8 \
	-m "{\"id\":\"health-$$\",\"reply\":\"$reply\"}")
case $answer in
*'"ok":true'* | *'"ok": true'*) exit 0 ;;
*) echo "$what: $answer" >&2; exit 1 ;;
esac
