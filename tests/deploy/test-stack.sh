#!/usr/bin/env bash
# The container stack with the demo building, under podman-compose
# (make test-deploy):
#
#   base image (debootstrapped once when missing), the amr image built from
#   this tree, secrets in a temporary directory, `docker-compose config`
#   on both files, `podman-compose up` of the stack and the demo on
#   127.0.0.1 and free ports; then: every container healthy and not root,
#   the portal answers, the demo building's telemetry reaches the archive,
#   the demo setup ran (the house meters described, a year of history
#   imported, the demo organisation's 32 premises in amr-billing), an SMS
#   asked of amr-notify reaches the sms container's fake centre,
#   anonymous clients and wrong passwords are refused on 1883 and 8883, a
#   gateway's credentials cannot publish under another object's topic nor
#   read its commands but can use its own topics (plain and TLS), and a
#   hot backup of the stack restored gives the same archive answers.
#   Finally `podman-compose down -v` and a check that nothing is left.
#
# Leaves nothing running, even when it fails. AMR_TEST_KEEP=1 keeps the
# temporary directory of a failed run.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
export CONTAINERS_CONF=$top/deploy/container/containers.conf
export AMR_ENGINE=podman
export AMR_PROJECT=amr-test
project=$AMR_PROJECT
tmp=$(mktemp -d /tmp/amr-test-stack.XXXXXX)
export AMR_SECRETS_DIR=$tmp/secrets
bin=$top/build/bin
start=$(date +%s)
files=(-f deploy/docker-compose.yml -f deploy/docker-compose.demo.yml)

say() { echo "test-stack [$(($(date +%s) - start))s]: $*"; }
fail() { echo "FAIL test-stack: $*" >&2; exit 1; }

compose() { podman-compose -p "$project" "${files[@]}" "$@"; }

# Remove every container, pod, volume and network of the project.
teardown() {
	compose down -v -t 5 >>"$tmp/down.log" 2>&1 || true
	podman rm -f -t 2 $(podman ps -aq --filter "label=com.docker.compose.project=$project") >/dev/null 2>&1 || true
	podman pod rm -f "pod_$project" >/dev/null 2>&1 || true
	podman volume rm -f $(podman volume ls -q --filter "label=com.docker.compose.project=$project") >/dev/null 2>&1 || true
	podman network rm -f "${project}_default" >/dev/null 2>&1 || true
}
leftovers() {
	podman ps -aq --filter "label=com.docker.compose.project=$project"
	podman volume ls -q --filter "label=com.docker.compose.project=$project"
	podman network ls -q --filter "name=^${project}_default\$"
	podman pod ps -q --filter "name=^pod_$project\$"
}
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ $rc -ne 0 ]; then
		echo "--- last log lines of each container ---" >&2
		for c in $(podman ps -aq --filter "label=com.docker.compose.project=$project" 2>/dev/null); do
			echo "== $(podman inspect --format '{{.Name}}' "$c")" >&2
			podman logs --tail 8 "$c" 2>&1 | cut -c1-240 >&2 || true
		done
	fi
	[ -n "${subpid:-}" ] && kill "$subpid" 2>/dev/null
	teardown
	if [ $rc -ne 0 ] && [ "${AMR_TEST_KEEP:-0}" = 1 ]; then
		echo "kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 12000))   # below the ephemeral range
		busy "$p" || { echo "$p"; return; }
	done
}
export AMR_PUBLISH_ADDR=127.0.0.1
export AMR_PUBLISH_HTTP=$(free_port)
export AMR_PUBLISH_MQTT=$(free_port)
export AMR_PUBLISH_MQTTS=$(free_port)
export AMR_PUBLISH_CONSOLE=$(free_port)
export AMR_SIM_SPEED=50
mqtt=$AMR_PUBLISH_MQTT
mqtts=$AMR_PUBLISH_MQTTS

# A run killed hard may have left the project behind.
teardown

# 1. Images.
deploy/container/debian-base.sh --engine podman
t=$(date +%s)
deploy/container/build-image.sh --engine podman >"$tmp/build.log" 2>&1 ||
	{ tail -n 30 "$tmp/build.log" >&2; fail "the image did not build"; }
say "image built in $(($(date +%s) - t)) s"

