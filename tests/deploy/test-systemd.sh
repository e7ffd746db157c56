#!/usr/bin/env bash
# The systemd units under a real systemd (make test-deploy): a container
# of the amr image with systemd as PID 1 (podman --systemd=always), in
# which the steps of docs/deploy.md "systemd" are run as written there:
# secrets.sh init, Debian's mosquitto with the stack's users, ACL and TLS,
# amr@.service for the five services, amr-sms.service for the SMS gateway
# (Kannel with its fake centre). Then: every unit active and never
# restarted (a system call outside the unit's filter would kill it), each
# running as the user amr, each service online on its status topic and
# answering amrctl through the broker with the ops credentials, the
# portal answering, and the hardening in force (the file system read-only
# for a service but for its own data). Then the gateway unit, provisioned
# with `secrets.sh gateway`, polling amr-sim's bus and publishing over TLS
# until its batches are in the archive.
#
# Needs the image localhost/amr:latest (test-stack.sh builds it; this
# script builds it when missing). Leaves nothing running, even when it
# fails, and removes its own image (built on the amr image, it would keep
# a replaced amr image from being removed by the next build-image.sh).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
export CONTAINERS_CONF=$top/deploy/container/containers.conf
name=amr-test-systemd
image=localhost/amr-systemd-test:latest
start=$(date +%s)
tmp=$(mktemp -d /tmp/amr-test-systemd.XXXXXX)

say() { echo "test-systemd [$(($(date +%s) - start))s]: $*"; }
fail() { echo "FAIL test-systemd: $*" >&2; exit 1; }
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ $rc -ne 0 ]; then
		echo "--- journal of the amr units ---" >&2
		podman exec "$name" journalctl -q --no-pager -n 40 -u 'amr@*' -u mosquitto 2>&1 |
			cut -c1-240 >&2 || true
	fi
	podman rm -f -t 2 "$name" >/dev/null 2>&1 || true
	podman rmi "$image" >/dev/null 2>&1 || true
	rm -rf "$tmp"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# cx CMD...: run CMD in the container as root
cx() { podman exec "$name" "$@"; }

if ! podman image exists localhost/amr:latest; then
	deploy/container/debian-base.sh >/dev/null
	deploy/container/build-image.sh --engine podman >/dev/null || fail "could not build localhost/amr:latest"
