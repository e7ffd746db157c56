#!/bin/sh
# Container health check: healthcheck.sh broker | sms | SERVICE
#
# broker:  the broker answers MQTT for the amr-health user ($SYS uptime).
# sms:     the SMS gateway's bearerbox says it is running on its admin port
#          and smsbox's sendsms accepts connections.
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
if [ "$what" = sms ]; then
	exec bash -c '
	exec 3<>/dev/tcp/127.0.0.1/13000 || exit 1
	printf "GET /status.txt HTTP/1.0\r\n\r\n" >&3
	grep -q "^Status: running" <&3 || { echo "sms: bearerbox is not running" >&2; exit 1; }
	(exec 4<>/dev/tcp/127.0.0.1/13013) 2>/dev/null || { echo "sms: no sendsms on 13013" >&2; exit 1; }'
fi
reply=amr/v1/rpc/reply/amr-$what-health
answer=$(mosquitto_rr -h "$host" -p "$port" -u "$AMR_MQTT_USER" -P "$AMR_MQTT_PASSWORD" \
	-i "amr-$what-health" -t "amr/v1/rpc/$what/ping" -e "$reply" -W 8 \
	-m "{\"id\":\"health-$$\",\"reply\":\"$reply\"}")
case $answer in
*'"ok":true'* | *'"ok": true'*) exit 0 ;;
*) echo "$what: $answer" >&2; exit 1 ;;
esac