# 2. Secrets and the compose files.
deploy/secrets.sh init >"$tmp/secrets.log" || fail "secrets.sh init: $(cat "$tmp/secrets.log")"
if command -v docker-compose >/dev/null; then
	docker-compose -p "$project" "${files[@]}" config -q || fail "docker-compose config refuses the compose files"
	say "docker-compose config accepts both files"
fi

# 3. Up.
compose up -d >"$tmp/up.log" 2>&1 || { tail -n 20 "$tmp/up.log" >&2; fail "podman-compose up failed"; }
say "stack up"

ids=$(podman ps -aq --filter "label=com.docker.compose.project=$project")
[ "$(echo "$ids" | wc -l)" -eq 9 ] ||
	fail "expected 9 containers (broker, 5 services, sms, building, demo-setup), got: $(echo $ids)"
svc_of() { podman inspect --format '{{index .Config.Labels "com.docker.compose.service"}}' "$1"; }
setup_id=
for id in $ids; do [ "$(svc_of "$id")" = demo-setup ] && setup_id=$id; done
[ -n "$setup_id" ] || fail "no demo-setup container"

# Every container healthy (its health check run now: podman schedules
# them with systemd timers, absent here) and running as a user, not root.
# Checked side by side: the first name lookup in a new network can take
# the resolver's full timeout. demo-setup runs once and exits: it has no
# health check, its user is the image's (step 5c waits for it).
healthy() {
	local id=$1 name end=$(($(date +%s) + 120))
	name=$(svc_of "$id")
	while [ "$(date +%s)" -lt $end ]; do
		podman healthcheck run "$id" >/dev/null 2>&1 && { say "$name healthy"; return 0; }
		sleep 1
	done
	echo "$name is not healthy after 120 s" >"$tmp/unhealthy.$name"
	return 1
}
hpids=()
for id in $ids; do
	[ "$id" = "$setup_id" ] && continue
	healthy "$id" &
	hpids+=($!)
done
for p in "${hpids[@]}"; do wait "$p" || true; done
! ls "$tmp"/unhealthy.* >/dev/null 2>&1 || fail "$(cat "$tmp"/unhealthy.*)"
for id in $ids; do
	[ "$id" = "$setup_id" ] && continue
	[ "$(podman exec "$id" id -u)" != 0 ] || fail "$(svc_of "$id") runs as root"
done
[ "$(podman inspect --format '{{.Config.User}}' "$setup_id")" = amr ] || fail "demo-setup runs as root"
say "all 8 services healthy, none running as root (nor demo-setup)"

# 4. The portal answers on the published port.
code=
for _ in $(seq 30); do
	code=$(curl -s -o "$tmp/portal.html" -w '%{http_code}' "http://127.0.0.1:$AMR_PUBLISH_HTTP/" || true)
	[ "$code" = 200 ] && break
	sleep 1
done
[ "$code" = 200 ] || fail "the portal answers $code on 127.0.0.1:$AMR_PUBLISH_HTTP"
grep -qi '<html' "$tmp/portal.html" || fail "the portal's page is not HTML"
say "portal answers 200 on 127.0.0.1:$AMR_PUBLISH_HTTP"

# 5. The demo building's telemetry reaches the archive.
ops_user=amr-ops
ops_pw=$(sed -n 's/^AMR_MQTT_PASSWORD=//p' "$AMR_SECRETS_DIR/env/ops.env")
ctl() {
	"$bin/amrctl" --mqtt-host=127.0.0.1 --mqtt-port="$mqtt" --mqtt-user="$ops_user" \
		--mqtt-password="$ops_pw" --compact=yes "$@"
}
series=
for _ in $(seq 120); do
	now=$(date +%s)
	series=$(ctl rpc archive/series "{\"channel\":\"1.1.3\",\"from\":$((now - 3600)),\"to\":$((now + 60)),\"step\":\"raw\"}" 2>&1 || true)
	case $series in *'"pulses":'[1-9]*) break ;; esac
	sleep 1
done
case $series in
*'"pulses":'[1-9]*) ;;
*) fail "no counted pulses of channel 1.1.3 in the archive after 120 s: ${series:0:300}" ;;
esac
say "the demo building's readings are in the archive (series of 1.1.3 has pulses)"