fi
# The amr image plus systemd as init (and procps: mosquitto.service reloads
# with /bin/kill, as on any Debian server). The programs, the portal's files and
# the user amr are the image's (docs/deploy.md builds and installs them).
cat >"$tmp/Containerfile" <<'EOF'
FROM localhost/amr:latest
USER root
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      systemd systemd-sysv openssl procps python3 \
 && rm -rf /var/lib/apt/lists/* \
 && systemctl mask systemd-logind.service getty.target console-getty.service
STOPSIGNAL SIGRTMIN+3
CMD ["/sbin/init"]
EOF
podman build -q --network host -f "$tmp/Containerfile" -t "$image" "$tmp" >"$tmp/build.log" 2>&1 ||
	fail "could not build the systemd image: $(tail -n 5 "$tmp/build.log")"
say "image with systemd built"

podman rm -f "$name" >/dev/null 2>&1 || true
podman run -d --name "$name" --systemd=always --privileged --network none \
	-v "$top:/src:ro" "$image" >/dev/null || fail "the container did not start"
for _ in $(seq 60); do
	state=$(cx systemctl is-system-running 2>/dev/null || true)
	case $state in running|degraded) break ;; esac
	sleep 1
done
case $state in running|degraded) ;; *) fail "systemd did not come up: $state" ;; esac
say "systemd is PID 1 in the container ($state)"

# The steps of docs/deploy.md, "systemd" (the programs are installed).
cx bash -euo pipefail -c '
cd /src
AMR_SECRETS_DIR=/etc/amr/secrets deploy/secrets.sh init --tls-name localhost >/dev/null
install -d -o mosquitto -m 700 /etc/mosquitto/amr
install -o mosquitto -m 600 /etc/amr/secrets/broker/* /etc/mosquitto/amr/
install -m 644 deploy/mosquitto/conf.d/limits.conf /etc/mosquitto/conf.d/limits.conf
install -m 644 deploy/systemd/mosquitto-amr.conf /etc/mosquitto/conf.d/amr.conf
systemctl restart mosquitto
for s in ingest archive billing notify web; do
    install -m 600 /etc/amr/secrets/env/$s.env /etc/amr/$s.env
done
echo AMR_HTTP_BIND=0.0.0.0 >/etc/amr/amr.env
systemctl disable --now kannel >/dev/null 2>&1 || true
install -d /usr/local/libexec/amr /usr/local/share/amr/kannel /etc/amr/kannel
install -m 755 deploy/container/sms-gateway.sh /usr/local/libexec/amr/
install -m 644 deploy/kannel/stack.conf.in /usr/local/share/amr/kannel/
install -m 640 -g amr /etc/amr/secrets/kannel/smsc.conf /etc/amr/kannel/smsc.conf
install -m 600 /etc/amr/secrets/kannel/sms.env /etc/amr/sms.env
printf "%s\n" AMR_NOTIFY_SMS_URL=http://127.0.0.1:13013/cgi-bin/sendsms \
    AMR_NOTIFY_SMS_LISTEN=127.0.0.1:13080 \
    "AMR_NOTIFY_SMS_DLR_URL=http://127.0.0.1:13080/sms/dlr?key=%KEY%&status=%d" >>/etc/amr/notify.env
install -m 644 deploy/systemd/amr@.service deploy/systemd/amr-sms.service /etc/systemd/system/
systemctl daemon-reload
systemctl enable --now amr-sms amr@ingest amr@archive amr@billing amr@notify amr@web
' >"$tmp/install.log" 2>&1 || fail "the steps of docs/deploy.md failed: $(tail -n 5 "$tmp/install.log")"
say "installed as docs/deploy.md says; units enabled"

units="amr-sms amr@ingest amr@archive amr@billing amr@notify amr@web"
ops_user=$(cx sed -n 's/^AMR_MQTT_USER=//p' /etc/amr/secrets/env/ops.env)
ops_pw=$(cx sed -n 's/^AMR_MQTT_PASSWORD=//p' /etc/amr/secrets/env/ops.env)
ctl() {
	cx env AMR_MQTT_HOST=127.0.0.1 AMR_MQTT_USER="$ops_user" AMR_MQTT_PASSWORD="$ops_pw" \
		amrctl --timeout=3000 "$@"
}
for s in ingest archive billing notify web; do
	ok=
	for _ in $(seq 30); do
		ctl ping "$s" >/dev/null 2>&1 && { ok=1; break; }
		sleep 1
	done
	[ -n "$ok" ] || fail "amr-$s does not answer amrctl ping: $(cx systemctl status --no-pager "amr@$s" 2>&1 | tail -n 5)"
done
say "every service answers amrctl ping through the broker (user $ops_user)"

status=$(cx mosquitto_sub -h 127.0.0.1 -u "$ops_user" -P "$ops_pw" -t 'amr/v1/svc/+/status' -v -W 3 2>/dev/null || true)
for s in ingest archive billing notify web; do
	grep -q "^amr/v1/svc/$s/status {\"online\":true" <<<"$status" ||
		fail "amr/v1/svc/$s/status is not online: $status"
done
say "every service is online on its status topic"

# Still up, never restarted: a system call outside @system-service, a
# write outside ReadWritePaths or W^X memory would have killed it by now.
sleep 5
amr_uid=$(cx id -u amr)
for u in $units; do
	[ "$(cx systemctl is-active "$u")" = active ] || fail "$u is $(cx systemctl is-active "$u")"
	[ "$(cx systemctl show -P NRestarts "$u")" = 0 ] || fail "$u restarted $(cx systemctl show -P NRestarts "$u") times"
	pid=$(cx systemctl show -P MainPID "$u")
	uid=$(cx sed -n 's/^Uid:\t\([0-9]*\).*/\1/p' "/proc/$pid/status")
	[ "$uid" = "$amr_uid" ] || fail "$u runs as uid $uid, not amr ($amr_uid)"
done
say "all six units active, never restarted, running as amr"

# The hardening as the service sees it: its data writable, /etc and the
# other services' data not; no capabilities.
pid=$(cx systemctl show -P MainPID amr@archive)
cx nsenter -t "$pid" -m setpriv --reuid amr --regid amr --clear-groups \
	sh -c 'touch /var/lib/amr/archive/.w && rm /var/lib/amr/archive/.w' ||
	fail "the archive cannot write its own data directory"
if cx nsenter -t "$pid" -m touch /etc/amr/.w 2>/dev/null; then
	fail "/etc is writable in the archive's mount namespace (ProtectSystem=strict)"
fi
if cx nsenter -t "$pid" -m touch /var/lib/amr/web/.w 2>/dev/null; then
	fail "the archive can write the portal's data"
fi
caps=$(cx sed -n 's/^CapEff:\t//p' "/proc/$pid/status")
[ "$caps" = 0000000000000000 ] || fail "the archive holds capabilities $caps"
say "the archive writes only /var/lib/amr/archive and holds no capability"

# An SMS another service asks amr-notify for goes through Kannel's sendsms
# to the fake centre, which logs it in the gateway's state directory.
ctl rpc notify/send '{"ref":"ops/test-systemd/1","channel":"sms","to":"+79001112233","body":"Проверка SMS","actor":"test-systemd"}' \
	>"$tmp/send.log" 2>&1 || fail "notify/send refused: $(cat "$tmp/send.log")"
got=
for _ in $(seq 60); do
	got=$(cx python3 /src/deploy/sms-inbox.py /var/lib/amr/sms/fakesmsc.log 2>/dev/null | grep -F '+79001112233' || true)
	[ -n "$got" ] && break
	sleep 1