# 5a. An SMS another service asks amr-notify for goes through the sms
# container (Kannel) to its fake centre, which logs it in the sms volume.
ctl rpc notify/send '{"ref":"ops/test-stack/1","channel":"sms","to":"+79001112233","body":"Проверка SMS","actor":"test-stack"}' \
	>"$tmp/send.log" 2>&1 || fail "notify/send refused: $(cat "$tmp/send.log")"
sms_id=
for id in $ids; do [ "$(svc_of "$id")" = sms ] && sms_id=$id; done
got=
for _ in $(seq 60); do
	podman cp "$sms_id:/var/lib/amr/sms/fakesmsc.log" "$tmp/fakesmsc.log" 2>/dev/null || true
	got=$(deploy/sms-inbox.py "$tmp/fakesmsc.log" 2>/dev/null | grep -F '+79001112233' || true)
	[ -n "$got" ] && break
	sleep 1
done
case $got in *'Проверка SMS'*) ;; *) fail "the SMS did not reach the fake centre: $(podman logs --tail 5 "$sms_id" 2>&1)" ;; esac
say "amr-notify's SMS went through the sms container to Kannel's fake centre: $got"

# 5b. The portal shows the demo building: sign in with the admin password
# amr-web printed at its first start, as a person reading the logs would.
web_id=
for id in $ids; do [ "$(svc_of "$id")" = web ] && web_id=$id; done
admin_pw=$(podman logs "$web_id" 2>&1 | grep -o 'created user admin with password [^ ]*' |
	tail -n 1 | awk '{print $6}')
[ -n "$admin_pw" ] || fail "amr-web printed no admin password"
jar=$tmp/cookies
code=$(curl -s -o "$tmp/login.json" -w '%{http_code}' -c "$jar" -H 'Content-Type: application/json' \
	-d "{\"user\":\"admin\",\"password\":\"$admin_pw\"}" "http://127.0.0.1:$AMR_PUBLISH_HTTP/api/v1/login")
[ "$code" = 200 ] || fail "admin sign-in answered $code: $(cat "$tmp/login.json")"
objects=
for _ in $(seq 30); do
	objects=$(curl -s -b "$jar" "http://127.0.0.1:$AMR_PUBLISH_HTTP/api/v1/objects/1" || true)
	case $objects in *'"channels":[{'*'"id":"1.1.3"'*) break ;; esac
	sleep 1
done
case $objects in
*'"channels":[{'*'"id":"1.1.3"'*) ;;
*) fail "the portal does not show the demo building's channels: ${objects:0:300}" ;;
esac
say "signed in as admin with the printed password; the portal shows object 1 and its channels"

# 5c. The demo setup: it exits 0 once the registry, the history and the
# organisation are in (deploy/demo-setup.sh); then the house meters'
# channels are described, a flat's month a year ago has imported pulses,
# and amr-billing has the demo's 32 premises.
state=
for _ in $(seq 300); do
	state=$(podman inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$setup_id")
	[ "${state%% *}" = exited ] && break
	sleep 1
done
[ "$state" = "exited 0" ] || fail "demo-setup: $state after 300 s: $(podman logs --tail 5 "$setup_id" 2>&1)"
latest=$(ctl rpc archive/latest '{"obj":1}')
[ "$(jq '.channels | length' <<<"$latest")" -eq 132 ] ||
	fail "object 1 has not 132 channels (32 flats and the house, 4 each): $(jq -c '[.channels[].id]' <<<"$latest")"
reg=$(ctl rpc archive/registry.get '{"id":"1.33.4"}')
[ "$(jq -r '.label + " " + .unit' <<<"$reg")" = "Общедомовой счётчик тепла Gcal" ] ||
	fail "the house heat meter is not described: $reg"
now=$(date +%s)
ago=$(ctl rpc archive/consumption "{\"channels\":[\"1.1.1\",\"1.33.1\"],\"from\":$((now - 360 * 86400)),\"to\":$((now - 330 * 86400))}")
[ "$(jq '[.items[] | select(.pulses > 0 and .coverage.imported_hours > 0)] | length' <<<"$ago")" -eq 2 ] ||
	fail "no imported consumption of 1.1.1 and 1.33.1 a year ago: $ago"
[ "$(ctl billing premises | jq '.records | length')" -eq 32 ] || fail "amr-billing has not the demo's 32 premises"
podman start "$setup_id" >/dev/null
for _ in $(seq 60); do
	[ "$(podman inspect --format '{{.State.Status}}' "$setup_id")" = exited ] && break
	sleep 1
done
podman logs --tail 1 "$setup_id" 2>&1 | grep -q 'set up already' ||
	fail "demo-setup started again did not find its markers: $(podman logs --tail 3 "$setup_id" 2>&1)"
say "demo-setup: house meters described, a year of history imported, 32 premises in amr-billing; a second start does nothing"

# 6. Broker security.
pub() { mosquitto_pub -h 127.0.0.1 -q 1 "$@"; }
out=$(pub -p "$mqtt" -t amr/v1/gw/1/up -m '{}' 2>&1) && fail "anonymous publish accepted on 1883"
case $out in *'not authorised'*) ;; *) fail "anonymous client on 1883: $out" ;; esac
out=$(pub -p "$mqtts" --cafile "$AMR_SECRETS_DIR/broker/ca.crt" -h localhost -t amr/v1/gw/1/up -m '{}' 2>&1) &&
	fail "anonymous publish accepted on 8883"
case $out in *'not authorised'*) ;; *) fail "anonymous client on 8883: $out" ;; esac
out=$(pub -p "$mqtt" -u amr-ops -P wrong -t amr/v1/rpc/archive/ping -m '{}' 2>&1) && fail "a wrong password was accepted"
say "anonymous clients (1883, 8883) and a wrong password are refused"

deploy/secrets.sh gateway 2 --host localhost --tls >"$tmp/gw2.log" || fail "provisioning gateway 2: $(cat "$tmp/gw2.log")"
gwenv=$AMR_SECRETS_DIR/gateways/2/amr-gateway.env
grep -qx 'AMR_GW_OBJ=2' "$gwenv" && grep -qx 'AMR_MQTT_USER=gw-2' "$gwenv" && grep -qx 'AMR_MQTT_PORT=8883' "$gwenv" ||
	fail "the provisioned gateway configuration is incomplete: $(grep -v PASSWORD "$gwenv")"
grep -qx 'topic write amr/v1/gw/2/up' "$AMR_SECRETS_DIR/broker/acl" || fail "no ACL entry for gateway 2"
deploy/secrets.sh reload >/dev/null || fail "secrets.sh reload"
gw_pw=$(sed -n 's/^AMR_MQTT_PASSWORD=//p' "$gwenv")
sleep 1

# An operator watches every gateway topic while gw-2 tries.
mosquitto_sub -h 127.0.0.1 -p "$mqtt" -u "$ops_user" -P "$ops_pw" -v \
	-t 'amr/v1/gw/+/up' -t 'amr/v1/gw/+/cmd/result' -t 'amr/v1/gw/+/status' >"$tmp/watch.log" 2>&1 &
subpid=$!
sleep 1
marker=deploy-test-$$
pub -p "$mqtt" -u gw-2 -P "$gw_pw" -t amr/v1/gw/1/up -m "{\"foreign\":\"$marker\"}" 2>/dev/null || true
pub -p "$mqtt" -u gw-2 -P "$gw_pw" -t amr/v1/gw/1/status -m "{\"foreign\":\"$marker\"}" 2>/dev/null || true
pub -p "$mqtt" -u gw-2 -P "$gw_pw" -t amr/v1/gw/2/cmd/result -m "{\"id\":\"own-$marker\",\"ok\":true,\"output\":\"\"}" ||
	fail "gw-2 cannot publish on its own topic"
pub -p "$mqtts" -h localhost --cafile "$AMR_SECRETS_DIR/gateways/2/ca.crt" -u gw-2 -P "$gw_pw" \
	-t amr/v1/gw/2/cmd/result -m "{\"id\":\"tls-$marker\",\"ok\":true,\"output\":\"\"}" ||
	fail "gw-2 cannot publish over TLS on 8883 with the CA of its configuration"