done
case $got in *'Проверка SMS'*) ;; *) fail "the SMS did not reach Kannel's fake centre: $(cx journalctl -q --no-pager -n 8 -u amr-sms -u amr@notify 2>&1)" ;; esac
say "amr-notify's SMS went through amr-sms (Kannel) to its fake centre: $got"

# The portal, with the admin password amr-web printed once in the journal.
code=$(cx bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080 && printf "GET /login.html HTTP/1.0\r\n\r\n" >&3 && head -n 1 <&3' || true)
case $code in *" 200 "*) ;; *) fail "the portal does not answer on 8080: $code" ;; esac
cx journalctl -q --no-pager -u amr@web | grep -q 'created user admin with password' ||
	fail "amr-web did not print the admin account in the journal"
say "the portal answers on 8080; the admin password is in journalctl -u amr@web"

# The gateway unit, as docs/deploy.md "The gateway" says, talking TLS to
# the broker with the credentials of `secrets.sh gateway 7`. Its RS-485
# bus is amr-sim's pseudo-terminal (4 UO-4); the port and the pseudo-
# terminal's device class go in a drop-in, as `systemctl edit` would.
cx bash -euo pipefail -c '
cd /src
AMR_SECRETS_DIR=/etc/amr/secrets deploy/secrets.sh gateway 7 --host localhost --tls >/dev/null
install -o mosquitto -m 600 /etc/amr/secrets/broker/passwd /etc/amr/secrets/broker/acl /etc/mosquitto/amr/
systemctl reload mosquitto
useradd --system --home-dir /var/lib/amr-gateway --shell /usr/sbin/nologin amr-gw
install -m 600 /etc/amr/secrets/gateways/7/amr-gateway.env /etc/amr-gateway.env
install -d /etc/amr-gateway && install -m 644 /etc/amr/secrets/gateways/7/ca.crt /etc/amr-gateway/
install -m 644 deploy/systemd/amr-gateway.service /etc/systemd/system/
systemd-run -q --unit amr-sim-test -p User=amr-gw -p RuntimeDirectory=amr-sim \
    -p StateDirectory=amr-sim /usr/local/bin/amr-sim --bus /run/amr-sim/bus --devices 4 \
    --state /var/lib/amr-sim --speed 60
mkdir -p /etc/systemd/system/amr-gateway.service.d
printf "[Service]\nEnvironment=AMR_GW_SERIAL=/run/amr-sim/bus AMR_GW_POLL=1-4\nDeviceAllow=char-pts rw\n" \
    >/etc/systemd/system/amr-gateway.service.d/bus.conf
for _ in $(seq 50); do [ -e /run/amr-sim/bus ] && break; sleep 0.1; done
systemctl daemon-reload && systemctl enable --now amr-gateway
' >"$tmp/gateway.log" 2>&1 || fail "the gateway steps of docs/deploy.md failed: $(tail -n 5 "$tmp/gateway.log")"
hwm=0
for _ in $(seq 60); do
	hwm=$(ctl --compact=yes rpc archive/hwm '{"obj":7}' 2>/dev/null | sed -n 's/.*"seq": *\([0-9]*\).*/\1/p')
	[ "${hwm:-0}" -ge 2 ] && break
	sleep 1
done
[ "${hwm:-0}" -ge 2 ] || fail "no two batches of gateway 7 reached the archive in 60 s: $(cx journalctl -q --no-pager -n 8 -u amr-gateway 2>&1)"
u=amr-gateway
[ "$(cx systemctl is-active $u)" = active ] || fail "$u is $(cx systemctl is-active $u)"
[ "$(cx systemctl show -P NRestarts $u)" = 0 ] || fail "$u restarted $(cx systemctl show -P NRestarts $u) times"
pid=$(cx systemctl show -P MainPID $u)
uid=$(cx sed -n 's/^Uid:\t\([0-9]*\).*/\1/p' "/proc/$pid/status")
[ "$uid" = "$(cx id -u amr-gw)" ] || fail "$u runs as uid $uid, not amr-gw"
cx sh -c "ls -l /proc/$pid/fd" | grep -q '/dev/pts/' || fail "$u has not opened the bus"
cx journalctl -q --no-pager -u $u | grep -q 'connected to ssl://localhost:8883' ||
	fail "$u did not connect over TLS: $(cx journalctl -q --no-pager -u $u | grep 'mq:' | tail -n 2)"
latest=$(ctl --compact=yes rpc archive/latest '{"obj":7}')
case $latest in *'"id":"7.4.'*) ;; *) fail "archive/latest of object 7 lacks device 4: $latest" ;; esac
say "amr-gateway (uid amr-gw, TLS to the broker) polls 4 UO-4; batches up to seq $hwm are in the archive"

echo "PASS test-systemd ($(($(date +%s) - start)) s)"