sleep 3
kill "$subpid" 2>/dev/null; wait "$subpid" 2>/dev/null || true
subpid=
grep -q "amr/v1/gw/2/cmd/result .*own-$marker" "$tmp/watch.log" || fail "gw-2's publish on its own topic did not arrive"
grep -q "amr/v1/gw/2/cmd/result .*tls-$marker" "$tmp/watch.log" || fail "gw-2's publish over TLS did not arrive"
grep -q "foreign.*$marker" "$tmp/watch.log" && fail "gw-2 published under object 1: $(grep "$marker" "$tmp/watch.log")"
grep -q '^amr/v1/gw/1/' "$tmp/watch.log" || fail "the operator saw nothing of gateway 1 (the watch itself is broken)"
# Reading: gateway 1's acknowledgement is retained, so a subscriber allowed
# to read it gets it at once: gw-1 does, gw-2 must not.
gw1_pw=$(sed -n 's/^AMR_MQTT_PASSWORD=//p' "$AMR_SECRETS_DIR/gateways/1/amr-gateway.env")
out=$(mosquitto_sub -h 127.0.0.1 -p "$mqtt" -u gw-1 -P "$gw1_pw" -t amr/v1/gw/1/ack -C 1 -W 5 2>&1 || true)
case $out in *'"seq":'*) ;; *) fail "gw-1 cannot read its own retained ack: $out" ;; esac
out=$(mosquitto_sub -h 127.0.0.1 -p "$mqtt" -u gw-2 -P "$gw_pw" -t amr/v1/gw/1/ack -t amr/v1/gw/1/cmd -C 1 -W 3 2>&1 || true)
case $out in *'"seq":'*) fail "gw-2 reads gateway 1's ack: $out" ;; esac
say "gw-2 publishes only under amr/v1/gw/2/ (plain and TLS) and cannot read gateway 1's ack"

# 7. Hot backup of the running stack, restore, the same answers. The
# question is about readings stamped before t0. The gateway sends a batch
# every 10 s, so a reading of t0 may still be on its way: wait until the
# archive has committed three batches more than it had just before t0 (one
# may have been in flight, the next was being filled at t0, the third was
# begun after it), and every reading up to t0 is in the archive.
hwm() { ctl rpc archive/hwm '{"obj":1}' | sed -n 's/.*"seq": *\([0-9]*\).*/\1/p'; }
h0=$(hwm)
[ -n "$h0" ] || fail "archive/hwm of object 1 gave no seq"
t0=$(date +%s)
for _ in $(seq 60); do
	[ "$(hwm)" -ge $((h0 + 3)) ] && break
	sleep 1
done
[ "$(hwm)" -ge $((h0 + 3)) ] || fail "the archive committed no three batches in 60 s after seq $h0"
deploy/backup.sh --compose "$project" "$tmp/backup" >"$tmp/backup.log" 2>&1 || fail "backup.sh --compose: $(cat "$tmp/backup.log")"
for part in archive/data.mdb ingest/data.mdb web/data.mdb broker/mosquitto.db gateway-1/spool/data.mdb; do
	grep -q " $part " "$tmp/backup/MANIFEST" || fail "$part is not in the backup: $(cat "$tmp/backup/MANIFEST")"
done
q="{\"channels\":[\"1.1.3\",\"1.2.3\",\"1.3.4\"],\"from\":$((t0 - 86400)),\"to\":$t0}"
before=$(ctl rpc archive/consumption "$q") || fail "archive/consumption before the restore"
case $before in *'"pulses":'[1-9]*) ;; *) fail "nothing counted before the backup: $before" ;; esac
deploy/restore.sh --compose "$project" "$tmp/backup" >"$tmp/restore.log" 2>&1 || fail "restore.sh --compose: $(cat "$tmp/restore.log")"
after=
for _ in $(seq 60); do
	after=$(ctl rpc archive/consumption "$q" 2>/dev/null) && break
	sleep 1
done
[ "$before" = "$after" ] || fail "the archive answers differently after the restore: $before / $after"
say "backup --compose and restore --compose: the archive answers the same"

# 8. Down, and nothing left.
compose down -v -t 5 >"$tmp/down.log" 2>&1 || fail "podman-compose down failed"
# podman-compose 1.0.3 leaves the project's network (docker compose does not).
podman network rm -f "${project}_default" >/dev/null 2>&1 || true
left=$(leftovers)
[ -z "$left" ] || fail "left after down -v: $left"
say "down -v left no container, volume, network or pod"
echo "PASS test-stack ($(($(date +%s) - start)) s)"
